#include "ops/alert_rules.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace analytics::ops {
namespace {

constexpr std::string_view kField = "alerts.rules_file";

// "rules.yml line 12: alert rule 'High Error Rate': <what>", naming the rule
// as far as it is known.
Error RuleError(std::string_view source, const YAML::Mark& mark, const std::string& rule,
                const std::string& what) {
  std::string where = std::string(source) + " line " + std::to_string(mark.line + 1);
  std::string name = rule.empty() ? "alert rule" : "alert rule '" + rule + "'";
  return InvalidArgument(std::string(kField), where + ": " + name + ": " + what);
}

Result<std::string> TextField(const YAML::Node& rule, const std::string& key,
                              std::string_view source, const std::string& name) {
  const YAML::Node value = rule[key];
  if (!value) return RuleError(source, rule.Mark(), name, "missing field '" + key + "'");
  if (!value.IsScalar() || value.Scalar().empty()) {
    return RuleError(source, value.Mark(), name, "'" + key + "' must be non-empty text");
  }
  return value.Scalar();
}

Result<AlertRule> ParseRule(const YAML::Node& node, std::string_view source) {
  if (!node.IsMap()) {
    return RuleError(source, node.Mark(), "",
                     "each rule must be a map of name, condition, "
                     "action, severity");
  }
  AlertRule rule;
  rule.line = node.Mark().line + 1;
  // The name first, so every later error names the rule.
  const YAML::Node name = node["name"];
  if (name && name.IsScalar()) rule.name = name.Scalar();
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (key != "name" && key != "condition" && key != "action" && key != "severity") {
      return RuleError(source, entry.first.Mark(), rule.name,
                       "unknown field '" + key + "' (fields: name, condition, action, severity)");
    }
  }
  for (auto [key, out] :
       {std::pair{"name", &rule.name}, std::pair{"condition", &rule.condition},
        std::pair{"action", &rule.action}, std::pair{"severity", &rule.severity}}) {
    auto text = TextField(node, key, source, rule.name);
    if (!text.ok()) return text.error();
    *out = *text;
  }
  if (rule.severity.size() != 2 || rule.severity[0] != 'P' || rule.severity[1] < '0' ||
      rule.severity[1] > '3') {
    return RuleError(source, node["severity"].Mark(), rule.name,
                     "severity must be P0, P1, P2 or P3, got '" + rule.severity + "'");
  }
  auto condition = ParseCondition(rule.condition);
  if (!condition.ok()) {
    return RuleError(source, node["condition"].Mark(), rule.name, condition.error().message);
  }
  rule.parsed = *condition;
  return rule;
}

}  // namespace

Result<std::vector<AlertRule>> ParseAlertRules(std::string_view yaml, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {  // what yaml-cpp throws for text that is not YAML
    return RuleError(source, e.mark, "", "not valid YAML: " + e.msg);
  }
  if (!root.IsSequence()) {
    return RuleError(source, root.Mark(), "", "the file must be a YAML list of rules");
  }
  std::vector<AlertRule> rules;
  std::set<std::string> names;
  for (const YAML::Node& node : root) {
    auto rule = ParseRule(node, source);
    if (!rule.ok()) return rule.error();
    if (!names.insert(rule->name).second) {
      return RuleError(source, node.Mark(), rule->name, "a second rule with this name");
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

Result<std::vector<AlertRule>> LoadAlertRules(const std::string& rules_file) {
  if (rules_file.empty()) return ParseAlertRules(DefaultAlertRulesYaml(), "built-in rules");
  std::ifstream in(rules_file);
  if (!in) return InvalidArgument(std::string(kField), "cannot read alert rules " + rules_file);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseAlertRules(text.str(), rules_file);
}

}  // namespace analytics::ops

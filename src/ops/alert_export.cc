#include "ops/alert_export.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <map>

namespace analytics::ops {
namespace {

// The window rates are taken over: a few scrapes at the usual 15 to 60 s.
constexpr std::string_view kWindow = "[5m]";

std::string Rate(std::string_view series) {
  return "sum(rate(" + std::string(series) + std::string(kWindow) + "))";
}

std::string Quantile(std::string_view q) {
  return "histogram_quantile(" + std::string(q) +
         ", sum by (le) (rate(analytics_http_request_duration_seconds_bucket" +
         std::string(kWindow) + ")))";
}

// Each signal of the signal store as a PromQL expression in the same unit
// (percent, seconds), from our /metrics names, and node_exporter's for what
// the machine knows (CPUs, memory, file systems).
std::map<std::string, std::string> SignalExpressions(const std::string& job) {
  const std::string j = "{job=\"" + job + "\"}";
  const std::string requests = Rate("analytics_http_requests_total");
  const std::string hits = Rate("analytics_cache_hits_total");
  const std::string lookups = "(" + hits + " + " + Rate("analytics_cache_misses_total") + ")";
  return {
      {"health", "up" + j},
      {"db_up", "min(analytics_db_up)"},
      {"request_rate", requests},
      {"error_rate", "100 * " + Rate("analytics_http_requests_total{status=~\"5..\"}") + " / (" +
                         requests + " > 0)"},
      {"p50_response_time", Quantile("0.5")},
      {"p95_response_time", Quantile("0.95")},
      {"p99_response_time", Quantile("0.99")},
      {"cpu_usage", "100 * sum(rate(process_cpu_seconds_total" + j + std::string(kWindow) +
                        ")) / scalar(count(node_cpu_seconds_total{mode=\"idle\"}))"},
      {"memory_rss", "sum(process_resident_memory_bytes" + j + ")"},
      {"memory_usage", "100 * sum(process_resident_memory_bytes" + j +
                           ") / scalar(sum(node_memory_MemTotal_bytes))"},
      {"cache_hit_rate", "100 * " + hits + " / (" + lookups + " > 0)"},
      {"cache_evicted_keys",
       "sum(increase(analytics_cache_evictions_total" + std::string(kWindow) + "))"},
      {"db_connections", "sum(analytics_db_pool_connections)"},
      {"job_failures",
       "sum(increase(analytics_job_runs_total{status=\"failed\"}" + std::string(kWindow) + "))"},
      {"disk_usage",
       "max(100 * (1 - node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs\"} / "
       "node_filesystem_size_bytes{fstype!~\"tmpfs|overlay|squashfs\"}))"},
  };
}

std::string_view OperatorText(Comparison op) {
  switch (op) {
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kEqual:
      return "==";
    case Comparison::kNotEqual:
      return "!=";
  }
  return ">";
}

// "API Down" -> "APIDown": Prometheus alert names by convention are CamelCase
// identifiers; the rule's own name goes in a label.
std::string AlertName(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      upper = true;
      continue;
    }
    out += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string Threshold(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

}  // namespace

Result<std::string> ExportPrometheusRules(const std::vector<AlertRule>& rules,
                                          const std::string& job) {
  const auto expressions = SignalExpressions(job);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "analytics";
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const AlertRule& rule : rules) {
    auto expression = expressions.find(rule.parsed.signal);
    if (expression == expressions.end()) {
      return Internal("no PromQL form for signal " + rule.parsed.signal);
    }
    out << YAML::BeginMap;
    out << YAML::Key << "alert" << YAML::Value << AlertName(rule.name);
    out << YAML::Key << "expr" << YAML::Value
        << expression->second + " " + std::string(OperatorText(rule.parsed.op)) + " " +
               Threshold(rule.parsed.threshold);
    if (rule.parsed.hold.count() > 0) {
      out << YAML::Key << "for" << YAML::Value << std::to_string(rule.parsed.hold.count()) + "s";
    }
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "severity" << YAML::Value << rule.severity;
    out << YAML::Key << "rule" << YAML::Value << rule.name << YAML::EndMap;
    out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "summary" << YAML::Value << rule.name + ": " + rule.condition;
    out << YAML::Key << "action" << YAML::Value << rule.action << YAML::EndMap;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace analytics::ops

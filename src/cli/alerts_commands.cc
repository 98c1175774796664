// alerts check | silence | unsilence | export | watch: the runbook's alert
// rules as commands (SPEC §7, §8; docs/alerts.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/relative_time.h"
#include "cli/command.h"
#include "ops/alert_engine.h"
#include "ops/alert_export.h"
#include "ops/alert_watch.h"
#include "ops/doctor.h"
#include "storage/alert_repository.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kHistoryLimit = 10'000;

std::string Number(std::optional<double> v) {
  if (!v) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%g", *v);
  return text;
}
Json NumberJson(std::optional<double> v) { return v ? Json(*v) : Json(nullptr); }
std::string TimeText(const std::optional<Time>& t) { return t ? FormatTime(*t) : "-"; }
Json TimeJson(const std::optional<Time>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }

// Who silenced: the login name, as incidents record it.
std::string Operator() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "cli";
}

struct AlertsView {
  std::vector<storage::AlertStateRow> states;
  std::vector<storage::AlertEventRow> events;
  std::vector<storage::AlertSilenceRow> silences;
};

Result<AlertsView> ReadAlerts(storage::Database& db, Time since, Time now) {
  AlertsView view;
  Result<void> read = db.Read([&](storage::Transaction& tx) -> Result<void> {
    storage::AlertRepository alerts(tx);
    auto states = alerts.States();
    if (!states.ok()) return states.error();
    auto events = alerts.Events(since, kHistoryLimit);
    if (!events.ok()) return events.error();
    auto silences = alerts.ActiveSilences(now);
    if (!silences.ok()) return silences.error();
    view = {std::move(*states), std::move(*events), std::move(*silences)};
    return Ok();
  });
  if (!read.ok()) return read.error();
  return view;
}

// One line per rule: its stored state (inactive when it never had one).
struct RuleNow {
  const ops::AlertRule* rule;
  storage::AlertStateRow state;
  std::optional<Time> silenced_until;
};

std::vector<RuleNow> Now(const std::vector<ops::AlertRule>& rules, const AlertsView& view) {
  std::vector<RuleNow> out;
  for (const ops::AlertRule& rule : rules) {
    RuleNow line{&rule, {rule.name, "inactive", {}, {}, {}}, {}};
    for (const auto& s : view.states) {
      if (s.rule == rule.name) line.state = s;
    }
    for (const auto& s : view.silences) {
      if (s.rule == rule.name) line.silenced_until = s.until;
    }
    out.push_back(std::move(line));
  }
  return out;
}

void PrintCheckJson(const std::vector<RuleNow>& now, const AlertsView& view, Time since,
                    bool failing) {
  Json rules = Json::array();
  for (const RuleNow& r : now) {
    rules.push_back(Json{{"rule", r.rule->name},
                         {"severity", r.rule->severity},
                         {"condition", r.rule->condition},
                         {"action", r.rule->action},
                         {"state", r.state.state},
                         {"since", TimeJson(r.state.since)},
                         {"value", NumberJson(r.state.value)},
                         {"silenced_until", TimeJson(r.silenced_until)}});
  }
  Json events = Json::array();
  for (const auto& e : view.events) {
    events.push_back(Json{{"id", e.id},
                          {"at", FormatTime(e.at)},
                          {"rule", e.rule},
                          {"severity", e.severity},
                          {"state", e.state},
                          {"value", NumberJson(e.value)},
                          {"since", TimeJson(e.since)},
                          {"delivery", e.delivery}});
  }
  std::cout << Json{{"since", FormatTime(since)},
                    {"urgent_firing", failing},
                    {"rules", rules},
                    {"events", events}}
                   .dump()
            << '\n';
}

void PrintCheckTable(const std::vector<RuleNow>& now, const AlertsView& view, Time since) {
  std::vector<std::vector<std::string>> rows;
  for (const RuleNow& r : now) {
    rows.push_back({r.rule->name, r.rule->severity, r.state.state, TimeText(r.state.since),
                    Number(r.state.value), TimeText(r.silenced_until)});
  }
  PrintTable({"RULE", "SEVERITY", "STATE", "SINCE", "VALUE", "SILENCED_UNTIL"}, rows);
  std::cout << "\nfired since " << FormatTime(since) << ":\n";
  rows.clear();
  for (const auto& e : view.events) {
    rows.push_back({FormatTime(e.at), e.rule, e.severity, e.state, Number(e.value),
                    e.delivery.empty() ? "-" : e.delivery});
  }
  PrintTable({"AT", "RULE", "SEVERITY", "STATE", "VALUE", "DELIVERY"}, rows);
}

// The rules of the configuration; a bad rules file is the configuration's
// error (exit 3), as Open's are.
Result<std::vector<ops::AlertRule>> Rules(const config::Config& config) {
  return ops::LoadAlertRules(config.alerts.rules_file);
}

int Check(const Context& context, const std::string& since_text) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto rules = Rules(opened->config);
  if (!rules.ok()) return Fail(rules.error(), Stage::kOpen);
  const Time now = opened->app->clock().Now();
  auto since = ParseSinceOrError(since_text, now, "--since");
  if (!since.ok()) return Fail(since.error());
  auto view = ReadAlerts(opened->app->db(), *since, now);
  if (!view.ok()) return Fail(view.error());
  auto lines = Now(*rules, *view);
  bool failing = false;
  for (const RuleNow& r : lines) {
    failing = failing || (r.state.state == "firing" && ops::IsUrgent(r.rule->severity));
  }
  if (context.json) {
    PrintCheckJson(lines, *view, *since, failing);
  } else {
    PrintCheckTable(lines, *view, *since);
  }
  return failing ? kExitCheckFailed : kExitOk;
}

Result<const ops::AlertRule*> FindRule(const std::vector<ops::AlertRule>& rules,
                                       const std::string& name) {
  for (const ops::AlertRule& rule : rules) {
    if (rule.name == name) return &rule;
  }
  std::string names;
  for (const ops::AlertRule& rule : rules) names += (names.empty() ? "" : ", ") + rule.name;
  return InvalidArgument("RULE", "no alert rule named '" + name + "' (rules: " + names + ")");
}

struct SilenceFlags {
  std::string rule, duration, reason;
};

int Silence(const Context& context, const SilenceFlags& flags) {
  auto duration = ParseDuration(flags.duration);
  if (!duration) {
    return Fail(InvalidArgument("--for",
                                "--for must be a duration like 2h, 30m or \"1 day\", "
                                "got '" +
                                    flags.duration + "'"));
  }
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto rules = Rules(opened->config);
  if (!rules.ok()) return Fail(rules.error(), Stage::kOpen);
  auto rule = FindRule(*rules, flags.rule);
  if (!rule.ok()) return Fail(rule.error());
  const Time now = opened->app->clock().Now();
  storage::AlertSilenceRow silence{flags.rule, now + *duration, flags.reason, Operator(), now};
  Result<void> saved = opened->app->db().InTransaction(
      [&](storage::Transaction& tx) { return storage::AlertRepository(tx).Silence(silence); });
  if (!saved.ok()) return Fail(saved.error());
  if (context.json) {
    std::cout << Json{{"rule", silence.rule},
                      {"until", FormatTime(silence.until)},
                      {"reason", silence.reason},
                      {"created_by", silence.created_by}}
                     .dump()
              << '\n';
  } else {
    std::cout << "silenced '" << silence.rule << "' until " << FormatTime(silence.until) << '\n';
  }
  return kExitOk;
}

int Unsilence(const Context& context, const std::string& name) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto rules = Rules(opened->config);
  if (!rules.ok()) return Fail(rules.error(), Stage::kOpen);
  auto rule = FindRule(*rules, name);
  if (!rule.ok()) return Fail(rule.error());
  auto removed = storage::WriteStatementValue(opened->app->db(), [&](storage::Transaction& tx) {
    return storage::AlertRepository(tx).Unsilence(name);
  });
  if (!removed.ok()) return Fail(removed.error());
  if (context.json) {
    std::cout << Json{{"rule", name}, {"was_silenced", *removed}}.dump() << '\n';
  } else {
    std::cout << (*removed ? "unsilenced '" : "no silence on '") << name << "'\n";
  }
  return kExitOk;
}

int Export(const Context& context, const std::string& format, const std::string& job) {
  if (format != "prometheus") {
    return Fail(InvalidArgument("--format", "--format must be prometheus, got '" + format + "'"));
  }
  OpenOptions config_only;
  config_only.app = false;
  auto opened = Open(context, config_only);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto rules = Rules(opened->config);
  if (!rules.ok()) return Fail(rules.error(), Stage::kOpen);
  auto text = ops::ExportPrometheusRules(*rules, job);
  if (!text.ok()) return Fail(text.error());
  std::cout << *text;
  return kExitOk;
}

int Watch(const Context& context, std::string url, int timeout_ms) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto rules = Rules(opened->config);
  if (!rules.ok()) return Fail(rules.error(), Stage::kOpen);
  if (url.empty()) url = ops::ServerUrl(opened->config.server);
  ops::Notifier notifier(opened->config.alerts.targets);
  ops::AlertEngine engine(opened->app->db(), std::move(*rules), notifier);
  auto result = ops::WatchOnce(url, opened->app->db(), engine, opened->app->clock().Now(),
                               std::chrono::milliseconds(timeout_ms));
  if (!result.ok()) return Fail(result.error());
  Json transitions = Json::array();
  for (const auto& t : result->transitions) {
    transitions.push_back(Json{{"rule", t.rule}, {"state", t.state}, {"delivery", t.delivery}});
    if (!context.json) {
      std::cout << t.rule << ": " << t.state << (t.delivery.empty() ? "" : " (" + t.delivery + ")")
                << '\n';
    }
  }
  const auto& probe = result->probe;
  if (context.json) {
    std::cout << Json{{"url", probe.url},
                      {"healthy", probe.healthy},
                      {"detail", probe.detail},
                      {"transitions", transitions}}
                     .dump()
              << '\n';
  } else {
    std::cout << probe.url << ": " << (probe.healthy ? "up" : "down") << " (" << probe.detail
              << ")\n";
  }
  return probe.healthy ? kExitOk : kExitCheckFailed;
}

void AddSilence(CLI::App& alerts, Context& context) {
  auto flags = std::make_shared<SilenceFlags>();
  auto* silence = alerts.add_subcommand("silence", "mute a rule's actions until a time");
  silence->add_option("RULE", flags->rule, "the rule's name, e.g. \"High CPU Usage\"")->required();
  silence->add_option("--for", flags->duration, "how long: 2h, 30m, \"1 day\"")->required();
  silence->add_option("--reason", flags->reason, "why (kept with the silence)")->required();
  silence->callback([&context, flags] { context.code = Silence(context, *flags); });
  auto rule = std::make_shared<std::string>();
  auto* unsilence = alerts.add_subcommand("unsilence", "end a rule's silence now");
  unsilence->add_option("RULE", *rule, "the rule's name")->required();
  unsilence->callback([&context, rule] { context.code = Unsilence(context, *rule); });
}

void AddExportAndWatch(CLI::App& alerts, Context& context) {
  auto format = std::make_shared<std::string>();
  auto job = std::make_shared<std::string>("analytics");
  auto* exp = alerts.add_subcommand("export", "the rules as Prometheus alerting rules");
  exp->add_option("--format", *format, "prometheus")->required();
  exp->add_option("--job", *job, "the Prometheus scrape job of the servers (default analytics)");
  exp->callback([&context, format, job] { context.code = Export(context, *format, *job); });

  auto url = std::make_shared<std::string>();
  auto timeout_ms = std::make_shared<int>(5000);
  auto* watch = alerts.add_subcommand(
      "watch", "probe /health from outside the server, record it and evaluate (run by a timer)");
  watch->add_option("--url", *url, "the server's base URL (default: server.host and port)");
  watch->add_option("--timeout-ms", *timeout_ms, "how long the probe may take (default 5000)")
      ->check(CLI::Range(1, 600'000));
  watch->callback(
      [&context, url, timeout_ms] { context.code = Watch(context, *url, *timeout_ms); });
}

}  // namespace

void AddAlertsCommands(CLI::App& cli, Context& context) {
  auto* alerts = cli.add_subcommand("alerts", "alert rules: state, history, silences, export");
  alerts->require_subcommand(1);
  auto since = std::make_shared<std::string>("24 hours ago");
  auto* check = alerts->add_subcommand(
      "check", "what fired in the window and what fires now; exit 1 while a P0/P1 fires");
  check->add_option("--since", *since, "start of the window (default \"24 hours ago\")");
  check->callback([&context, since] { context.code = Check(context, *since); });
  AddSilence(*alerts, context);
  AddExportAndWatch(*alerts, context);
}

}  // namespace analytics::cli

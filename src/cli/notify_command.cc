// notify --message M [--severity S] (runbook send_emergency_notification):
// the message to every alerts.targets target, each delivery recorded in
// `notifications` and logged.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "base/clock.h"
#include "cli/command.h"
#include "logging/log.h"
#include "ops/incident_service.h"
#include "ops/notify.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

int Notify(const Context& context, const std::string& message, const std::string& severity) {
  if (auto valid = ops::ValidateSeverity(severity, "--severity"); !valid.ok()) {
    return Fail(valid.error());
  }
  auto opened = Open(context, OpenOptions{{}, /*logs=*/true, /*app=*/false});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const auto& targets = opened->config.alerts.targets;
  ops::Notifier notifier(targets);
  // An emergency message goes out with the database down too; only its
  // record is lost then (said on stderr).
  auto app = app::App::Build(opened->config);
  if (!app.ok() && app.error().code != ErrorCode::kUnavailable) {
    return Fail(app.error(), Stage::kOpen);
  }
  if (!app.ok()) {
    std::fprintf(stderr, "analytics: the database did not answer: deliveries are not recorded\n");
  }
  SystemClock clock;
  auto outcomes = ops::NotifyAll(notifier, targets, app.ok() ? &(*app)->db() : nullptr, clock,
                                 message, severity, OperatorName());
  logging::Shutdown();
  if (!outcomes.ok()) {
    // No target configured: the message went nowhere; what is missing is
    // configuration (alerts.targets), so the configuration's exit code.
    if (outcomes.error().code == ErrorCode::kNotFound) {
      Fail(outcomes.error());
      return kExitConfig;
    }
    return Fail(outcomes.error());
  }
  bool all_sent = true;
  Json list = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& o : *outcomes) {
    all_sent = all_sent && o.delivery.delivered;
    const char* status = o.delivery.delivered ? "sent" : "failed";
    list.push_back(Json{{"target", o.target},
                        {"status", status},
                        {"attempts", o.delivery.attempts},
                        {"error", o.delivery.error}});
    rows.push_back({o.target, status, std::to_string(o.delivery.attempts), o.delivery.error});
  }
  if (context.json) {
    std::cout << list.dump() << '\n';
  } else {
    PrintTable({"TARGET", "STATUS", "ATTEMPTS", "ERROR"}, rows);
  }
  if (!all_sent) std::fprintf(stderr, "analytics: a notification was not delivered\n");
  return all_sent ? kExitOk : kExitUnavailable;
}

}  // namespace

void AddNotifyCommand(CLI::App& cli, Context& context) {
  auto message = std::make_shared<std::string>();
  auto severity = std::make_shared<std::string>("P1");
  auto* notify = cli.add_subcommand("notify", "send a message to every alerts.targets target");
  notify->add_option("--message", *message, "the message")->required();
  notify->add_option("--severity", *severity, "P0, P1, P2 or P3 (default P1)");
  notify->callback(
      [&context, message, severity] { context.code = Notify(context, *message, *severity); });
}

}  // namespace analytics::cli

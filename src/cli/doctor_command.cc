// doctor: the runbook's daily health check in one command (docs/doctor.md).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/relative_time.h"
#include "cli/command.h"
#include "ops/doctor.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

struct DoctorFlags {
  std::string since = "24 hours ago";
  std::string url;
};

void Print(const Context& context, const std::vector<ops::Check>& checks, bool failed) {
  if (context.json) {
    Json list = Json::array();
    for (const auto& c : checks) {
      list.push_back(Json{{"name", c.name},
                          {"status", ops::ToString(c.status)},
                          {"value", c.value},
                          {"threshold", c.threshold},
                          {"note", c.note}});
    }
    std::cout << Json{{"status", failed ? "fail" : "ok"}, {"checks", list}}.dump() << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : checks) {
    rows.push_back({c.name, std::string(ops::ToString(c.status)), c.value, c.threshold, c.note});
  }
  PrintTable({"CHECK", "STATUS", "VALUE", "THRESHOLD", "NOTE"}, rows);
}

int Doctor(const Context& context, const DoctorFlags& flags) {
  OpenOptions config_only;
  config_only.app = false;
  auto opened = Open(context, config_only);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const Time now = SystemClock().Now();
  auto since = ParseSinceOrError(flags.since, now, "--since");
  if (!since.ok()) return Fail(since.error());
  ops::DoctorInputs in;
  in.config = &opened->config;
  in.health_url = flags.url;
  in.now = now;
  in.since = *since;
  // The database down is a finding, not a reason to stop: the other checks
  // still run, and the database check names it.
  auto app = app::App::Build(opened->config);
  if (app.ok()) {
    in.db = &(*app)->db();
    in.jobs = &(*app)->jobs();
  } else if (app.error().code == ErrorCode::kUnavailable) {
    in.db_error = app.error().message;
  } else {
    return Fail(app.error(), Stage::kOpen);
  }
  const std::vector<ops::Check> checks = ops::RunDoctor(in);
  std::string failed;
  for (const auto& c : checks) {
    if (c.status == ops::CheckStatus::kFail) failed += (failed.empty() ? "" : ", ") + c.name;
  }
  Print(context, checks, !failed.empty());
  if (failed.empty()) return kExitOk;
  std::cerr << "analytics: doctor: failed: " << failed << '\n';
  return kExitCheckFailed;
}

}  // namespace

void AddDoctorCommand(CLI::App& cli, Context& context) {
  auto flags = std::make_shared<DoctorFlags>();
  auto* doctor = cli.add_subcommand(
      "doctor", "the daily health check (runbook): exit 1 naming each failed check");
  doctor->add_option("--since", flags->since,
                     "window of the log checks: \"24 hours ago\" (default), \"2h\", ISO time");
  doctor->add_option("--url", flags->url,
                     "the /health URL to probe (default http://server.host:server.port/health)");
  doctor->callback([&context, flags] { context.code = Doctor(context, *flags); });
}

}  // namespace analytics::cli

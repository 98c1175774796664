// job run | status | schedule: run background jobs and check on them (SPEC §6).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "base/cron.h"
#include "cli/command.h"
#include "jobs/status.h"
#include "logging/log.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

struct JobRunFlags {
  std::string name, date, from, to;
  int top_users = 0;
};

// NAME is a command-line argument: one that names no job (kNotFound from
// jobs/) is a usage error here, where the API answers 404.
Error AsUsage(Error error) {
  if (error.code == ErrorCode::kNotFound) error.code = ErrorCode::kInvalidArgument;
  return error;
}

Result<std::optional<Day>> DayOption(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<Day>{};
  auto day = ParseDay(text);
  if (!day) return InvalidArgument(flag, std::string(flag) + " must be a date YYYY-MM-DD");
  return std::optional<Day>{*day};
}

Result<jobs::JobArgs> ArgsOf(const JobRunFlags& f) {
  jobs::JobArgs args;
  for (auto [text, flag, target] :
       {std::tuple{&f.date, "--date", &args.date}, std::tuple{&f.from, "--from", &args.from},
        std::tuple{&f.to, "--to", &args.to}}) {
    auto day = DayOption(*text, flag);
    if (!day.ok()) return day.error();
    *target = *day;
  }
  if (f.top_users > 0) args.top_users = f.top_users;
  return args;
}

void PrintRunReport(const Context& context, const jobs::RunReport& report) {
  if (context.json) {
    std::cout << Json{{"run_id", report.run_id},
                      {"job", report.job},
                      {"status", report.succeeded ? "succeeded" : "failed"},
                      {"rows", report.result.rows},
                      {"summary", report.result.summary},
                      {"error", report.error},
                      {"duration_ms", report.duration.count()}}
                     .dump()
              << '\n';
  } else if (report.succeeded) {
    std::cout << report.job << " succeeded in " << report.duration.count()
              << " ms: " << report.result.summary << " (run " << report.run_id << ")\n";
  }
}

int JobRun(const Context& context, const JobRunFlags& flags) {
  auto args = ArgsOf(flags);
  if (!args.ok()) return Fail(args.error());
  OpenOptions with_logs;
  with_logs.logs = true;
  auto opened = Open(context, with_logs);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto report = opened->app->jobs().Run(flags.name, *args);
  logging::Shutdown();
  if (!report.ok()) return Fail(AsUsage(report.error()));
  PrintRunReport(context, *report);
  if (!report->succeeded) {
    // The job ran and failed (its job_runs row says why): exit as an internal error.
    return Fail(Internal(report->job + " failed: " + report->error + " (run " +
                         std::to_string(report->run_id) + ")"));
  }
  return kExitOk;
}

std::string OptTimeText(const std::optional<Time>& t) { return t ? FormatTime(*t) : "-"; }
Json OptTimeJson(const std::optional<Time>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }

Json StatusJson(const jobs::JobStatus& s) {
  const auto& r = s.last_run;
  return Json{
      {"job", s.job},
      {"state", jobs::ToString(s.state)},
      {"schedule", s.schedule},
      {"last_run_started_at", r ? Json(FormatTime(r->started_at)) : Json(nullptr)},
      {"last_run_status", r ? Json(r->status) : Json(nullptr)},
      {"last_run_rows", r ? Json(r->rows) : Json(nullptr)},
      {"last_run_error", r && !r->error.empty() ? Json(r->error) : Json(nullptr)},
      {"last_success", OptTimeJson(s.last_success)},
      {"next_run", OptTimeJson(s.next_run)},
      {"not_applicable", s.not_applicable.empty() ? Json(nullptr) : Json(s.not_applicable)}};
}

std::vector<std::string> StatusRow(const jobs::JobStatus& s) {
  const auto& r = s.last_run;
  return {s.job,
          std::string(jobs::ToString(s.state)),
          r ? FormatTime(r->started_at) : "-",
          r ? r->status : "-",
          r ? std::to_string(r->rows) : "-",
          OptTimeText(s.next_run),
          !s.not_applicable.empty() ? s.not_applicable
          : r && !r->error.empty()  ? r->error
                                    : ""};
}

int JobStatus(const Context& context, const std::string& name) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto statuses = jobs::Status(opened->app->jobs(), name);
  if (!statuses.ok()) return Fail(AsUsage(statuses.error()));
  bool attention = false;
  Json list = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : *statuses) {
    attention = attention || s.needs_attention();
    list.push_back(StatusJson(s));
    rows.push_back(StatusRow(s));
  }
  if (context.json) {
    std::cout << list.dump() << '\n';
  } else {
    PrintTable({"JOB", "STATE", "LAST_RUN", "STATUS", "ROWS", "NEXT_RUN", "ERROR"}, rows);
  }
  return attention ? kExitCheckFailed : kExitOk;
}

int JobSchedule(const Context& context) {
  OpenOptions config_only;
  config_only.app = false;
  auto opened = Open(context, config_only);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const config::Config& config = opened->config;
  Time now = SystemClock().Now();
  Json list = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const jobs::JobDefinition& def : jobs::Catalog()) {
    auto it = config.jobs.schedules.find(def.name);
    std::string expr = it == config.jobs.schedules.end() ? "" : it->second;
    std::optional<Time> next;
    if (!expr.empty()) {
      auto cron = CronSchedule::Parse(expr);
      if (!cron.ok()) return Fail(cron.error(), Stage::kOpen);  // the configuration's schedule
      next = cron->Next(now);
    }
    // A job that does not apply is not scheduled (jobs/scheduler.cc).
    std::string why = jobs::WhyNotApplicable(def, config);
    if (!why.empty()) next.reset();
    list.push_back(Json{{"job", def.name},
                        {"schedule", expr},
                        {"next_run", OptTimeJson(next)},
                        {"not_applicable", why.empty() ? Json(nullptr) : Json(why)}});
    rows.push_back({def.name, expr.empty() ? "-" : expr, why.empty() ? OptTimeText(next) : why});
  }
  if (context.json) {
    std::cout << list.dump() << '\n';
  } else {
    PrintTable({"JOB", "SCHEDULE (UTC)", "NEXT_RUN"}, rows);
  }
  return kExitOk;
}

void AddJobRun(CLI::App& job, Context& context) {
  auto flags = std::make_shared<JobRunFlags>();
  auto* run = job.add_subcommand("run", "run a job now and record it in job_runs");
  run->add_option("NAME", flags->name,
                  "daily_aggregation, cache_warming, refresh_views, archive, maintenance, backup, "
                  "backup_incremental, restore_drill")
      ->required();
  auto* date_opt = run->add_option("--date", flags->date,
                                   "one day, YYYY-MM-DD (daily_aggregation; default yesterday)");
  auto* from_opt =
      run->add_option("--from", flags->from, "first day of a range (daily_aggregation)");
  auto* to_opt = run->add_option("--to", flags->to, "last day of a range (daily_aggregation)");
  from_opt->needs(to_opt);
  to_opt->needs(from_opt);
  date_opt->excludes(from_opt)->excludes(to_opt);
  run->add_option("--top-users", flags->top_users, "at most N users (cache_warming)")
      ->check(CLI::Range(1, 1'000'000));
  run->callback([&context, flags] { context.code = JobRun(context, *flags); });
}

}  // namespace

void AddJobCommands(CLI::App& cli, Context& context) {
  auto* job = cli.add_subcommand("job", "run background jobs and check on them");
  job->require_subcommand(1);
  AddJobRun(*job, context);
  auto name = std::make_shared<std::string>();
  auto* status =
      job->add_subcommand("status", "last runs; exit 1 if a run failed, is orphaned or is overdue");
  status->add_option("NAME", *name, "one job (default: all)");
  status->callback([&context, name] { context.code = JobStatus(context, *name); });
  auto* schedule = job->add_subcommand("schedule", "the next run of each scheduled job");
  schedule->callback([&context] { context.code = JobSchedule(context); });
}

}  // namespace analytics::cli

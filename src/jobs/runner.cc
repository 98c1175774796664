#include "jobs/runner.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "logging/log.h"

namespace analytics::jobs {

JobRunner::JobRunner(JobEnv env) : env_(env) {}

std::string JobRunner::HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

bool ProcessAlive(std::int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Result<RunReport> JobRunner::Run(const std::string& name, const JobArgs& args) {
  const JobDefinition* job = FindJob(name);
  if (job == nullptr) return NotFound("no job named '" + name + "'");
  if (std::string why = WhyNotApplicable(*job, env_.config); !why.empty()) {
    return Error{ErrorCode::kUnprocessable, name + " " + why, {}};
  }
  if (!job->takes_dates && (args.date || args.from || args.to)) {
    return InvalidArgument("--date", name + " takes no dates");
  }
  if (!job->takes_top_users && args.top_users) {
    return InvalidArgument("--top-users", name + " takes no --top-users");
  }
  if (job->takes_dates) {
    auto days = DaysOf(args, DayOf(env_.clock.Now()));
    if (!days.ok()) return days.error();
  }
  auto reaped = ReapOrphans();
  if (!reaped.ok()) return reaped.error();

  RunReport report;
  report.job = name;
  std::string described = args.Describe();
  auto started_at = env_.clock.Now();
  auto started = std::chrono::steady_clock::now();
  auto run_id = storage::WriteValue(env_.db, [&](storage::Transaction& tx) {
    return storage::JobRepository(tx).Start(name, described, started_at, HostName(), getpid());
  });
  if (!run_id.ok()) return run_id.error();
  report.run_id = *run_id;
  logging::Job(name, "job_started", {{"run_id", report.run_id}, {"args", described}});
  logging::Info("job_started", {{"job", name}, {"run_id", report.run_id}, {"args", described}});

  JobLog log = [&](const std::string& event, const std::string& detail) {
    logging::Job(name, event, {{"run_id", report.run_id}, {"detail", detail}});
  };
  Result<JobResult> result = Internal("job did not run");
  try {
    result = job->run(env_, args, log);
  } catch (const std::exception& e) {  // the one catch-all of a job run (STYLE)
    result = Internal(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    result = Internal("unexpected exception");
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  report.succeeded = result.ok();
  if (result.ok()) {
    report.result = *result;
  } else {
    report.error = result.error().message;
    if (!result.error().field.empty()) report.error += " (" + result.error().field + ")";
  }

  auto finished = env_.db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    return storage::JobRepository(tx).Finish(report.run_id,
                                             report.succeeded ? "succeeded" : "failed",
                                             report.result.rows, report.error, env_.clock.Now());
  });
  std::int64_t ms = report.duration.count();
  if (report.succeeded) {
    logging::Job(name, "job_succeeded",
                 {{"run_id", report.run_id},
                  {"rows", report.result.rows},
                  {"ms", ms},
                  {"summary", report.result.summary}});
    logging::Info(
        "job_succeeded",
        {{"job", name}, {"run_id", report.run_id}, {"rows", report.result.rows}, {"ms", ms}});
  } else {
    logging::Job(name, "job_failed",
                 {{"run_id", report.run_id}, {"error", report.error}, {"ms", ms}});
    logging::Error("job_failed",
                   {{"job", name}, {"run_id", report.run_id}, {"error", report.error}});
  }
  // A row left `running` because the database went away is reaped later.
  if (!finished.ok()) return finished.error();
  return report;
}

Result<int> JobRunner::ReapOrphans() {
  std::string host = HostName();
  return storage::WriteValue(env_.db, [&](storage::Transaction& tx) -> Result<int> {
    int reaped = 0;
    storage::JobRepository repo(tx);
    auto running = repo.Running();
    if (!running.ok()) return running.error();
    for (const auto& run : *running) {
      if (run.host != host || ProcessAlive(run.pid)) continue;
      ANALYTICS_RETURN_IF_ERROR(
          repo.Finish(run.id, "failed", run.rows,
                      "orphaned: process " + std::to_string(run.pid) + " on " + host + " is gone",
                      env_.clock.Now()));
      ++reaped;
    }
    return reaped;
  });
}

Result<std::vector<storage::JobRunRow>> JobRunner::Recent(const std::string& job, int limit) {
  return storage::ReadValue(env_.db, [&](storage::Transaction& tx) {
    return storage::JobRepository(tx).Recent(job, limit);
  });
}

}  // namespace analytics::jobs

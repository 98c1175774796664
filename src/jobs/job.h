// Background jobs (SPEC §6): what a job is given and what it returns. Each
// job is one function in its own file; catalog.cc lists them all.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cache/cache.h"
#include "config/config.h"
#include "stats/stats_service.h"
#include "storage/database.h"

namespace analytics::jobs {

// Arguments of one run (`job run NAME [--date D | --from D --to D] [--top-users N]`).
struct JobArgs {
  std::optional<Day> date;
  std::optional<Day> from;
  std::optional<Day> to;
  std::optional<int> top_users;

  // "--date 2024-01-15" style, for job_runs.args and logs.
  std::string Describe() const;
};

// What jobs work on. Everything is owned elsewhere and outlives the job.
struct JobEnv {
  storage::Database& db;
  cache::Cache& cache;
  stats::StatsService& stats;
  const Clock& clock;
  const config::Config& config;
};

struct JobResult {
  std::int64_t rows = 0;  // rows written, keys warmed, …
  std::string summary;    // one line for logs and `job run`
};

// Reports progress lines to the job's log file.
using JobLog = std::function<void(const std::string& event, const std::string& detail)>;

using JobFn = std::function<Result<JobResult>(const JobEnv&, const JobArgs&, const JobLog&)>;

// Why a job does not apply to a configuration ("" when it does), e.g.
// backup_incremental with backup.method dump.
using Applicability = std::string (*)(const config::Config&);

struct JobDefinition {
  std::string name;
  std::string description;
  JobFn run;
  bool takes_dates = false;      // --date / --from --to
  bool takes_top_users = false;  // --top-users
  // nullptr: applies always. A job that does not apply is not scheduled,
  // `job run` refuses it (kUnprocessable with the reason), and `job status`
  // reports it as not_applicable, never overdue or failed.
  Applicability not_applicable = nullptr;
};

// Every job, in the order `job schedule` lists them (catalog.cc).
const std::vector<JobDefinition>& Catalog();
// nullptr when there is no such job.
const JobDefinition* FindJob(const std::string& name);

// "" when `job` applies to `config`; otherwise why not.
std::string WhyNotApplicable(const JobDefinition& job, const config::Config& config);

// Runs `work` in one transaction without the interactive statement timeout
// (jobs' set-based statements may run long; the request path keeps its limit).
Result<void> InJobTransaction(storage::Database& db, const storage::Work& work);

// The days a dated job (takes_dates) covers: `date`, or `from`..`to`, or
// the day before `today`. Errors: kInvalidArgument naming "--date", "--from"
// or "--to" (both together, half a range, from after to, over 10 years).
// JobRunner::Run checks it before it records a run, so a bad request records
// nothing and answers 400.
Result<std::pair<Day, Day>> DaysOf(const JobArgs& args, Day today);

// The jobs themselves (one file each). Errors: kInvalidArgument for bad
// arguments, kUnavailable when the database is down.
Result<JobResult> RunDailyAggregation(const JobEnv& env, const JobArgs& args, const JobLog& log);
Result<JobResult> RunCacheWarming(const JobEnv& env, const JobArgs& args, const JobLog& log);
Result<JobResult> RunRefreshViews(const JobEnv& env, const JobArgs& args, const JobLog& log);
Result<JobResult> RunArchive(const JobEnv& env, const JobArgs& args, const JobLog& log);
Result<JobResult> RunMaintenance(const JobEnv& env, const JobArgs& args, const JobLog& log);
// Backups (docs/backup.md "Jobs, upload and retention"): backup_jobs.cc.
Result<JobResult> RunBackup(const JobEnv& env, const JobArgs& args, const JobLog& log);
Result<JobResult> RunBackupIncremental(const JobEnv& env, const JobArgs& args, const JobLog& log);
Result<JobResult> RunRestoreDrill(const JobEnv& env, const JobArgs& args, const JobLog& log);
std::string NeedsPgBackRest(const config::Config& config);

}  // namespace analytics::jobs

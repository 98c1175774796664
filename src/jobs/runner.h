// Runs jobs as recorded work (SPEC §6): every run is a job_runs row (running
// → succeeded/failed, rows, error, host) and lines in <jobs_log_dir>/<job>.log.
// The one catch-all of a job run lives here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jobs/job.h"
#include "storage/job_repository.h"

namespace analytics::jobs {

struct RunReport {
  std::int64_t run_id = 0;
  std::string job;
  bool succeeded = false;
  JobResult result;
  std::string error;
  std::chrono::milliseconds duration{0};
};

// Thread-safe (runs may go on concurrently; each has its own row).
class JobRunner {
 public:
  explicit JobRunner(JobEnv env);

  // Runs `name` now. A job that fails is a report with succeeded = false (its
  // row says failed); errors are only for an unknown job (kNotFound), bad
  // arguments (kInvalidArgument), a job that does not apply to the
  // configuration (kUnprocessable, nothing recorded) or a database too far
  // gone to record the run.
  Result<RunReport> Run(const std::string& name, const JobArgs& args);
  // Marks `running` rows of this host whose process is gone as failed
  // ("orphaned: process … is gone"), so none stays running forever. Returns how many.
  Result<int> ReapOrphans();
  // Newest first; empty `job` means every job.
  Result<std::vector<storage::JobRunRow>> Recent(const std::string& job, int limit);

  const JobEnv& env() const { return env_; }
  static std::string HostName();

 private:
  JobEnv env_;
};

// True when `pid` names a live process on this host.
bool ProcessAlive(std::int64_t pid);

}  // namespace analytics::jobs

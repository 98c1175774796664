// `analytics job status` and GET /api/v1/admin/jobs: each job's last run,
// its schedule, and whether it needs attention (SPEC §6, runbook "P2").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/cron.h"
#include "jobs/runner.h"

namespace analytics::jobs {

enum class JobState {
  kOk,             // last run succeeded (or is running) and none is overdue
  kNeverRun,       // no run recorded and no scheduled run has been missed yet
  kFailed,         // the last run failed
  kOrphaned,       // the last run is marked running but its process is gone
  kOverdue,        // a scheduled run is more than the grace period late
  kNotApplicable,  // the job does not apply to the configuration (never run, never due)
};

std::string_view ToString(JobState state);

struct JobStatus {
  std::string job;
  std::string schedule;  // cron, or "" when unscheduled
  std::optional<storage::JobRunRow> last_run;
  std::optional<Time> last_success;
  std::optional<Time> next_run;
  JobState state = JobState::kOk;
  std::string not_applicable;  // why, when state is kNotApplicable
  bool needs_attention() const {
    return state == JobState::kFailed || state == JobState::kOrphaned ||
           state == JobState::kOverdue;
  }
};

// A scheduled run counts as missed this long after its time.
inline constexpr auto kOverdueGrace = std::chrono::hours(1);

// Status of `job` (or every job when empty). Errors: kNotFound, kUnavailable.
Result<std::vector<JobStatus>> Status(JobRunner& runner, const std::string& job);

}  // namespace analytics::jobs

// The series /metrics reads from the database (SPEC §8): job runs, each
// job's last success, and the active users.
#pragma once

#include <vector>

#include "base/result.h"
#include "metrics/metrics.h"
#include "storage/database.h"
#include "storage/job_repository.h"

namespace analytics::jobs {

// analytics_job_runs_total{job,status} for every job of Catalog() and every
// status (running, succeeded, failed), and
// analytics_job_last_success_timestamp_seconds{job} for every job: 0 until
// the job has such a run, so that a dashboard or alert never sees a missing
// series. Counts of jobs or statuses outside those are kept as they are.
std::vector<metrics::Sample> JobRunSamples(
    const std::vector<storage::JobRepository::JobCounts>& counts);

// JobRunSamples and analytics_active_users (users with a task written in the
// 24 hours before `now`, found as cache_warming finds them), read in one
// transaction. Errors: kUnavailable, kInternal.
Result<std::vector<metrics::Sample>> ReadDatabaseSamples(storage::Database& db, Time now);

}  // namespace analytics::jobs

#include "jobs/job_metrics.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "jobs/job.h"
#include "storage/daily_repository.h"

namespace analytics::jobs {
namespace {

using metrics::Sample;
using JobCounts = storage::JobRepository::JobCounts;

constexpr std::array<std::string_view, 3> kStatuses = {"running", "succeeded", "failed"};

Sample RunsSample(const std::string& job, std::string_view status, std::int64_t runs) {
  return {"analytics_job_runs_total",
          "Job runs recorded in job_runs.",
          Sample::Type::kCounter,
          {{"job", job}, {"status", std::string(status)}},
          double(runs)};
}

Sample LastSuccessSample(const std::string& job, std::optional<Time> finished) {
  return {"analytics_job_last_success_timestamp_seconds",
          "When each job last finished successfully (Unix time).",
          Sample::Type::kGauge,
          {{"job", job}},
          finished ? std::chrono::duration<double>(finished->time_since_epoch()).count() : 0.0};
}

bool InCatalog(const std::string& job) { return FindJob(job) != nullptr; }

bool KnownStatus(const std::string& status) {
  return std::find(kStatuses.begin(), kStatuses.end(), status) != kStatuses.end();
}

}  // namespace

std::vector<Sample> JobRunSamples(const std::vector<JobCounts>& counts) {
  auto find = [&](const std::string& job, std::string_view status) -> const JobCounts* {
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const JobCounts& c) { return c.job == job && c.status == status; });
    return it == counts.end() ? nullptr : &*it;
  };
  std::vector<Sample> runs;
  std::vector<Sample> successes;
  for (const JobDefinition& def : Catalog()) {
    for (std::string_view status : kStatuses) {
      const JobCounts* c = find(def.name, status);
      runs.push_back(RunsSample(def.name, status, c ? c->runs : 0));
    }
    const JobCounts* succeeded = find(def.name, "succeeded");
    successes.push_back(
        LastSuccessSample(def.name, succeeded ? succeeded->last_finished : std::nullopt));
  }
  for (const JobCounts& c : counts) {
    if (InCatalog(c.job) && KnownStatus(c.status)) continue;
    runs.push_back(RunsSample(c.job, c.status, c.runs));
    if (!InCatalog(c.job) && c.status == "succeeded") {
      successes.push_back(LastSuccessSample(c.job, c.last_finished));
    }
  }
  runs.insert(runs.end(), successes.begin(), successes.end());
  return runs;
}

Result<std::vector<Sample>> ReadDatabaseSamples(storage::Database& db, Time now) {
  return storage::ReadValue(db, [&](storage::Transaction& tx) -> Result<std::vector<Sample>> {
    auto counts = storage::JobRepository(tx).CountByStatus();
    if (!counts.ok()) return counts.error();
    std::vector<Sample> samples = JobRunSamples(*counts);
    auto active =
        storage::DailyRepository(tx, db.dialect()).FindActiveUsers(now - std::chrono::hours(24), 0);
    if (!active.ok()) return active.error();
    samples.push_back({"analytics_active_users",
                       "Users who wrote a task in the last 24 hours.",
                       Sample::Type::kGauge,
                       {},
                       double(active->total)});
    return samples;
  });
}

}  // namespace analytics::jobs

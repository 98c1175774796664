// SQL for job_runs and job_claims (SPEC §6). Not thread-safe; lives inside
// one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

struct JobRunRow {
  std::int64_t id = 0;
  std::string job;
  std::string args;
  Time started_at;
  std::optional<Time> finished_at;
  std::string status;  // running, succeeded, failed
  std::int64_t rows = 0;
  std::string error;
  std::string host;
  std::int64_t pid = 0;
};

class JobRepository {
 public:
  explicit JobRepository(Transaction& tx) : tx_(tx) {}

  // Inserts a `running` row and returns its id.
  Result<std::int64_t> Start(const std::string& job, const std::string& args, Time started_at,
                             const std::string& host, std::int64_t pid);
  Result<void> Finish(std::int64_t id, const std::string& status, std::int64_t rows,
                      const std::string& error, Time finished_at);
  // Newest first; empty `job` means every job.
  Result<std::vector<JobRunRow>> Recent(const std::string& job, int limit);
  // Rows still `running`, oldest first.
  Result<std::vector<JobRunRow>> Running();
  struct JobCounts {
    std::string job;
    std::string status;
    std::int64_t runs = 0;
    std::optional<Time> last_finished;
  };
  // Runs per job and status, with the latest finish time of each (for /metrics).
  Result<std::vector<JobCounts>> CountByStatus();
  // Claims one scheduled occurrence; false when another instance has it.
  Result<bool> Claim(const std::string& job, Time scheduled_for, const std::string& claimed_by);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

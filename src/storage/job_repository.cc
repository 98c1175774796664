#include "storage/job_repository.h"

namespace analytics::storage {
namespace {

constexpr std::string_view kColumns =
    "id, job, args, started_at, finished_at, status, rows, error, host, pid";

JobRunRow ToRun(const Row& r) {
  return JobRunRow{r.Int(0),  r.Text(1), r.Text(2), r.TimeAt(3), r.OptTime(4),
                   r.Text(5), r.Int(6),  r.Text(7), r.Text(8),   r.Int(9)};
}

}  // namespace

Result<std::int64_t> JobRepository::Start(const std::string& job, const std::string& args,
                                          Time started_at, const std::string& host,
                                          std::int64_t pid) {
  auto rows = tx_.Query(
      "INSERT INTO job_runs (job, args, started_at, status, rows, host, pid) "
      "VALUES ($1, $2, $3, 'running', 0, $4, $5) RETURNING id",
      {job, args, started_at, host, pid});
  if (!rows.ok()) return rows.error();
  return rows->front().Int(0);
}

Result<void> JobRepository::Finish(std::int64_t id, const std::string& status, std::int64_t rows,
                                   const std::string& error, Time finished_at) {
  auto changed = tx_.Execute(
      "UPDATE job_runs SET status = $2, rows = $3, error = $4, finished_at = $5 WHERE id = $1",
      {id, status, rows, error.empty() ? Value{nullptr} : Value{error}, finished_at});
  if (!changed.ok()) return changed.error();
  return Ok();
}

Result<std::vector<JobRunRow>> JobRepository::Recent(const std::string& job, int limit) {
  auto rows = tx_.Query("SELECT " + std::string(kColumns) +
                            " FROM job_runs WHERE ($1 = '' OR job = $1) ORDER BY id DESC LIMIT $2",
                        {job, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<JobRunRow> runs;
  for (const Row& r : *rows) runs.push_back(ToRun(r));
  return runs;
}

Result<std::vector<JobRunRow>> JobRepository::Running() {
  auto rows = tx_.Query("SELECT " + std::string(kColumns) +
                        " FROM job_runs WHERE status = 'running' ORDER BY id");
  if (!rows.ok()) return rows.error();
  std::vector<JobRunRow> runs;
  for (const Row& r : *rows) runs.push_back(ToRun(r));
  return runs;
}

Result<std::vector<JobRepository::JobCounts>> JobRepository::CountByStatus() {
  auto rows = tx_.Query(
      "SELECT job, status, COUNT(*), MAX(finished_at) FROM job_runs GROUP BY job, status");
  if (!rows.ok()) return rows.error();
  std::vector<JobCounts> counts;
  for (const Row& r : *rows) counts.push_back({r.Text(0), r.Text(1), r.Int(2), r.OptTime(3)});
  return counts;
}

Result<bool> JobRepository::Claim(const std::string& job, Time scheduled_for,
                                  const std::string& claimed_by) {
  auto changed = tx_.Execute(
      "INSERT INTO job_claims (job, scheduled_for, claimed_by) VALUES ($1, $2, $3) "
      "ON CONFLICT DO NOTHING",
      {job, scheduled_for, claimed_by});
  if (!changed.ok()) return changed.error();
  return *changed == 1;
}

}  // namespace analytics::storage

#include "storage/row_by_row_write_path.h"

#include "storage/audit_repository.h"
#include "storage/task_repository.h"

namespace analytics::storage {

Result<std::vector<std::int64_t>> RowByRowWritePath::InsertTasks(
    const std::vector<model::Task>& tasks) {
  TaskRepository repo(tx_);
  std::vector<std::int64_t> ids;
  ids.reserve(tasks.size());
  for (const model::Task& task : tasks) {
    auto inserted = repo.Insert(task);
    if (!inserted.ok()) return inserted.error();
    ids.push_back(inserted->id);
  }
  return ids;
}

Result<void> RowByRowWritePath::AppendCreates(const AuditEntry& common,
                                              const std::vector<model::Task>& tasks) {
  return AuditRepository(tx_).AppendEach(common, tasks);
}

Result<std::vector<Row>> RowByRowWritePath::AddToBuckets(const std::string& user_id,
                                                         const std::vector<DayChange>& changes) {
  return TaskRepository(tx_).AddToBucketsEach(user_id, changes);
}

Result<CreatedTask> RowByRowWritePath::CreateTask(const model::Task& task, const AuditEntry& audit,
                                                  Time now) {
  TaskRepository repo(tx_);
  // Adding the contribution first is also the check that the user exists.
  ANALYTICS_RETURN_IF_ERROR(repo.AddToAggregates(task.user_id, Contribution(task)));
  auto inserted = repo.Insert(task);
  if (!inserted.ok()) return inserted.error();
  const std::int64_t id = inserted->id;
  AuditEntry entry = audit;
  entry.entity_id = std::to_string(id);
  entry.after = "{\"id\":" + std::to_string(id) + audit.after->substr(kAuditJsonHead.size());
  ANALYTICS_RETURN_IF_ERROR(AuditRepository(tx_).Append(entry));
  OpenDueDays due;
  AddOpenDue(due, task, +1);
  ANALYTICS_RETURN_IF_ERROR(repo.AddToOpenDueDays(task.user_id, due, DayOf(now)));
  return CreatedTask{id, std::nullopt};
}

}  // namespace analytics::storage

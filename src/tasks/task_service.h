// Task writes and reads (SPEC §2, §4): every write changes the task, the
// user's running aggregates and audit_log in one transaction, then
// invalidates the user's cache keys, or with a StatsService, refreshes them
// (write-through of the overview).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cache/cache.h"
#include "model/caller.h"
#include "model/task.h"
#include "stats/stats_service.h"
#include "storage/database.h"
#include "storage/task_repository.h"

namespace analytics::tasks {

struct NewTask {
  std::string title;
  model::TaskStatus status = model::TaskStatus::kTodo;
  model::Priority priority = model::Priority::kMedium;
  std::optional<Time> due_at;
  std::optional<Time> created_at;    // admin only (imports)
  std::optional<Time> completed_at;  // admin only (imports); requires status done
};

struct TaskPatch {
  std::optional<std::string> title;
  std::optional<model::TaskStatus> status;
  std::optional<model::Priority> priority;
  std::optional<std::optional<Time>> due_at;  // set, or set to null to clear
};

// Who writes, for audit_log.
struct WriteContext {
  model::Caller caller;
  std::string request_id;
  // audit_log.actor when set (an operator's tool: "cli:alice"); else caller.actor().
  std::string actor{};
};

// A task Undelete restored (or, in a dry run, would restore).
struct UndeletedTask {
  model::Task task;  // as restored (as it is, in a dry run)
  Time deleted_at;   // when the deletion being undone happened (its audit row)
};

inline constexpr std::size_t kMaxBatchSize = 10'000;
inline constexpr int kMaxPageSize = 1000;
// Tasks one Undelete restores at most (one transaction).
inline constexpr int kMaxUndelete = 10'000;
// Rows per read of an export stream (api/export_handler.cc): larger than an
// API page, since each read is a round trip; small enough that the pages in
// flight on the worker threads keep memory flat.
inline constexpr int kExportPageSize = 2000;

// Thread-safe.
class TaskService {
 public:
  // With `write_through`, a committed write ends in its AfterWrite (a single
  // create on PostgreSQL hands it the user's state from the create's own
  // statement); without, in Cache::InvalidateUser.
  TaskService(storage::Database& db, cache::Cache& cache, const Clock& clock,
              stats::StatsService* write_through = nullptr);

  // Errors: kInvalidArgument (naming the field), kPermissionDenied (created_at
  // or completed_at without the admin token), kNotFound (no such user), kUnavailable.
  Result<model::Task> Create(const WriteContext& ctx, const std::string& user_id,
                             const NewTask& input);
  // All or nothing; ids in input order. Field names in errors are "[i].field".
  // Takes the inputs by value: their titles move into the tasks.
  Result<std::vector<model::Task>> CreateBatch(const WriteContext& ctx, const std::string& user_id,
                                               std::vector<NewTask> inputs);
  // Errors: kNotFound.
  Result<model::Task> Get(const std::string& user_id, std::int64_t id);
  // Errors: kInvalidArgument, kNotFound, kConflict (task is deleted).
  Result<model::Task> Update(const WriteContext& ctx, const std::string& user_id, std::int64_t id,
                             const TaskPatch& patch);
  // Soft delete. Errors: kNotFound, kConflict (already deleted).
  Result<model::Task> Delete(const WriteContext& ctx, const std::string& user_id, std::int64_t id);
  // Errors: kNotFound, kConflict (not deleted).
  Result<model::Task> Restore(const WriteContext& ctx, const std::string& user_id, std::int64_t id);
  // Undoes the deletions of `user_id`'s tasks made in [since, until), from
  // audit_log: restores each task whose latest audit row is a DELETE in the
  // window and that is still deleted (a task restored since, or deleted again
  // after `until`, is left alone), as Restore does (task, aggregates and a
  // RESTORE audit row), all in one transaction under the user's lock; then
  // refreshes the user's cached stats once. Oldest deletion first. With
  // `dry_run`, reads the same and changes nothing. Errors: kInvalidArgument
  // ("until" not after "since"; "since": more than kMaxUndelete tasks),
  // kNotFound (no such user), kUnavailable.
  Result<std::vector<UndeletedTask>> Undelete(const WriteContext& ctx, const std::string& user_id,
                                              Time since, Time until, bool dry_run);
  // One page in id order, read by one statement; REQUIRES: 1 <= filter.limit <=
  // max(kMaxPageSize + 1, kExportPageSize) (the extra row tells a caller whether
  // another page follows).
  Result<std::vector<model::Task>> List(const storage::TaskFilter& filter);

 private:
  // After a write of `user_id` committed (see the constructor).
  void Committed(const std::string& user_id, const std::optional<cache::Ticket>& ticket,
                 const std::optional<storage::UserState>& after);
  // Checks `input` (as caller) and returns the task it describes.
  Result<model::Task> Build(const model::Caller& caller, const std::string& user_id, NewTask input,
                            const std::string& field_prefix) const;
  // Runs one read-modify-write of a task in a transaction with its audit row.
  template <typename Change>
  Result<model::Task> Modify(const WriteContext& ctx, const std::string& user_id, std::int64_t id,
                             const char* action, Change change);

  storage::Database& db_;
  cache::Cache& cache_;
  const Clock& clock_;
  stats::StatsService* const write_through_;
};

// Checks a title: 1–500 bytes of valid UTF-8, not only white space, no control characters.
Result<void> ValidateTitle(const std::string& title, const std::string& field);

}  // namespace analytics::tasks

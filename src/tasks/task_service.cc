#include "tasks/task_service.h"

#include <charconv>

#include "base/utf8.h"
#include "model/task_json.h"
#include "storage/audit_repository.h"

namespace analytics::tasks {
namespace {

using model::Task;
using model::TaskStatus;

// Imports may set created_at, but not into the future: a little slack for clock skew.
constexpr auto kFutureSlack = std::chrono::minutes(5);

// The fields every row of one write shares.
storage::AuditEntry AuditOfWrite(const WriteContext& ctx, Time now, const std::string& action) {
  storage::AuditEntry e;
  e.timestamp = now;
  e.actor = ctx.actor.empty() ? ctx.caller.actor() : ctx.actor;
  e.action = action;
  e.entity = "task";
  e.request_id = ctx.request_id;
  return e;
}

storage::AuditEntry Audit(const WriteContext& ctx, Time now, const std::string& action,
                          const std::optional<Task>& before, const std::optional<Task>& after) {
  const Task& task = after ? *after : *before;
  storage::AuditEntry e = AuditOfWrite(ctx, now, action);
  e.user_id = task.user_id;
  e.entity_id = std::to_string(task.id);
  if (before) e.before = model::ToJson(*before);
  if (after) e.after = model::ToJson(*after);
  return e;
}

// The one change of a read-modify-write (Update, Delete, Restore, Undelete):
// `change` applied to `before`, stored with the derived rows and the audit
// row in the caller's transaction. REQUIRES: the user is locked (LockUser).
template <typename Change>
Result<Task> Apply(storage::Transaction& tx, const WriteContext& ctx, const Task& before,
                   const char* action, Time now, Change change) {
  storage::TaskRepository repo(tx);
  Task changed = before;
  ANALYTICS_RETURN_IF_ERROR(change(changed, now));
  changed.updated_at = std::max(now, changed.created_at);
  ANALYTICS_RETURN_IF_ERROR(repo.Update(changed));
  ANALYTICS_RETURN_IF_ERROR(repo.RecordChange(before, changed, DayOf(now)));
  ANALYTICS_RETURN_IF_ERROR(
      storage::AuditRepository(tx).Append(Audit(ctx, now, action, before, changed)));
  return changed;
}

Result<void> RestoreChange(Task& t, Time) {
  if (!t.deleted) return Conflict("task is not deleted");
  t.deleted = false;
  t.deleted_at.reset();
  return Ok();
}

std::optional<std::int64_t> TaskId(const std::string& entity_id) {
  std::int64_t id = 0;
  const char* end = entity_id.data() + entity_id.size();
  auto [at, ec] = std::from_chars(entity_id.data(), end, id);
  if (ec != std::errc() || at != end || id < 1) return std::nullopt;
  return id;
}

}  // namespace

Result<void> ValidateTitle(const std::string& title, const std::string& field) {
  if (title.empty()) return InvalidArgument(field, field + " must not be empty");
  if (title.size() > model::kMaxTitleBytes) {
    return InvalidArgument(field, field + " must be at most 500 bytes");
  }
  if (!IsValidUtf8(title)) return InvalidArgument(field, field + " must be valid UTF-8");
  bool only_space = true;
  for (unsigned char c : title) {
    if (c < 0x20 || c == 0x7F) {
      return InvalidArgument(field, field + " must not contain control characters");
    }
    if (c != ' ') only_space = false;
  }
  if (only_space) return InvalidArgument(field, field + " must not be blank");
  return Ok();
}

TaskService::TaskService(storage::Database& db, cache::Cache& cache, const Clock& clock,
                         stats::StatsService* write_through)
    : db_(db), cache_(cache), clock_(clock), write_through_(write_through) {}

void TaskService::Committed(const std::string& user_id, const std::optional<cache::Ticket>& ticket,
                            const std::optional<storage::UserState>& after) {
  if (write_through_ != nullptr) {
    write_through_->AfterWrite(user_id, ticket, after);
  } else {
    cache_.InvalidateUser(user_id);
  }
}

Result<Task> TaskService::Build(const model::Caller& caller, const std::string& user_id, NewTask in,
                                const std::string& prefix) const {
  ANALYTICS_RETURN_IF_ERROR(ValidateTitle(in.title, prefix + "title"));
  Time now = clock_.Now();
  if ((in.created_at || in.completed_at) && !caller.is_admin) {
    std::string field = prefix + (in.created_at ? "created_at" : "completed_at");
    return Error{ErrorCode::kPermissionDenied, field + " may only be set with the admin token",
                 field};
  }
  if (in.completed_at && in.status != TaskStatus::kDone) {
    return InvalidArgument(prefix + "completed_at", "completed_at requires status done");
  }
  Task t;
  t.user_id = user_id;
  t.title = std::move(in.title);
  t.status = in.status;
  t.priority = in.priority;
  t.due_at = in.due_at;
  t.created_at = in.created_at.value_or(now);
  if (t.created_at > now + kFutureSlack) {
    return InvalidArgument(prefix + "created_at", "created_at must not be in the future");
  }
  if (t.status == TaskStatus::kDone) {
    t.completed_at = in.completed_at.value_or(std::max(now, t.created_at));
    if (*t.completed_at < t.created_at) {
      return InvalidArgument(prefix + "completed_at", "completed_at must not be before created_at");
    }
    if (*t.completed_at > now + kFutureSlack) {
      return InvalidArgument(prefix + "completed_at", "completed_at must not be in the future");
    }
  }
  // An import's history ends at its last event; a new task was last updated now.
  t.updated_at =
      in.created_at ? t.completed_at.value_or(t.created_at) : std::max(now, t.created_at);
  return t;
}

Result<Task> TaskService::Create(const WriteContext& ctx, const std::string& user_id,
                                 const NewTask& input) {
  auto created = CreateBatch(ctx, user_id, {input});
  if (!created.ok()) {
    Error e = created.error();
    // A single create names the plain field, not "[0].field".
    if (e.field.rfind("[0].", 0) == 0) e.field = e.field.substr(4);
    if (e.message.rfind("[0].", 0) == 0) e.message = e.message.substr(4);
    return e;
  }
  return std::move(created->front());
}

Result<std::vector<Task>> TaskService::CreateBatch(const WriteContext& ctx,
                                                   const std::string& user_id,
                                                   std::vector<NewTask> inputs) {
  if (inputs.empty()) return InvalidArgument("tasks", "at least one task is required");
  if (inputs.size() > kMaxBatchSize) {
    return InvalidArgument("tasks", "at most 10000 tasks per batch");
  }
  std::vector<Task> tasks;
  tasks.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto task = Build(ctx.caller, user_id, std::move(inputs[i]), "[" + std::to_string(i) + "].");
    if (!task.ok()) return task.error();
    tasks.push_back(std::move(*task));
  }
  Time now = clock_.Now();
  if (tasks.size() == 1) {
    // The common single create: on PostgreSQL one statement, one round trip,
    // which also reads the user's new state for the write-through (under a
    // ticket taken before it).
    Task& task = tasks.front();
    std::optional<cache::Ticket> ticket;
    if (write_through_ != nullptr) ticket = write_through_->BeforeWrite(user_id);
    auto created = storage::WriteStatementValue(db_, [&](storage::Transaction& tx) {
      return storage::TaskRepository(tx).CreateOne(
          task, Audit(ctx, now, "CREATE", std::nullopt, task), now);
    });
    if (!created.ok()) return created.error();
    task.id = created->id;
    Committed(user_id, ticket, created->after);
    return tasks;
  }
  // A fixed number of statements per batch on PostgreSQL, row by row on
  // SQLite (in-process): the transaction's storage::WritePath.
  auto done = db_.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    storage::TaskRepository repo(tx);
    // New tasks add a delta known before they are stored: adding it first is
    // also the user's lock and the check that the user exists (kNotFound).
    model::UserAggregates delta;
    storage::OpenDueDays due;
    for (const Task& task : tasks) {
      delta = storage::Add(delta, storage::Contribution(task));
      storage::AddOpenDue(due, task, +1);
    }
    ANALYTICS_RETURN_IF_ERROR(repo.AddToAggregates(user_id, delta));
    auto ids = repo.InsertBatch(tasks);
    if (!ids.ok()) return ids.error();
    for (std::size_t i = 0; i < tasks.size(); ++i) tasks[i].id = (*ids)[i];
    ANALYTICS_RETURN_IF_ERROR(
        storage::AuditRepository(tx).AppendCreates(AuditOfWrite(ctx, now, "CREATE"), tasks));
    return repo.AddToOpenDueDays(user_id, due, DayOf(now));
  });
  if (!done.ok()) return done.error();
  Committed(user_id, std::nullopt, std::nullopt);
  return tasks;
}

Result<Task> TaskService::Get(const std::string& user_id, std::int64_t id) {
  return storage::ReadValue(
      db_, [&](storage::Transaction& tx) { return storage::TaskRepository(tx).Find(user_id, id); });
}

template <typename Change>
Result<Task> TaskService::Modify(const WriteContext& ctx, const std::string& user_id,
                                 std::int64_t id, const char* action, Change change) {
  auto after = storage::WriteValue(db_, [&](storage::Transaction& tx) -> Result<Task> {
    storage::TaskRepository repo(tx);
    // Read the task only once the user's writes before ours have committed:
    // the derived rows are updated from `before`, which must be current.
    auto locked = repo.LockUser(user_id);
    if (!locked.ok()) return locked.error();
    auto before = repo.Find(user_id, id);
    if (!before.ok()) return before.error();
    return Apply(tx, ctx, *before, action, clock_.Now(), change);
  });
  if (!after.ok()) return after.error();
  Committed(user_id, std::nullopt, std::nullopt);
  return after;
}

Result<Task> TaskService::Update(const WriteContext& ctx, const std::string& user_id,
                                 std::int64_t id, const TaskPatch& patch) {
  if (patch.title) ANALYTICS_RETURN_IF_ERROR(ValidateTitle(*patch.title, "title"));
  return Modify(ctx, user_id, id, "UPDATE", [&](Task& t, Time now) -> Result<void> {
    if (t.deleted) return Conflict("task is deleted; restore it first");
    if (patch.title) t.title = *patch.title;
    if (patch.priority) t.priority = *patch.priority;
    if (patch.due_at) t.due_at = *patch.due_at;
    if (patch.status && *patch.status != t.status) {
      // SPEC §2: completed_at is set when status becomes done, cleared when it leaves.
      t.status = *patch.status;
      t.completed_at = t.status == TaskStatus::kDone
                           ? std::optional<Time>(std::max(now, t.created_at))
                           : std::nullopt;
    }
    return Ok();
  });
}

Result<Task> TaskService::Delete(const WriteContext& ctx, const std::string& user_id,
                                 std::int64_t id) {
  return Modify(ctx, user_id, id, "DELETE", [](Task& t, Time now) -> Result<void> {
    if (t.deleted) return Conflict("task is already deleted");
    t.deleted = true;
    t.deleted_at = now;
    return Ok();
  });
}

Result<Task> TaskService::Restore(const WriteContext& ctx, const std::string& user_id,
                                  std::int64_t id) {
  return Modify(ctx, user_id, id, "RESTORE", RestoreChange);
}

Result<std::vector<UndeletedTask>> TaskService::Undelete(const WriteContext& ctx,
                                                         const std::string& user_id, Time since,
                                                         Time until, bool dry_run) {
  if (until <= since) return InvalidArgument("until", "until must be after since");
  // Candidates are read under the user's lock, in the transaction that
  // restores them: a write racing the undelete either committed before (and
  // is seen) or waits for it.
  auto work = [&](storage::Transaction& tx) -> Result<std::vector<UndeletedTask>> {
    storage::TaskRepository repo(tx);
    if (dry_run) {
      auto aggregates = repo.LoadAggregates(user_id);  // kNotFound: no such user
      if (!aggregates.ok()) return aggregates.error();
    } else {
      auto locked = repo.LockUser(user_id);
      if (!locked.ok()) return locked.error();
      if (!*locked) return NotFound("user '" + user_id + "' not found");
    }
    auto deletes =
        storage::AuditRepository(tx).ListLatestDeletes(user_id, since, until, kMaxUndelete + 1);
    if (!deletes.ok()) return deletes.error();
    if (deletes->size() > static_cast<std::size_t>(kMaxUndelete)) {
      return InvalidArgument("since",
                             "more than 10000 tasks were deleted in the window; narrow it");
    }
    const Time now = clock_.Now();
    std::vector<UndeletedTask> undone;
    for (const storage::AuditEntry& deletion : *deletes) {
      std::optional<std::int64_t> id = TaskId(deletion.entity_id);
      if (!id) continue;
      auto task = repo.Find(user_id, *id);
      if (!task.ok() && task.error().code == ErrorCode::kNotFound) continue;
      if (!task.ok()) return task.error();
      // The audit log says deleted, the row may not (rows written outside
      // TaskService, e.g. a table restored from a backup): the row decides.
      if (!task->deleted) continue;
      if (dry_run) {
        undone.push_back(UndeletedTask{*task, deletion.timestamp});
        continue;
      }
      auto restored = Apply(tx, ctx, *task, "RESTORE", now, RestoreChange);
      if (!restored.ok()) return restored.error();
      undone.push_back(UndeletedTask{std::move(*restored), deletion.timestamp});
    }
    return undone;
  };
  auto undone = dry_run ? storage::ReadValue(db_, work) : storage::WriteValue(db_, work);
  if (!undone.ok()) return undone.error();
  if (!undone->empty() && !dry_run) Committed(user_id, std::nullopt, std::nullopt);
  return undone;
}

Result<std::vector<Task>> TaskService::List(const storage::TaskFilter& filter) {
  ANALYTICS_CHECK(filter.limit >= 1 && filter.limit <= std::max(kMaxPageSize + 1, kExportPageSize))
      << "limit " << filter.limit;
  // One statement, so no BEGIN/COMMIT round trips on PostgreSQL.
  return storage::ReadStatementValue(
      db_, [&](storage::Transaction& tx) { return storage::TaskRepository(tx).List(filter); });
}

}  // namespace analytics::tasks

// SQL for audit_log: one row per task write, in the write's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/task.h"
#include "storage/database.h"

namespace analytics::storage {

struct AuditEntry {
  std::int64_t id = 0;
  Time timestamp;
  std::string actor;    // "admin" or the acting user's id
  std::string user_id;  // whose data changed
  std::string action;   // CREATE, UPDATE, DELETE, RESTORE
  std::string entity;   // "task"
  std::string entity_id;
  std::optional<std::string> before;  // JSON of the entity before, if any
  std::optional<std::string> after;   // JSON after, if any
  std::string request_id;
};

class AuditRepository {
 public:
  explicit AuditRepository(Transaction& tx) : tx_(tx) {}
  Result<void> Append(const AuditEntry& entry);
  // Appends one row per task, in order, for tasks just created: `common`'s
  // timestamp, actor, action, entity and request_id; each task's user_id, id
  // (entity_id) and JSON (after). `common`'s other fields are ignored. The
  // rows are formatted as they are sent, with no AuditEntry per task: on
  // PostgreSQL, one COPY (the transaction's WritePath).
  Result<void> AppendCreates(const AuditEntry& common, const std::vector<model::Task>& tasks);
  // AppendCreates one Append per task: the row-by-row WritePath.
  Result<void> AppendEach(const AuditEntry& common, const std::vector<model::Task>& tasks);
  // Newest first (by id); empty `action`/`user_id` match all; at most `limit`
  // rows with timestamp >= `since`.
  Result<std::vector<AuditEntry>> List(const std::string& action, const std::string& user_id,
                                       Time since, int limit);
  // The DELETE rows of `user_id`'s tasks with `since` <= timestamp < `until`
  // that are their task's latest audit row (no RESTORE or later DELETE
  // since): the deletions of the window that nothing has undone or redone.
  // Oldest first, at most `limit`.
  Result<std::vector<AuditEntry>> ListLatestDeletes(const std::string& user_id, Time since,
                                                    Time until, int limit);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

#include "storage/audit_repository.h"

#include "model/task_json.h"
#include "storage/write_path.h"

namespace analytics::storage {

Result<void> AuditRepository::Append(const AuditEntry& e) {
  auto inserted = tx_.Execute(
      "INSERT INTO audit_log (timestamp, actor, user_id, action, entity, entity_id, \"before\", "
      "\"after\", request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {e.timestamp, e.actor, e.user_id, e.action, e.entity, e.entity_id, Nullable(e.before),
       Nullable(e.after), e.request_id});
  if (!inserted.ok()) return inserted.error();
  return Ok();
}

Result<void> AuditRepository::AppendCreates(const AuditEntry& common,
                                            const std::vector<model::Task>& tasks) {
  return tx_.write_path().AppendCreates(common, tasks);
}

Result<void> AuditRepository::AppendEach(const AuditEntry& common,
                                         const std::vector<model::Task>& tasks) {
  for (const model::Task& t : tasks) {
    AuditEntry e = common;
    e.user_id = t.user_id;
    e.entity_id = std::to_string(t.id);
    e.before.reset();
    e.after = model::ToJson(t);
    ANALYTICS_RETURN_IF_ERROR(Append(e));
  }
  return Ok();
}

Result<std::vector<AuditEntry>> AuditRepository::List(const std::string& action,
                                                      const std::string& user_id, Time since,
                                                      int limit) {
  auto rows = tx_.Query(
      "SELECT id, timestamp, actor, user_id, action, entity, entity_id, \"before\", \"after\", "
      "request_id FROM audit_log WHERE timestamp >= $1 AND ($2 = '' OR action = $2) "
      "AND ($3 = '' OR user_id = $3) ORDER BY id DESC LIMIT $4",
      {since, action, user_id, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<AuditEntry> entries;
  for (const Row& r : *rows) {
    entries.push_back(AuditEntry{r.Int(0), r.TimeAt(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5),
                                 r.Text(6), r.OptText(7), r.OptText(8), r.Text(9)});
  }
  return entries;
}

}  // namespace analytics::storage

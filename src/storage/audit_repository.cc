#include "storage/audit_repository.h"

#include "base/check.h"
#include "model/task_json.h"

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
  if (dialect_ == nullptr || !dialect_->SupportsCopy() || tasks.size() < kMinCopyRows) {
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
  // COPY stores the rows in the order sent, so ids follow the tasks' order.
  std::size_t next = 0;
  std::string json;  // one task's JSON at a time, reused
  auto loaded = tx_.CopyFrom(
      "COPY audit_log (timestamp, actor, user_id, action, entity, entity_id, \"before\", "
      "\"after\", request_id) FROM STDIN",
      [&](std::string& part) {
        for (; next < tasks.size() && part.size() < kCopyPartBytes; ++next) {
          const model::Task& t = tasks[next];
          json.clear();
          model::AppendJson(json, t);
          CopyRow(part)
              .At(common.timestamp)
              .Text(common.actor)
              .Text(t.user_id)
              .Text(common.action)
              .Text(common.entity)
              .Int(t.id)
              .Null()
              .Text(json)
              .Text(common.request_id)
              .End();
        }
        return next < tasks.size();
      });
  if (!loaded.ok()) return loaded.error();
  ANALYTICS_CHECK(*loaded == static_cast<std::int64_t>(tasks.size()))
      << "audited " << *loaded << " of " << tasks.size() << " tasks";
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

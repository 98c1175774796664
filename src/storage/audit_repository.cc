#include "storage/audit_repository.h"

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

Result<void> AuditRepository::AppendBatch(const std::vector<AuditEntry>& entries) {
  if (dialect_ == nullptr || !dialect_->SupportsCopy() || entries.size() < kMinCopyRows) {
    for (const AuditEntry& e : entries) ANALYTICS_RETURN_IF_ERROR(Append(e));
    return Ok();
  }
  if (entries.empty()) return Ok();
  // COPY stores the rows in the order sent, so ids follow the entries' order.
  std::size_t next = 0;
  auto loaded = tx_.CopyFrom(
      "COPY audit_log (timestamp, actor, user_id, action, entity, entity_id, \"before\", "
      "\"after\", request_id) FROM STDIN",
      [&](std::string& part) {
        for (; next < entries.size() && part.size() < kCopyPartBytes; ++next) {
          const AuditEntry& e = entries[next];
          CopyRow(part)
              .At(e.timestamp)
              .Text(e.actor)
              .Text(e.user_id)
              .Text(e.action)
              .Text(e.entity)
              .Text(e.entity_id)
              .OptionalText(e.before)
              .OptionalText(e.after)
              .Text(e.request_id)
              .End();
        }
        return next < entries.size();
      });
  if (!loaded.ok()) return loaded.error();
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

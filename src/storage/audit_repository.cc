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
  if (dialect_ == nullptr || !dialect_->SupportsArrayParams()) {
    for (const AuditEntry& e : entries) ANALYTICS_RETURN_IF_ERROR(Append(e));
    return Ok();
  }
  if (entries.empty()) return Ok();
  std::vector<std::vector<Value>> columns(9);
  for (auto& column : columns) column.reserve(entries.size());
  for (const AuditEntry& e : entries) {
    columns[0].emplace_back(e.timestamp);
    columns[1].emplace_back(e.actor);
    columns[2].emplace_back(e.user_id);
    columns[3].emplace_back(e.action);
    columns[4].emplace_back(e.entity);
    columns[5].emplace_back(e.entity_id);
    columns[6].push_back(Nullable(e.before));
    columns[7].push_back(Nullable(e.after));
    columns[8].emplace_back(e.request_id);
  }
  Params params;
  params.reserve(columns.size());
  for (const auto& column : columns) params.emplace_back(dialect_->ArrayParam(column));
  // unnest yields the rows in array order, so ids follow the entries' order.
  auto inserted = tx_.Execute(
      "INSERT INTO audit_log (timestamp, actor, user_id, action, entity, entity_id, \"before\", "
      "\"after\", request_id) SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], "
      "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])",
      params);
  if (!inserted.ok()) return inserted.error();
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

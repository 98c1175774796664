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

namespace {

constexpr const char* kColumns =
    "id, timestamp, actor, user_id, action, entity, entity_id, \"before\", \"after\", "
    "request_id";

std::vector<AuditEntry> Entries(const std::vector<Row>& rows) {
  std::vector<AuditEntry> entries;
  entries.reserve(rows.size());
  for (const Row& r : rows) {
    entries.push_back(AuditEntry{r.Int(0), r.TimeAt(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5),
                                 r.Text(6), r.OptText(7), r.OptText(8), r.Text(9)});
  }
  return entries;
}

}  // namespace

Result<std::vector<AuditEntry>> AuditRepository::List(const std::string& action,
                                                      const std::string& user_id, Time since,
                                                      int limit) {
  auto rows = tx_.Query(std::string("SELECT ") + kColumns +
                            " FROM audit_log WHERE timestamp >= $1 AND ($2 = '' OR action = $2) "
                            "AND ($3 = '' OR user_id = $3) ORDER BY id DESC LIMIT $4",
                        {since, action, user_id, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  return Entries(*rows);
}

Result<std::vector<AuditEntry>> AuditRepository::ListLatestDeletes(const std::string& user_id,
                                                                   Time since, Time until,
                                                                   int limit) {
  // A task's audit rows are ordered by id: one user's writes run one after
  // another under the user's lock, so a later id is a later write. A DELETE
  // is its task's latest row when it is the task's largest id among the
  // user's rows from the window's first DELETE on (a later row has a larger
  // id still): one range read of the user's recent rows (PostgreSQL: its
  // primary key (user_id, id)) and a hash join, linear in the window, where a
  // NOT EXISTS per candidate was quadratic (5000 deletions: past 5 s).
  auto rows = tx_.Query(
      "WITH d AS (SELECT id, timestamp, actor, user_id, action, entity, entity_id, \"before\", "
      "\"after\", request_id FROM audit_log WHERE user_id = $1 AND action = 'DELETE' AND "
      "entity = 'task' AND timestamp >= $2 AND timestamp < $3), "
      "latest AS (SELECT entity_id, MAX(id) AS id FROM audit_log WHERE user_id = $1 AND "
      "entity = 'task' AND id >= (SELECT MIN(id) FROM d) GROUP BY entity_id) "
      "SELECT d.id, d.timestamp, d.actor, d.user_id, d.action, d.entity, d.entity_id, "
      "d.\"before\", d.\"after\", d.request_id FROM d JOIN latest ON latest.id = d.id "
      "ORDER BY d.id LIMIT $4",
      {user_id, since, until, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  return Entries(*rows);
}

}  // namespace analytics::storage

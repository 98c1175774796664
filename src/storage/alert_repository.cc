#include "storage/alert_repository.h"

namespace analytics::storage {
namespace {

constexpr std::string_view kStateColumns = "rule, state, since, value, updated_at";
constexpr std::string_view kEventColumns = "id, rule, severity, state, value, at, since, delivery";
constexpr std::string_view kSilenceColumns = "rule, until, reason, created_by, created_at";

std::optional<double> OptDouble(const Row& r, std::size_t i) {
  if (r.IsNull(i)) return std::nullopt;
  return r.Double(i);
}

AlertStateRow ToState(const Row& r) {
  return {r.Text(0), r.Text(1), r.OptTime(2), OptDouble(r, 3), r.TimeAt(4)};
}

AlertEventRow ToEvent(const Row& r) {
  return {r.Int(0),        r.Text(1),   r.Text(2),    r.Text(3),
          OptDouble(r, 4), r.TimeAt(5), r.OptTime(6), r.Text(7)};
}

AlertSilenceRow ToSilence(const Row& r) {
  return {r.Text(0), r.TimeAt(1), r.Text(2), r.Text(3), r.TimeAt(4)};
}

}  // namespace

Result<AlertStateRow> AlertRepository::Lock(const std::string& rule, Time now, bool for_update) {
  auto inserted = tx_.Execute(
      "INSERT INTO alert_states (rule, state, updated_at) VALUES ($1, 'inactive', $2) "
      "ON CONFLICT DO NOTHING",
      {rule, now});
  if (!inserted.ok()) return inserted.error();
  // PostgreSQL at READ COMMITTED: FOR UPDATE waits for another instance's
  // transaction on this row and then reads the row as that one committed it,
  // so the second instance sees the first one's transition and makes none.
  auto rows =
      tx_.Query("SELECT " + std::string(kStateColumns) + " FROM alert_states WHERE rule = $1" +
                    (for_update ? " FOR UPDATE" : ""),
                {rule});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Internal("alert state row of '" + rule + "' vanished");
  return ToState(rows->front());
}

Result<void> AlertRepository::Save(const AlertStateRow& row) {
  auto changed = tx_.Execute(
      "UPDATE alert_states SET state = $2, since = $3, value = $4, updated_at = $5 "
      "WHERE rule = $1",
      {row.rule, row.state, Nullable(row.since), Nullable(row.value), row.updated_at});
  if (!changed.ok()) return changed.error();
  return Ok();
}

Result<std::vector<AlertStateRow>> AlertRepository::States() {
  auto rows =
      tx_.Query("SELECT " + std::string(kStateColumns) + " FROM alert_states ORDER BY rule");
  if (!rows.ok()) return rows.error();
  std::vector<AlertStateRow> states;
  for (const Row& r : *rows) states.push_back(ToState(r));
  return states;
}

Result<std::int64_t> AlertRepository::AddEvent(const AlertEventRow& e) {
  auto rows = tx_.Query(
      "INSERT INTO alert_events (rule, severity, state, value, at, since, delivery) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {e.rule, e.severity, e.state, Nullable(e.value), e.at, Nullable(e.since), e.delivery});
  if (!rows.ok()) return rows.error();
  return rows->front().Int(0);
}

Result<void> AlertRepository::SetDelivery(std::int64_t event_id, const std::string& delivery) {
  auto changed =
      tx_.Execute("UPDATE alert_events SET delivery = $2 WHERE id = $1", {event_id, delivery});
  if (!changed.ok()) return changed.error();
  return Ok();
}

Result<std::optional<AlertEventRow>> AlertRepository::LastEvent(const std::string& rule) {
  auto rows = tx_.Query("SELECT " + std::string(kEventColumns) +
                            " FROM alert_events WHERE rule = $1 ORDER BY id DESC LIMIT 1",
                        {rule});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<AlertEventRow>();
  return std::optional<AlertEventRow>(ToEvent(rows->front()));
}

Result<std::vector<AlertEventRow>> AlertRepository::Events(Time since, int limit) {
  auto rows = tx_.Query("SELECT " + std::string(kEventColumns) +
                            " FROM alert_events WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2",
                        {since, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  // The newest `limit`, given oldest first.
  std::vector<AlertEventRow> events;
  for (auto r = rows->rbegin(); r != rows->rend(); ++r) events.push_back(ToEvent(*r));
  return events;
}

Result<std::optional<AlertSilenceRow>> AlertRepository::ActiveSilence(const std::string& rule,
                                                                      Time now) {
  auto rows = tx_.Query("SELECT " + std::string(kSilenceColumns) +
                            " FROM alert_silences WHERE rule = $1 AND until > $2",
                        {rule, now});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<AlertSilenceRow>{};
  return std::optional<AlertSilenceRow>{ToSilence(rows->front())};
}

Result<void> AlertRepository::Silence(const AlertSilenceRow& s) {
  auto changed = tx_.Execute(
      "INSERT INTO alert_silences (rule, until, reason, created_by, created_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (rule) DO UPDATE SET until = excluded.until, "
      "reason = excluded.reason, created_by = excluded.created_by, "
      "created_at = excluded.created_at",
      {s.rule, s.until, s.reason, s.created_by, s.created_at});
  if (!changed.ok()) return changed.error();
  return Ok();
}

Result<bool> AlertRepository::Unsilence(const std::string& rule) {
  auto changed = tx_.Execute("DELETE FROM alert_silences WHERE rule = $1", {rule});
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Result<std::vector<AlertSilenceRow>> AlertRepository::ActiveSilences(Time now) {
  auto rows = tx_.Query("SELECT " + std::string(kSilenceColumns) +
                            " FROM alert_silences WHERE until > $1 ORDER BY rule",
                        {now});
  if (!rows.ok()) return rows.error();
  std::vector<AlertSilenceRow> silences;
  for (const Row& r : *rows) silences.push_back(ToSilence(r));
  return silences;
}

}  // namespace analytics::storage

#include "storage/incident_repository.h"

#include <utility>

namespace analytics::storage {
namespace {

constexpr std::string_view kColumns =
    "id, severity, title, description, status, created_at, created_by, resolved_at, "
    "resolved_by, resolution_note";

IncidentRow FromRow(const Row& r) {
  IncidentRow row;
  row.id = r.Int(0);
  row.severity = r.Text(1);
  row.title = r.Text(2);
  row.description = r.Text(3);
  row.status = r.Text(4);
  row.created_at = r.TimeAt(5);
  row.created_by = r.Text(6);
  row.resolved_at = r.OptTime(7);
  row.resolved_by = r.OptText(8);
  row.resolution_note = r.OptText(9);
  return row;
}

}  // namespace

Result<IncidentRow> IncidentRepository::Create(const std::string& severity,
                                               const std::string& title,
                                               const std::string& description, Time at,
                                               const std::string& created_by) {
  auto rows = tx_.Query(
      "INSERT INTO incidents (severity, title, description, status, created_at, created_by) "
      "VALUES ($1, $2, $3, 'open', $4, $5) RETURNING " +
          std::string(kColumns),
      {severity, title, description, at, created_by});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Internal("incident insert returned no row");
  return FromRow(rows->front());
}

Result<std::vector<IncidentRow>> IncidentRepository::List(bool open_only, int limit) {
  auto rows = tx_.Query("SELECT " + std::string(kColumns) +
                            " FROM incidents WHERE ($1 = FALSE OR status = 'open') "
                            "ORDER BY created_at DESC, id DESC LIMIT $2",
                        {open_only, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<IncidentRow> out;
  out.reserve(rows->size());
  for (const Row& r : *rows) out.push_back(FromRow(r));
  return out;
}

Result<IncidentRow> IncidentRepository::Get(std::int64_t id) {
  auto rows = tx_.Query("SELECT " + std::string(kColumns) + " FROM incidents WHERE id = $1", {id});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return NotFound("no incident " + std::to_string(id));
  return FromRow(rows->front());
}

Result<IncidentRow> IncidentRepository::Resolve(std::int64_t id, Time at,
                                                const std::string& resolved_by,
                                                const std::string& note) {
  // The status guard in the UPDATE makes a concurrent second resolve change
  // nothing, so it reads back as kConflict rather than overwriting the first.
  auto rows = tx_.Query(
      "UPDATE incidents SET status = 'resolved', resolved_at = $2, resolved_by = $3, "
      "resolution_note = $4 WHERE id = $1 AND status = 'open' RETURNING " +
          std::string(kColumns),
      {id, at, resolved_by, note});
  if (!rows.ok()) return rows.error();
  if (!rows->empty()) return FromRow(rows->front());
  auto existing = Get(id);
  if (!existing.ok()) return existing.error();
  return Conflict("incident " + std::to_string(id) + " is already resolved");
}

}  // namespace analytics::storage

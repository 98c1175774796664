// SQL for incidents (runbook "Incident Response", SPEC §7 `incident`):
// created by `incident create`, POST /api/v1/admin/incidents, or an alert
// rule whose action is "Create ticket". Not thread-safe; lives inside one
// transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

struct IncidentRow {
  std::int64_t id = 0;
  std::string severity;  // P0..P3
  std::string title;
  std::string description;
  std::string status;  // open, resolved
  Time created_at;
  std::string created_by;  // "admin", a user name from the CLI ($USER), "alert:<rule>"
  std::optional<Time> resolved_at;
  std::optional<std::string> resolved_by;
  std::optional<std::string> resolution_note;
};

class IncidentRepository {
 public:
  explicit IncidentRepository(Transaction& tx) : tx_(tx) {}
  // Inserts an open incident; returns it with its id.
  Result<IncidentRow> Create(const std::string& severity, const std::string& title,
                             const std::string& description, Time at,
                             const std::string& created_by);
  // Newest first.
  Result<std::vector<IncidentRow>> List(bool open_only, int limit);
  // kNotFound for an unknown id.
  Result<IncidentRow> Get(std::int64_t id);
  // Marks it resolved; kNotFound for an unknown id, kConflict when already resolved.
  Result<IncidentRow> Resolve(std::int64_t id, Time at, const std::string& resolved_by,
                              const std::string& note);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

// Incidents (runbook "Incident Response", SPEC §7 `incident`): validated
// creation, listing and resolution over storage::IncidentRepository, for the
// CLI, the admin API and the alerts' "Create ticket" action.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "storage/database.h"
#include "storage/incident_repository.h"

namespace analytics::ops {

inline constexpr std::size_t kMaxIncidentTitle = 200;
inline constexpr std::size_t kMaxIncidentText = 10'000;  // description, resolution note
inline constexpr int kMaxIncidentList = 1000;

struct NewIncident {
  std::string severity;  // P0..P3
  std::string title;     // 1..kMaxIncidentTitle bytes
  std::string description;
};

// Errors: kInvalidArgument naming `field` unless `severity` is P0, P1, P2 or P3.
Result<void> ValidateSeverity(std::string_view severity, const std::string& field = "severity");

// Thread-safe (each call is one transaction).
class IncidentService {
 public:
  IncidentService(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  // Opens an incident at clock.Now(). Errors: kInvalidArgument naming
  // "severity", "title" or "description"; kUnavailable.
  Result<storage::IncidentRow> Create(const NewIncident& incident, const std::string& created_by);
  // Newest first. Errors: kInvalidArgument ("limit": 1..kMaxIncidentList).
  Result<std::vector<storage::IncidentRow>> List(bool open_only, int limit);
  // Errors: kNotFound (unknown id), kConflict (already resolved),
  // kInvalidArgument ("note" too long).
  Result<storage::IncidentRow> Resolve(std::int64_t id, const std::string& resolved_by,
                                       const std::string& note);

 private:
  storage::Database& db_;
  const Clock& clock_;
};

// One incident as a JSON object (the API's and `--json`'s shape).
std::string IncidentJson(const storage::IncidentRow& row);
// A JSON array of them.
std::string IncidentsJson(const std::vector<storage::IncidentRow>& rows);

}  // namespace analytics::ops

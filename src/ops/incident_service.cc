#include "ops/incident_service.h"

#include <nlohmann/json.hpp>

namespace analytics::ops {
namespace {

using Json = nlohmann::ordered_json;

Json OptText(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

Json ToJson(const storage::IncidentRow& r) {
  return Json{{"id", r.id},
              {"severity", r.severity},
              {"title", r.title},
              {"description", r.description},
              {"status", r.status},
              {"created_at", FormatTime(r.created_at)},
              {"created_by", r.created_by},
              {"resolved_at", r.resolved_at ? Json(FormatTime(*r.resolved_at)) : Json(nullptr)},
              {"resolved_by", OptText(r.resolved_by)},
              {"resolution_note", OptText(r.resolution_note)}};
}

}  // namespace

Result<void> ValidateSeverity(std::string_view severity, const std::string& field) {
  if (severity == "P0" || severity == "P1" || severity == "P2" || severity == "P3") return Ok();
  return InvalidArgument(field, field + " must be one of P0, P1, P2, P3 (got '" +
                                    std::string(severity.substr(0, 20)) + "')");
}

Result<storage::IncidentRow> IncidentService::Create(const NewIncident& in,
                                                     const std::string& created_by) {
  ANALYTICS_RETURN_IF_ERROR(ValidateSeverity(in.severity));
  if (in.title.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgument("title", "title is required");
  }
  if (in.title.size() > kMaxIncidentTitle) {
    return InvalidArgument("title",
                           "title must be at most " + std::to_string(kMaxIncidentTitle) + " bytes");
  }
  if (in.description.size() > kMaxIncidentText) {
    return InvalidArgument("description", "description must be at most " +
                                              std::to_string(kMaxIncidentText) + " bytes");
  }
  return storage::WriteValue(db_, [&](storage::Transaction& tx) {
    return storage::IncidentRepository(tx).Create(in.severity, in.title, in.description,
                                                  clock_.Now(), created_by);
  });
}

Result<std::vector<storage::IncidentRow>> IncidentService::List(bool open_only, int limit) {
  if (limit < 1 || limit > kMaxIncidentList) {
    return InvalidArgument("limit", "limit must be from 1 to " + std::to_string(kMaxIncidentList));
  }
  return storage::ReadStatementValue(db_, [&](storage::Transaction& tx) {
    return storage::IncidentRepository(tx).List(open_only, limit);
  });
}

Result<storage::IncidentRow> IncidentService::Resolve(std::int64_t id,
                                                      const std::string& resolved_by,
                                                      const std::string& note) {
  if (note.size() > kMaxIncidentText) {
    return InvalidArgument("note",
                           "note must be at most " + std::to_string(kMaxIncidentText) + " bytes");
  }
  return storage::WriteValue(db_, [&](storage::Transaction& tx) {
    return storage::IncidentRepository(tx).Resolve(id, clock_.Now(), resolved_by, note);
  });
}

std::string IncidentJson(const storage::IncidentRow& row) { return ToJson(row).dump(); }

std::string IncidentsJson(const std::vector<storage::IncidentRow>& rows) {
  Json list = Json::array();
  for (const auto& r : rows) list.push_back(ToJson(r));
  return list.dump();
}

}  // namespace analytics::ops

#include "model/task_json.h"

#include <nlohmann/json.hpp>

namespace analytics::model {
namespace {

nlohmann::json OptTime(const std::optional<Time>& t) {
  if (!t) return nullptr;
  return FormatTime(*t);
}

}  // namespace

std::string ToJson(const Task& t) {
  nlohmann::ordered_json j;
  j["id"] = t.id;
  j["user_id"] = t.user_id;
  j["title"] = t.title;
  j["status"] = ToString(t.status);
  j["priority"] = ToString(t.priority);
  j["due_at"] = OptTime(t.due_at);
  j["created_at"] = FormatTime(t.created_at);
  j["updated_at"] = FormatTime(t.updated_at);
  j["completed_at"] = OptTime(t.completed_at);
  j["deleted"] = t.deleted;
  j["deleted_at"] = OptTime(t.deleted_at);
  // Titles are validated UTF-8 on input; replace defensively rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace analytics::model

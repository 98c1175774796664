#include "model/task_json.h"

#include <charconv>

#include "base/json_text.h"

namespace analytics::model {
namespace {

void AppendOptTime(std::string& out, const std::optional<Time>& t) {
  if (!t) {
    out += "null";
    return;
  }
  out += '"';
  AppendTime(out, *t);
  out += '"';
}

}  // namespace

// Written by hand rather than through a JSON tree: a batch answer or an export
// serializes thousands of tasks, and the tree's allocations dominated them.
void AppendJson(std::string& out, const Task& t) {
  char id[24];
  out += "{\"id\":";
  out.append(id, std::to_chars(id, id + sizeof id, t.id).ptr);
  out += ",\"user_id\":";
  AppendJsonString(out, t.user_id);
  out += ",\"title\":";
  AppendJsonString(out, t.title);
  out += ",\"status\":\"";
  out += ToString(t.status);
  out += "\",\"priority\":\"";
  out += ToString(t.priority);
  out += "\",\"due_at\":";
  AppendOptTime(out, t.due_at);
  out += ",\"created_at\":\"";
  AppendTime(out, t.created_at);
  out += "\",\"updated_at\":\"";
  AppendTime(out, t.updated_at);
  out += "\",\"completed_at\":";
  AppendOptTime(out, t.completed_at);
  out += t.deleted ? ",\"deleted\":true,\"deleted_at\":" : ",\"deleted\":false,\"deleted_at\":";
  AppendOptTime(out, t.deleted_at);
  out += '}';
}

std::string ToJson(const Task& t) {
  std::string out;
  out.reserve(256 + t.title.size());
  AppendJson(out, t);
  return out;
}

}  // namespace analytics::model

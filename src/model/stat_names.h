// The five per-user stats of SPEC §3 by their wire names: the one list, used
// for cache keys (cache/keys.h), cache_warming.metrics_to_cache (config/), the
// overview's JSON (stats/) and the API's "no such metric" answer (api/).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace analytics::model {

// In the order the overview lists them.
inline constexpr std::array<std::string_view, 5> kStatNames = {
    "task_totals", "completion_rate", "priority_distribution", "status_distribution",
    "productivity_score"};

constexpr bool IsStatName(std::string_view name) {
  for (std::string_view stat : kStatNames) {
    if (stat == name) return true;
  }
  return false;
}

// "task_totals, completion_rate, …, productivity_score", for messages.
inline std::string StatNameList() {
  std::string list;
  for (std::string_view stat : kStatNames) {
    if (!list.empty()) list += ", ";
    list += stat;
  }
  return list;
}

}  // namespace analytics::model

// SPEC §5's key scheme, exactly: analytics:{metric}:{user_id}. The only place
// that writes key strings.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace analytics::cache {

inline constexpr std::string_view kPrefix = "analytics:";

// The five per-user stats of SPEC §3, by their wire names.
inline constexpr std::array<std::string_view, 5> kStatNames = {
    "task_totals", "completion_rate", "priority_distribution", "status_distribution",
    "productivity_score"};

bool IsStatName(std::string_view name);

std::string OverviewKey(std::string_view user_id);                     // analytics:overview:u
std::string StatKey(std::string_view stat, std::string_view user_id);  // analytics:{stat}:u
std::string GenerationKey(std::string_view user_id);                   // analytics:gen:u

}  // namespace analytics::cache

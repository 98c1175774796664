// SPEC §5's key scheme, exactly: analytics:{metric}:{user_id}. The only place
// that writes key strings.
#pragma once

#include <string>
#include <string_view>

#include "model/stat_names.h"

namespace analytics::cache {

inline constexpr std::string_view kPrefix = "analytics:";

// The five per-user stats of SPEC §3, by their wire names (model/stat_names.h).
using model::IsStatName;
using model::kStatNames;

std::string OverviewKey(std::string_view user_id);                     // analytics:overview:u
std::string StatKey(std::string_view stat, std::string_view user_id);  // analytics:{stat}:u
std::string GenerationKey(std::string_view user_id);                   // analytics:gen:u

}  // namespace analytics::cache

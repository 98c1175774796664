// Time windows given on the command line: `--since "24 hours ago"` (doctor,
// alerts check) and the reports' days.
#pragma once

#include <string_view>

#include "base/result.h"
#include "base/time.h"

namespace analytics::ops {

// "24 hours ago", "90 minutes ago", "7 days ago", "1 week ago" (units
// second, minute, hour, day, week, singular or plural, also s/m/h/d/w:
// "24h ago", "24h"), "yesterday", "today" (midnight UTC), or an absolute time
// ParseTime accepts ("2024-01-15T10:00:00Z") or a day ("2024-01-15", its
// midnight UTC). Relative forms count back from `now`.
// Errors: kInvalidArgument with `field` naming the flag.
Result<Time> ParseSince(std::string_view text, Time now, std::string_view field = "--since");

}  // namespace analytics::ops

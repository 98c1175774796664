// Durations and instants as operators type them on a command line:
// `--for 2h`, `--since "24 hours ago"` (SPEC §7). Shared by the commands that
// take such flags.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"

namespace analytics {

// "90s", "15m", "2h", "7d", "1w", or the same with a space and a word
// ("2 hours", "1 minute", "30 seconds", "3 days", "1 week"). The count is a
// whole number > 0. nullopt for anything else.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

// An instant as `--since` takes it: "24 hours ago" or "24h" (any
// ParseDuration text, "ago" optional) as `now` minus the duration, "now",
// "today" and "yesterday" (midnight UTC), an absolute time ParseTime accepts
// ("2024-01-15T10:00:00Z") or a day ("2024-01-15", its midnight UTC). Case
// does not matter. nullopt for anything else.
std::optional<Time> ParseSince(std::string_view text, Time now);

// ParseSince, with kInvalidArgument naming `field` ("--since", "since") and
// the forms it takes when `text` is none of them.
Result<Time> ParseSinceOrError(std::string_view text, Time now, std::string_view field);

}  // namespace analytics

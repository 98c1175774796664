// Durations and instants as operators type them on a command line:
// `--for 2h`, `--since "24 hours ago"` (SPEC §7). Shared by the commands that
// take such flags.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "base/time.h"

namespace analytics {

// "90s", "15m", "2h", "7d", "1w", or the same with a space and a word
// ("2 hours", "1 minute", "30 seconds", "3 days", "1 week"). The count is a
// whole number > 0. nullopt for anything else.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

// "24 hours ago" (any ParseDuration text followed by "ago") as `now` minus
// the duration, "now", or an absolute time ParseTime accepts
// ("2024-01-15T10:00:00Z"). nullopt for anything else.
std::optional<Time> ParseSince(std::string_view text, Time now);

}  // namespace analytics

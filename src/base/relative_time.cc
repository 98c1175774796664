#include "base/relative_time.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "base/text.h"

namespace analytics {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Each unit's spellings, singular and plural, with its length in seconds.
std::optional<std::int64_t> UnitSeconds(std::string_view unit) {
  constexpr std::int64_t kMinute = 60, kHour = 3600, kDay = 86400, kWeek = 7 * kDay;
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 17> kUnits{{
      {"s", 1},
      {"sec", 1},
      {"second", 1},
      {"seconds", 1},
      {"m", kMinute},
      {"min", kMinute},
      {"minute", kMinute},
      {"minutes", kMinute},
      {"h", kHour},
      {"hour", kHour},
      {"hours", kHour},
      {"d", kDay},
      {"day", kDay},
      {"days", kDay},
      {"w", kWeek},
      {"week", kWeek},
      {"weeks", kWeek},
  }};
  for (const auto& [name, seconds] : kUnits) {
    if (unit == name) return seconds;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  text = Trim(text);
  std::int64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || end == text.data() || count <= 0) return std::nullopt;
  auto unit = UnitSeconds(Trim(text.substr(std::size_t(end - text.data()))));
  // Ten thousand years is past any Time; refuse before the product overflows.
  constexpr std::int64_t kMaxSeconds = std::int64_t{10'000} * 366 * 86400;
  if (!unit || count > kMaxSeconds / *unit) return std::nullopt;
  return std::chrono::seconds(count * *unit);
}

std::optional<Time> ParseSince(std::string_view text, Time now) {
  const std::string lower = AsciiLower(Trim(text));
  std::string_view rest = lower;
  if (rest == "now") return now;
  if (rest == "today") return Time{DayOf(now)};
  if (rest == "yesterday") return Time{DayOf(now) - std::chrono::days(1)};
  constexpr std::string_view kAgo = "ago";
  const bool ago = rest.size() > kAgo.size() && rest.ends_with(kAgo);
  if (ago) rest.remove_suffix(kAgo.size());
  if (auto duration = ParseDuration(rest)) {
    Time since = now - std::chrono::duration_cast<std::chrono::microseconds>(*duration);
    if (!InRange(since)) return std::nullopt;
    return since;
  }
  if (ago) return std::nullopt;
  if (auto time = ParseTime(Trim(text))) return time;
  if (auto day = ParseDay(Trim(text))) return Time{*day};
  return std::nullopt;
}

Result<Time> ParseSinceOrError(std::string_view text, Time now, std::string_view field) {
  if (auto since = ParseSince(text, now)) return *since;
  return InvalidArgument(std::string(field),
                         std::string(field) +
                             " must be like \"24 hours ago\", \"7d\", \"yesterday\" or an "
                             "RFC 3339 time or day, got \"" +
                             std::string(text) + "\"");
}

}  // namespace analytics

#include "ops/since.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>

namespace analytics::ops {
namespace {

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::chrono::seconds> UnitLength(std::string_view unit) {
  using std::chrono::seconds;
  if (unit.size() > 1 && unit.back() == 's') unit.remove_suffix(1);  // plural
  if (unit == "s" || unit == "sec" || unit == "second") return seconds(1);
  if (unit == "m" || unit == "min" || unit == "minute") return seconds(60);
  if (unit == "h" || unit == "hr" || unit == "hour") return seconds(3600);
  if (unit == "d" || unit == "day") return seconds(86400);
  if (unit == "w" || unit == "week") return seconds(7 * 86400);
  return std::nullopt;
}

// "24 hours", "24h", "24 h": the length, or nullopt.
std::optional<std::chrono::seconds> Duration(std::string_view text) {
  long long count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || end == text.data() || count < 0 || count > 100'000'000) {
    return std::nullopt;
  }
  auto unit = UnitLength(Trim(std::string_view(end, text.data() + text.size() - end)));
  if (!unit) return std::nullopt;
  return *unit * count;
}

}  // namespace

Result<Time> ParseSince(std::string_view text, Time now, std::string_view field) {
  const std::string lower = Lower(Trim(text));
  std::string_view rest = lower;
  if (rest == "today") return Time{DayOf(now)};
  if (rest == "yesterday") return Time{DayOf(now) - std::chrono::days(1)};
  if (rest.ends_with(" ago")) rest.remove_suffix(4);
  if (auto length = Duration(Trim(rest))) {
    Time since = now - *length;
    if (since < kFirstTime) since = kFirstTime;
    return since;
  }
  if (auto time = ParseTime(Trim(text))) return *time;
  if (auto day = ParseDay(Trim(text))) return Time{*day};
  return InvalidArgument(std::string(field),
                         std::string(field) +
                             " must be like \"24 hours ago\", \"7d\", \"yesterday\" or an ISO 8601 "
                             "time, got \"" +
                             std::string(text) + "\"");
}

}  // namespace analytics::ops

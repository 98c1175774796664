#include "base/cron.h"

#include <charconv>
#include <vector>

namespace analytics {
namespace {

using std::chrono::days;
using std::chrono::minutes;

constexpr auto kHorizon = days{366 * 5};

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<int> Number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

struct Field {
  const char* name;
  int min;
  int max;
};

// Sets bits [min, max] of `bits` per one comma-separated field.
// 'text', built by appending: g++ 12 at -O3 reports a false -Wrestrict on
// "'" + std::string(text) (a prepend into a fresh string).
std::string Quoted(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '\'';
  quoted += text;
  quoted += '\'';
  return quoted;
}

template <std::size_t N>
Result<void> ParseField(std::string_view text, const Field& f, std::bitset<N>& bits) {
  for (std::string_view item : Split(text, ',')) {
    auto error = [&](const std::string& why) {
      return InvalidArgument("schedule", std::string(f.name) + ": " + why);
    };
    int step = 1;
    auto slash = item.find('/');
    if (slash != std::string_view::npos) {
      auto s = Number(item.substr(slash + 1));
      if (!s || *s <= 0) return error("bad step in " + Quoted(item));
      step = *s;
      item = item.substr(0, slash);
    }
    int lo = f.min, hi = f.max;
    if (item != "*") {
      auto dash = item.find('-');
      auto a = Number(item.substr(0, dash));
      auto b = dash == std::string_view::npos ? a : Number(item.substr(dash + 1));
      if (!a || !b) return error(Quoted(item) + " is not a number or range");
      lo = *a;
      hi = *b;
      if (slash != std::string_view::npos && dash == std::string_view::npos) hi = f.max;
      if (lo < f.min || hi > f.max || lo > hi) {
        return error(std::string(item) + " is out of range " + std::to_string(f.min) + "-" +
                     std::to_string(f.max));
      }
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(v));
  }
  return Ok();
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  std::vector<std::string_view> fields;
  for (std::string_view part : Split(expression, ' ')) {
    if (!part.empty()) fields.push_back(part);
  }
  if (fields.size() != 5) {
    return InvalidArgument("schedule",
                           "a cron schedule has 5 fields (minute hour day-of-month "
                           "month day-of-week), got '" +
                               std::string(expression) + "'");
  }
  CronSchedule s;
  s.expression_ = std::string(expression);
  ANALYTICS_RETURN_IF_ERROR(ParseField(fields[0], {"minute", 0, 59}, s.minutes_));
  ANALYTICS_RETURN_IF_ERROR(ParseField(fields[1], {"hour", 0, 23}, s.hours_));
  ANALYTICS_RETURN_IF_ERROR(ParseField(fields[2], {"day of month", 1, 31}, s.days_of_month_));
  ANALYTICS_RETURN_IF_ERROR(ParseField(fields[3], {"month", 1, 12}, s.months_));
  s.dom_restricted_ = fields[2] != "*";
  s.dow_restricted_ = fields[4] != "*";
  for (std::string_view item : Split(fields[4], ',')) {
    auto hash = item.find('#');
    if (hash == std::string_view::npos) {
      std::bitset<8> dow;
      ANALYTICS_RETURN_IF_ERROR(ParseField(item, {"day of week", 0, 7}, dow));
      for (int d = 0; d < 7; ++d) {
        if (dow[d]) s.days_of_week_.set(d);
      }
      if (dow[7]) s.days_of_week_.set(0);
      continue;
    }
    auto weekday = Number(item.substr(0, hash));
    auto nth = Number(item.substr(hash + 1));
    if (!weekday || !nth || *weekday < 0 || *weekday > 7 || *nth < 1 || *nth > 5) {
      return InvalidArgument(
          "schedule", "day of week: '" + std::string(item) + "' must be D#n with D 0-7 and n 1-5");
    }
    s.nth_weekday_[*nth].set(*weekday % 7);
  }
  return s;
}

bool CronSchedule::MatchesDay(Day day) const {
  std::chrono::year_month_day ymd{day};
  if (!months_[unsigned(ymd.month())]) return false;
  unsigned dom = unsigned(ymd.day());
  unsigned dow = std::chrono::weekday{day}.c_encoding();
  bool dom_ok = days_of_month_[dom];
  bool dow_ok = days_of_week_[dow] || nth_weekday_[(dom - 1) / 7 + 1][dow];
  if (dom_restricted_ && dow_restricted_) return dom_ok || dow_ok;
  if (dom_restricted_) return dom_ok;
  if (dow_restricted_) return dow_ok;
  return true;
}

std::optional<Time> CronSchedule::Next(Time after) const {
  Time t = std::chrono::floor<minutes>(after) + minutes{1};
  Time limit = after + kHorizon;
  while (t <= limit) {
    Day day = DayOf(t);
    if (!MatchesDay(day)) {
      t = Time{day + days{1}};
      continue;
    }
    std::chrono::hh_mm_ss tod{std::chrono::floor<minutes>(t - day)};
    int h = static_cast<int>(tod.hours().count());
    int m = static_cast<int>(tod.minutes().count());
    if (!hours_[h]) {
      t = Time{day} + std::chrono::hours{h + 1};
      continue;
    }
    if (!minutes_[m]) {
      t += minutes{1};
      continue;
    }
    return t;
  }
  return std::nullopt;
}

std::optional<Time> CronSchedule::Previous(Time at) const {
  Time t = std::chrono::floor<minutes>(at);
  Time limit = at - kHorizon;
  while (t >= limit) {
    Day day = DayOf(t);
    if (!MatchesDay(day)) {
      t = Time{day} - minutes{1};
      continue;
    }
    std::chrono::hh_mm_ss tod{std::chrono::floor<minutes>(t - day)};
    int h = static_cast<int>(tod.hours().count());
    int m = static_cast<int>(tod.minutes().count());
    if (!hours_[h]) {
      t = Time{day} + std::chrono::hours{h} - minutes{1};
      continue;
    }
    if (!minutes_[m]) {
      t -= minutes{1};
      continue;
    }
    return t;
  }
  return std::nullopt;
}

}  // namespace analytics

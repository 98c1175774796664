#include "base/time.h"

#include <cstdio>

namespace analytics {
namespace {

bool ReadDigits(std::string_view text, std::size_t& pos, int count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<Day> ReadDay(std::string_view text, std::size_t& pos) {
  int y = 0, m = 0, d = 0;
  if (!ReadDigits(text, pos, 4, y) || !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, m) ||
      !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, d)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(m)},
                                  std::chrono::day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  return Day{ymd};
}

}  // namespace

std::optional<Day> ParseDay(std::string_view text) {
  std::size_t pos = 0;
  auto day = ReadDay(text, pos);
  if (!day || pos != text.size()) return std::nullopt;
  return day;
}

std::optional<Time> ParseTime(std::string_view text) {
  std::size_t pos = 0;
  auto day = ReadDay(text, pos);
  if (!day) return std::nullopt;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  int hh = 0, mm = 0, ss = 0;
  if (!ReadDigits(text, pos, 2, hh) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, mm) ||
      !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, ss)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!ReadDigits(text, pos, 2, oh)) return std::nullopt;
    if (pos < text.size()) {
      if (text[pos] == ':') ++pos;
      if (!ReadDigits(text, pos, 2, om)) return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (pos != text.size()) return std::nullopt;
  using namespace std::chrono;
  Time t = Time{*day} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{micros};
  return t - minutes{offset_minutes};
}

std::string FormatDay(Day day) {
  std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return buf;
}

namespace {

struct Parts {
  Day day;
  std::chrono::hh_mm_ss<std::chrono::microseconds> tod;
};

Parts Split(Time time) {
  Day day = DayOf(time);
  return Parts{day, std::chrono::hh_mm_ss<std::chrono::microseconds>{time - day}};
}

}  // namespace

std::string FormatTime(Time time) {
  Parts p = Split(time);
  char buf[48];
  std::string day = FormatDay(p.day);
  long micros = static_cast<long>(p.tod.subseconds().count());
  if (micros == 0) {
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", day.c_str(), int(p.tod.hours().count()),
                  int(p.tod.minutes().count()), int(p.tod.seconds().count()));
    return buf;
  }
  char frac[8];
  std::snprintf(frac, sizeof frac, "%06ld", micros);
  std::string f(frac);
  while (!f.empty() && f.back() == '0') f.pop_back();
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%sZ", day.c_str(), int(p.tod.hours().count()),
                int(p.tod.minutes().count()), int(p.tod.seconds().count()), f.c_str());
  return buf;
}

std::string FormatStorageTime(Time time) {
  Parts p = Split(time);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%06ldZ", FormatDay(p.day).c_str(),
                int(p.tod.hours().count()), int(p.tod.minutes().count()),
                int(p.tod.seconds().count()), static_cast<long>(p.tod.subseconds().count()));
  return buf;
}

}  // namespace analytics

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
  // Year 0000 reads as a day; four digits cap the other end.
  if (!day || pos != text.size() || *day < kFirstDay) return std::nullopt;
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
  const Time t = Time{*day} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{micros} -
                 minutes{offset_minutes};
  if (!InRange(t)) return std::nullopt;
  return t;
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

// Writes `value` as exactly `width` digits ending before `end`; returns the
// start. REQUIRES: 0 <= value < 10^width.
char* Digits(char* end, unsigned value, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return end;
}

// "YYYY-MM-DD" into out[0..10). Years outside 0..9999 (never parsed, but a
// database can hold them) go through snprintf; returns the length written.
std::size_t WriteDay(char* out, Day day) {
  const std::chrono::year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    return static_cast<std::size_t>(
        std::snprintf(out, 24, "%04d-%02u-%02u", year, unsigned(ymd.month()), unsigned(ymd.day())));
  }
  Digits(out + 4, static_cast<unsigned>(year), 4);
  out[4] = '-';
  Digits(out + 7, unsigned(ymd.month()), 2);
  out[7] = '-';
  Digits(out + 10, unsigned(ymd.day()), 2);
  return 10;
}

// "YYYY-MM-DDThh:mm:ss" into out; returns the length written.
std::size_t WriteDateTime(char* out, const Parts& p) {
  std::size_t n = WriteDay(out, p.day);
  out[n] = 'T';
  Digits(out + n + 3, static_cast<unsigned>(p.tod.hours().count()), 2);
  out[n + 3] = ':';
  Digits(out + n + 6, static_cast<unsigned>(p.tod.minutes().count()), 2);
  out[n + 6] = ':';
  Digits(out + n + 9, static_cast<unsigned>(p.tod.seconds().count()), 2);
  return n + 9;
}

}  // namespace

std::string FormatDay(Day day) {
  char buf[24];
  return std::string(buf, WriteDay(buf, day));
}

void AppendTime(std::string& out, Time time) {
  const Parts p = Split(time);
  char buf[48];
  std::size_t n = WriteDateTime(buf, p);
  auto micros = static_cast<unsigned>(p.tod.subseconds().count());
  if (micros != 0) {
    int width = 6;
    while (micros % 10 == 0) {
      micros /= 10;
      --width;
    }
    buf[n] = '.';
    Digits(buf + n + 1 + width, micros, width);
    n += 1 + static_cast<std::size_t>(width);
  }
  buf[n++] = 'Z';
  out.append(buf, n);
}

std::string FormatTime(Time time) {
  std::string out;
  AppendTime(out, time);
  return out;
}

void AppendStorageTime(std::string& out, Time time) {
  const Parts p = Split(time);
  char buf[48];
  std::size_t n = WriteDateTime(buf, p);
  buf[n] = '.';
  Digits(buf + n + 7, static_cast<unsigned>(p.tod.subseconds().count()), 6);
  buf[n + 7] = 'Z';
  out.append(buf, n + 8);
}

std::string FormatStorageTime(Time time) {
  std::string out;
  AppendStorageTime(out, time);
  return out;
}

}  // namespace analytics

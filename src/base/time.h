// Time points and days, always UTC, and their ISO 8601 wire and storage forms.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace analytics {

using Time = std::chrono::sys_time<std::chrono::microseconds>;
using Day = std::chrono::sys_days;

// The days and instants the service accepts, stores and formats: UTC years
// 0001 to 9999. Every backend stores them and every formatter writes them in
// the fixed widths below; a year 10000 or -1 would be neither.
inline constexpr Day kFirstDay{std::chrono::year{1} / std::chrono::January / 1};
inline constexpr Day kLastDay{std::chrono::year{9999} / std::chrono::December / 31};
inline constexpr Time kFirstTime{kFirstDay};
inline constexpr Time kLastTime{Time{kLastDay + std::chrono::days{1}} -
                                std::chrono::microseconds{1}};

// Parses "2024-01-15T10:00:00Z", with optional fractional seconds and either a
// "Z" or a numeric offset ("+02:00"); also "2024-01-15 10:00:00+00" as
// PostgreSQL prints timestamptz. Returns nullopt for anything else, and for
// an instant whose UTC value falls outside kFirstTime..kLastTime
// ("9999-12-31T23:59:59-01:00" is year 10000 in UTC); only the UTC value
// counts ("0000-12-31T23:30:00-01:00" is 0001-01-01T00:30:00Z).
std::optional<Time> ParseTime(std::string_view text);

// Parses "2024-01-15". Returns nullopt for anything else (including 2024-02-30
// and days outside kFirstDay..kLastDay).
std::optional<Day> ParseDay(std::string_view text);

// Whether `time` lies in kFirstTime..kLastTime.
inline bool InRange(Time time) { return time >= kFirstTime && time <= kLastTime; }

// "2024-01-15T10:00:00Z", or with a fraction ("…:00.25Z") when there is one.
std::string FormatTime(Time time);
// FormatTime appended to `out` (serializers of many rows: no temporary).
void AppendTime(std::string& out, Time time);

// Fixed-width "2024-01-15T10:00:00.000000Z": sorts as text in time order (SQLite storage).
std::string FormatStorageTime(Time time);
void AppendStorageTime(std::string& out, Time time);

// "2024-01-15".
std::string FormatDay(Day day);

inline Day DayOf(Time time) { return std::chrono::floor<std::chrono::days>(time); }

}  // namespace analytics

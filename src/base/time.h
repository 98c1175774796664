// Time points and days, always UTC, and their ISO 8601 wire and storage forms.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace analytics {

using Time = std::chrono::sys_time<std::chrono::microseconds>;
using Day = std::chrono::sys_days;

// Parses "2024-01-15T10:00:00Z", with optional fractional seconds and either a
// "Z" or a numeric offset ("+02:00"); also "2024-01-15 10:00:00+00" as
// PostgreSQL prints timestamptz. Returns nullopt for anything else.
std::optional<Time> ParseTime(std::string_view text);

// Parses "2024-01-15". Returns nullopt for anything else (including 2024-02-30).
std::optional<Day> ParseDay(std::string_view text);

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

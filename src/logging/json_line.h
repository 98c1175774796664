// The pieces of a log line: levels, timestamps and a small JSON object writer.
// Internal to logging/.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>

#include "logging/log.h"

namespace analytics::logging::detail {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error" (and "trace").
std::string_view LevelName(Level level);
// trace, debug, info, warn (or warning), error; anything else is info.
Level ParseLevel(std::string_view name);

// "2026-01-01T00:00:00.123Z": UTC, milliseconds.
std::string FormatTimestamp(std::chrono::system_clock::time_point time);

// Builds one JSON object on one line. Names and strings are escaped, doubles
// that JSON cannot hold (NaN, infinities) become null.
class JsonObject {
 public:
  JsonObject() : text_("{") {}
  JsonObject& AddString(std::string_view name, std::string_view value);
  JsonObject& Add(std::string_view name, const FieldValue& value);
  JsonObject& AddAll(std::initializer_list<Field> fields);
  // The finished text; call once, last.
  std::string Finish();

 private:
  void AddName(std::string_view name);
  std::string text_;
};

// Replaces CR and LF by the two-character escapes \r and \n, so text given
// to us cannot split a line.
std::string OneLine(std::string_view text);

}  // namespace analytics::logging::detail

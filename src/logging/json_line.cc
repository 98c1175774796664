#include "logging/json_line.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/json_text.h"

namespace analytics::logging {

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  AppendJsonEscaped(out, text);
  return out;
}

namespace detail {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

Level ParseLevel(std::string_view name) {
  if (name == "trace") return Level::kTrace;
  if (name == "debug") return Level::kDebug;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  return Level::kInfo;
}

std::string FormatTimestamp(std::chrono::system_clock::time_point time) {
  namespace chrono = std::chrono;
  const auto ms = chrono::floor<chrono::milliseconds>(time);
  const auto day = chrono::floor<chrono::days>(ms);
  const chrono::year_month_day date{day};
  const chrono::hh_mm_ss clock{ms - day};
  char buffer[64];
  std::snprintf(
      buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return buffer;
}

void JsonObject::AddName(std::string_view name) {
  if (text_.size() > 1) text_ += ',';
  text_ += '"';
  AppendJsonEscaped(text_, name);
  text_ += "\":";
}

JsonObject& JsonObject::AddString(std::string_view name, std::string_view value) {
  AddName(name);
  text_ += '"';
  AppendJsonEscaped(text_, value);
  text_ += '"';
  return *this;
}

JsonObject& JsonObject::Add(std::string_view name, const FieldValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return AddString(name, *text);
  AddName(name);
  if (const auto* flag = std::get_if<bool>(&value)) {
    text_ += *flag ? "true" : "false";
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    text_ += std::to_string(*integer);
  } else {
    const double number = std::get<double>(value);
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), number);
    if (!std::isfinite(number) || ec != std::errc()) {
      text_ += "null";
    } else {
      text_.append(buffer, end);
    }
  }
  return *this;
}

JsonObject& JsonObject::AddAll(std::initializer_list<Field> fields) {
  for (const auto& [name, value] : fields) Add(name, value);
  return *this;
}

std::string JsonObject::Finish() {
  text_ += '}';
  return std::move(text_);
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace detail
}  // namespace analytics::logging

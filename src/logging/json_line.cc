#include "logging/json_line.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace analytics::logging {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if there is none;
// then `bad` is how many bytes form the maximal invalid prefix (at least 1),
// which becomes one U+FFFD (Unicode's "substitution of maximal subparts").
std::size_t ValidSequence(std::string_view s, std::size_t i, std::size_t& bad) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  bad = 1;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) return 0;
    const unsigned char c = byte(i + k);
    if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) return 0;
    bad = k + 1;
  }
  return length;
}

}  // namespace

std::string JsonEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t bad = 1;
      const std::size_t length = ValidSequence(text, i, bad);
      if (length == 0) {
        out += "\\ufffd";
        i += bad;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
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
  text_ += JsonEscape(name);
  text_ += "\":";
}

JsonObject& JsonObject::AddString(std::string_view name, std::string_view value) {
  AddName(name);
  text_ += '"';
  text_ += JsonEscape(value);
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

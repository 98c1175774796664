#include "storage/value.h"

#include <charconv>
#include <string_view>
#include <system_error>

#include "base/check.h"

namespace analytics::storage {
namespace {

// Overload set for std::visit, one lambda per alternative.
template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

std::optional<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// Shortest text that reads back as the same double.
std::string FormatDouble(double value) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  ANALYTICS_CHECK(ec == std::errc()) << "to_chars failed";
  return std::string(buf, ptr);
}

[[noreturn]] void Unreadable(std::size_t column, const std::string& what) {
  throw BadStoredValue("column " + std::to_string(column) + ": " + what);
}

}  // namespace

Day StoredDay(std::string_view text) {
  std::optional<Day> day = ParseDay(text);
  if (!day) throw BadStoredValue("'" + std::string(text) + "' is not a day in years 0001..9999");
  return *day;
}

bool Row::IsNull(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(raw(i)); }

std::int64_t Row::Int(std::size_t i) const {
  return std::visit(Overloaded{
                        [](std::nullptr_t) -> std::int64_t { return 0; },
                        [](std::int64_t v) { return v; },
                        [i](double v) -> std::int64_t {
                          // The range check first: casting an out-of-range double is UB.
                          if (!(v >= -9.2e18 && v <= 9.2e18)) Unreadable(i, "not an integer");
                          auto n = static_cast<std::int64_t>(v);
                          if (static_cast<double>(n) != v) Unreadable(i, "not an integer");
                          return n;
                        },
                        [](bool v) -> std::int64_t { return v ? 1 : 0; },
                        [i](const std::string& v) {
                          auto n = ParseInt(v);
                          if (!n) Unreadable(i, "'" + v + "' is not an integer");
                          return *n;
                        },
                        [i](Time) -> std::int64_t { Unreadable(i, "a time is not an integer"); },
                    },
                    raw(i));
}

double Row::Double(std::size_t i) const {
  return std::visit(Overloaded{
                        [](std::nullptr_t) { return 0.0; },
                        [](std::int64_t v) { return static_cast<double>(v); },
                        [](double v) { return v; },
                        [](bool v) { return v ? 1.0 : 0.0; },
                        [i](const std::string& v) {
                          auto d = ParseDouble(v);
                          if (!d) Unreadable(i, "'" + v + "' is not a number");
                          return *d;
                        },
                        [i](Time) -> double { Unreadable(i, "a time is not a number"); },
                    },
                    raw(i));
}

bool Row::Bool(std::size_t i) const {
  return std::visit(Overloaded{
                        [](std::nullptr_t) { return false; },
                        [](std::int64_t v) { return v != 0; },
                        [](double v) { return v != 0; },
                        [](bool v) { return v; },
                        [i](const std::string& v) {
                          if (v == "t" || v == "true" || v == "1") return true;
                          if (v == "f" || v == "false" || v == "0") return false;
                          Unreadable(i, "'" + v + "' is not a boolean");
                        },
                        [i](Time) -> bool { Unreadable(i, "a time is not a boolean"); },
                    },
                    raw(i));
}

std::string Row::Text(std::size_t i) const {
  return std::visit(Overloaded{
                        [](std::nullptr_t) { return std::string(); },
                        [](std::int64_t v) { return std::to_string(v); },
                        [](double v) { return FormatDouble(v); },
                        [](bool v) { return std::string(v ? "true" : "false"); },
                        [](const std::string& v) { return v; },
                        [](Time v) { return FormatStorageTime(v); },
                    },
                    raw(i));
}

Time Row::TimeAt(std::size_t i) const {
  const Value& value = raw(i);
  if (const Time* t = std::get_if<Time>(&value)) return *t;
  const std::string* text = std::get_if<std::string>(&value);
  if (text == nullptr) Unreadable(i, "not a time");
  std::optional<Time> parsed = ParseTime(*text);
  if (!parsed) Unreadable(i, "'" + *text + "' is not a time in years 0001..9999");
  return *parsed;
}

std::optional<Time> Row::OptTime(std::size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return TimeAt(i);
}

std::optional<std::string> Row::OptText(std::size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

}  // namespace analytics::storage

// The condition grammar of alert rules (docs/alerts.md):
//   SIGNAL OP THRESHOLD[unit] [for N seconds|minutes|hours]
//   EVENT [for N seconds|minutes|hours]
#include <array>
#include <charconv>
#include <cmath>
#include <sstream>
#include <utility>
#include <vector>

#include "ops/alert_rules.h"

namespace analytics::ops {
namespace {

// What a threshold may be written in, per signal. Values are stored in
// percent and seconds (docs/alerts.md lists the signals).
enum class Unit { kPercent, kSeconds, kPlain };

struct SignalUnit {
  std::string_view name;
  Unit unit;
};

constexpr std::array<SignalUnit, 15> kSignals{{
    {"health", Unit::kPlain},
    {"db_up", Unit::kPlain},
    {"request_rate", Unit::kPlain},
    {"error_rate", Unit::kPercent},
    {"p50_response_time", Unit::kSeconds},
    {"p95_response_time", Unit::kSeconds},
    {"p99_response_time", Unit::kSeconds},
    {"cpu_usage", Unit::kPercent},
    {"memory_rss", Unit::kPlain},
    {"memory_usage", Unit::kPercent},
    {"cache_hit_rate", Unit::kPercent},
    {"cache_evicted_keys", Unit::kPlain},
    {"db_connections", Unit::kPlain},
    {"job_failures", Unit::kPlain},
    {"disk_usage", Unit::kPercent},
}};

// Each event is a fixed comparison on one signal (common13 signal names).
struct EventDefinition {
  std::string_view name;
  std::string_view signal;
  Comparison op;
  double threshold;
};
constexpr std::array<EventDefinition, 3> kEvents{{
    {"health_check_failed", "health", Comparison::kEqual, 0},
    {"db_connection_failed", "db_up", Comparison::kEqual, 0},
    {"job_failed", "job_failures", Comparison::kGreater, 0},
}};

constexpr std::array<std::pair<std::string_view, Comparison>, 7> kOperators{{
    {">", Comparison::kGreater},
    {">=", Comparison::kGreaterEqual},
    {"<", Comparison::kLess},
    {"<=", Comparison::kLessEqual},
    {"==", Comparison::kEqual},
    {"=", Comparison::kEqual},
    {"!=", Comparison::kNotEqual},
}};

Error Bad(std::string message) { return InvalidArgument("condition", std::move(message)); }

const SignalUnit* FindSignal(std::string_view name) {
  for (const SignalUnit& s : kSignals) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string SignalList() {
  std::string list;
  for (const SignalUnit& s : kSignals) list += (list.empty() ? "" : ", ") + std::string(s.name);
  return list;
}

// "10%", "5s", "250ms", "0.5", as a value in the signal's stored unit.
Result<double> ParseThreshold(std::string_view text, const SignalUnit& signal) {
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data() || !std::isfinite(number)) {
    return Bad("threshold '" + std::string(text) + "' is not a number with an optional unit");
  }
  std::string_view unit = text.substr(std::size_t(end - text.data()));
  if (unit.empty()) return number;
  if (unit == "%" && signal.unit == Unit::kPercent) return number;
  if (unit == "s" && signal.unit == Unit::kSeconds) return number;
  if (unit == "ms" && signal.unit == Unit::kSeconds) return number / 1000;
  std::string fits = signal.unit == Unit::kPercent   ? "%"
                     : signal.unit == Unit::kSeconds ? "s or ms"
                                                     : "no unit";
  return Bad("unit '" + std::string(unit) + "' does not fit " + std::string(signal.name) +
             " (it takes " + fits + ")");
}

// "for N seconds|minutes|hours" (singular too) from `words` at `at`.
Result<std::chrono::seconds> ParseHold(const std::vector<std::string>& words, std::size_t at) {
  if (at == words.size()) return std::chrono::seconds{0};
  if (words[at] != "for" || words.size() != at + 3) {
    return Bad("expected 'for N seconds|minutes|hours' after the comparison, got '" + words[at] +
               "'");
  }
  int count = 0;
  const std::string& n = words[at + 1];
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
  if (ec != std::errc() || end != n.data() + n.size() || count <= 0) {
    return Bad("'for' needs a whole number > 0, got '" + n + "'");
  }
  const std::string& unit = words[at + 2];
  std::int64_t per = 0;
  if (unit == "second" || unit == "seconds") per = 1;
  if (unit == "minute" || unit == "minutes") per = 60;
  if (unit == "hour" || unit == "hours") per = 3600;
  if (per == 0) return Bad("'for' takes seconds, minutes or hours, got '" + unit + "'");
  constexpr std::int64_t kMaxHold = 366 * 86400;  // a year: past it no rule makes sense
  if (std::int64_t{count} > kMaxHold / per) return Bad("'for' is longer than a year");
  return std::chrono::seconds{std::int64_t{count} * per};
}

}  // namespace

bool AlertCondition::Holds(double value) const {
  switch (op) {
    case Comparison::kGreater:
      return value > threshold;
    case Comparison::kGreaterEqual:
      return value >= threshold;
    case Comparison::kLess:
      return value < threshold;
    case Comparison::kLessEqual:
      return value <= threshold;
    case Comparison::kEqual:
      return value == threshold;
    case Comparison::kNotEqual:
      return value != threshold;
  }
  return false;
}

Result<AlertCondition> ParseCondition(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) words.push_back(word);
  if (words.empty()) return Bad("condition is empty");
  AlertCondition c;
  for (const EventDefinition& e : kEvents) {
    if (words[0] != e.name) continue;
    c = {std::string(e.signal), e.op, e.threshold, {}, std::string(e.name)};
    auto hold = ParseHold(words, 1);
    if (!hold.ok()) return hold.error();
    c.hold = *hold;
    return c;
  }
  const SignalUnit* signal = FindSignal(words[0]);
  if (signal == nullptr) {
    return Bad("unknown signal '" + words[0] + "' (signals: " + SignalList() +
               "; events: health_check_failed, db_connection_failed, job_failed)");
  }
  if (words.size() < 3)
    return Bad("expected 'SIGNAL OP THRESHOLD', got '" + std::string(text) + "'");
  c.signal = words[0];
  bool known_op = false;
  for (const auto& [name, op] : kOperators) {
    if (words[1] == name) c.op = op, known_op = true;
  }
  if (!known_op) return Bad("unknown comparison '" + words[1] + "' (use >, >=, <, <=, ==, !=)");
  auto threshold = ParseThreshold(words[2], *signal);
  if (!threshold.ok()) return threshold.error();
  c.threshold = *threshold;
  auto hold = ParseHold(words, 3);
  if (!hold.ok()) return hold.error();
  c.hold = *hold;
  return c;
}

bool IsUrgent(std::string_view severity) { return severity == "P0" || severity == "P1"; }

}  // namespace analytics::ops

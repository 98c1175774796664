// Alert rules (SPEC §8, runbook "Alert Thresholds"): the YAML file of
// `alerts.rules_file`, or the runbook's eight rules built in, parsed into
// conditions over the signal store's signals (docs/alerts.md).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace analytics::ops {

enum class Comparison { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

// `SIGNAL OP THRESHOLD[unit] [for N seconds|minutes|hours]`, or an event
// (`health_check_failed`, `db_connection_failed`, `job_failed`) with an
// optional `for`.
struct AlertCondition {
  std::string signal;  // the signal it reads (an event reads health, db_up, job_failures)
  Comparison op = Comparison::kGreater;
  double threshold = 0;          // in the signal's stored unit: percent or seconds
  std::chrono::seconds hold{0};  // `for`: how long it must hold before firing
  std::string event;             // the event's name, or "" for a comparison

  bool Holds(double value) const;
};

struct AlertRule {
  std::string name;
  std::string condition;  // as written
  std::string action;     // as written: maps to alerts.targets by this text
  std::string severity;   // P0..P3
  AlertCondition parsed;
  int line = 0;  // of the rule in its file, from 1
};

// Parses one condition. Errors: kInvalidArgument naming what is wrong
// (unknown signal, operator, unit that does not fit the signal, duration).
Result<AlertCondition> ParseCondition(std::string_view text);

// Parses a rules file's text: a YAML list of {name, condition, action,
// severity}. `source` names it in errors. Errors: kInvalidArgument (field
// "alerts.rules_file") naming the rule and its line: a missing or unknown
// field, a bad condition or severity, a duplicate name, or YAML that does not
// parse.
Result<std::vector<AlertRule>> ParseAlertRules(std::string_view yaml, std::string_view source);

// The rules of `rules_file`, or the runbook's when it is "". Errors: those of
// ParseAlertRules, and kInvalidArgument when the file cannot be read.
Result<std::vector<AlertRule>> LoadAlertRules(const std::string& rules_file);

// The built-in rules file (config/alert_rules.yml holds the same text).
std::string_view DefaultAlertRulesYaml();

// "P0".."P3" as written; the P0 and P1 rules are the ones `alerts check`
// fails on while they fire.
bool IsUrgent(std::string_view severity);

}  // namespace analytics::ops

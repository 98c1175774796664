// `analytics anomalies [--date D]` (runbook "Daily Analytics Verification",
// "Check for Anomalies"): the invariants of the stored analytics, checked
// against a recount of the tasks. docs/incidents.md defines each kind.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "storage/database.h"

namespace analytics::ops {

// A user is said to drop when they had at least this many task events
// (created or completed) over the 7 days before the date, an average of 3 a
// day, and none on the date.
inline constexpr std::int64_t kActivityDropMinPriorEvents = 21;
// Findings listed per kind at most; `counts` says when more were cut.
inline constexpr int kMaxFindingsPerKind = 100;

struct Anomaly {
  std::string kind;  // completion_rate_out_of_range, productivity_score_out_of_range,
                     // missing_daily_analytics, aggregate_mismatch, open_due_days_mismatch,
                     // activity_drop
  std::string user_id;
  std::string detail;  // what disagrees, in words, with the numbers
};

struct AnomalyReport {
  Day date;
  std::vector<Anomaly> findings;
  bool truncated = false;  // some kind had more than kMaxFindingsPerKind
};

// Runs every check for `date` in one read snapshot. Errors: kUnavailable.
Result<AnomalyReport> FindAnomalies(storage::Database& db, Day date);

}  // namespace analytics::ops

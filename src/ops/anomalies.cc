#include "ops/anomalies.h"

#include <cstdio>

#include "storage/anomaly_repository.h"

namespace analytics::ops {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

using Describe = std::string (*)(const storage::AnomalyRow&, const std::string& date);

// Appends `rows` as findings of `kind`; one more row than the cap means more
// were cut.
void Add(AnomalyReport& report, const std::string& kind,
         const std::vector<storage::AnomalyRow>& rows, Describe describe) {
  const std::string date = FormatDay(report.date);
  std::size_t taken = 0;
  for (const auto& row : rows) {
    if (taken++ == static_cast<std::size_t>(kMaxFindingsPerKind)) {
      report.truncated = true;
      break;
    }
    report.findings.push_back(Anomaly{kind, row.user_id, describe(row, date)});
  }
}

std::string RateDetail(const storage::AnomalyRow& r, const std::string& date) {
  return r.what + " " + Number(r.found) + " on " + date + " is outside [0, 100]";
}
std::string MissingDetail(const storage::AnomalyRow& r, const std::string& date) {
  return Number(r.found) + " task event(s) on " + date +
         " but no daily_analytics row (run: analytics job run daily_aggregation --date " + date +
         ")";
}
std::string AggregateDetail(const storage::AnomalyRow& r, const std::string&) {
  return "user_aggregates." + r.what + " is " + Number(r.found) + ", a recount of tasks gives " +
         Number(r.expected);
}
std::string OpenDueDetail(const storage::AnomalyRow& r, const std::string&) {
  return "open_due_days for due day " + r.what + " is " + Number(r.found) +
         ", a recount of open tasks gives " + Number(r.expected);
}
std::string DropDetail(const storage::AnomalyRow& r, const std::string& date) {
  return Number(r.expected) + " task event(s) over the 7 days before " + date + ", none on it";
}

}  // namespace

Result<AnomalyReport> FindAnomalies(storage::Database& db, Day date) {
  AnomalyReport report;
  report.date = date;
  const int limit = kMaxFindingsPerKind + 1;
  Result<void> read = db.Read([&](storage::Transaction& tx) -> Result<void> {
    storage::AnomalyRepository anomalies(tx, db.dialect());
    for (const char* column : {"completion_rate", "productivity_score"}) {
      auto rows = anomalies.RateOutOfRange(date, column, limit);
      if (!rows.ok()) return rows.error();
      Add(report, std::string(column) + "_out_of_range", *rows, RateDetail);
    }
    auto missing = anomalies.MissingDailyRows(date, limit);
    if (!missing.ok()) return missing.error();
    Add(report, "missing_daily_analytics", *missing, MissingDetail);
    auto aggregates = anomalies.AggregateMismatches(limit);
    if (!aggregates.ok()) return aggregates.error();
    Add(report, "aggregate_mismatch", *aggregates, AggregateDetail);
    auto open_due = anomalies.OpenDueMismatches(limit);
    if (!open_due.ok()) return open_due.error();
    Add(report, "open_due_days_mismatch", *open_due, OpenDueDetail);
    auto drops = anomalies.ActivityDrops(date, kActivityDropMinPriorEvents, limit);
    if (!drops.ok()) return drops.error();
    Add(report, "activity_drop", *drops, DropDetail);
    return Ok();
  });
  if (!read.ok()) return read.error();
  return report;
}

}  // namespace analytics::ops

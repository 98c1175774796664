// The per-user numbers of SPEC §3 ("stats" in code; "metric" means a Prometheus series).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"

namespace analytics::model {

struct TaskTotals {
  std::int64_t total = 0, todo = 0, in_progress = 0, done = 0, cancelled = 0, overdue = 0;
};

struct PriorityDistribution {
  std::int64_t low = 0, medium = 0, high = 0, urgent = 0;
};

struct StatusDistribution {
  std::int64_t todo = 0, in_progress = 0, done = 0, cancelled = 0;
};

struct Overview {
  std::string user_id;
  Time as_of;
  TaskTotals task_totals;
  double completion_rate = 0;
  PriorityDistribution priority_distribution;
  StatusDistribution status_distribution;
  double productivity_score = 0;
};

// A user's running aggregates over non-deleted tasks, kept up to date by every
// task write; everything in Overview except `overdue` derives from it.
struct UserAggregates {
  std::int64_t todo = 0, in_progress = 0, done = 0, cancelled = 0;
  std::int64_t low = 0, medium = 0, high = 0, urgent = 0;
  std::int64_t weight_total = 0;    // Σ w(t) over non-cancelled tasks
  std::int64_t weight_done_x2 = 0;  // Σ 2·w(t)·f(t) over done tasks
};

struct DailyStats {
  std::string user_id;
  Day date;
  std::int64_t tasks_created = 0, tasks_completed = 0, total_tasks = 0, completed_tasks = 0;
  double completion_rate = 0, productivity_score = 0;
  Time computed_at;
};

enum class Granularity { kDay, kWeek, kMonth };

struct TrendPoint {
  Day period_start;
  std::int64_t tasks_created = 0, tasks_completed = 0;
  double completion_rate = 0;  // as of the end of the period
};

// 100·num/den rounded to 2 decimals; 0 when den is 0 (SPEC §3).
double Percent(double numerator, double denominator);

}  // namespace analytics::model

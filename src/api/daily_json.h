// A daily_analytics row as JSON: one shape for GET …/analytics/daily (its
// items) and the ndjson export (after "user_id"). Defined in stats_handler.cc.
#pragma once

#include <nlohmann/json.hpp>

#include "model/stats.h"

namespace analytics::api {

// {date, tasks_created, tasks_completed, total_tasks, completed_tasks,
//  completion_rate, productivity_score, computed_at}, in that order.
nlohmann::ordered_json DailyJson(const model::DailyStats& day);

}  // namespace analytics::api

#include "model/task.h"

namespace analytics::model {

std::string_view ToString(TaskStatus status) {
  switch (status) {
    case TaskStatus::kTodo:
      return "todo";
    case TaskStatus::kInProgress:
      return "in_progress";
    case TaskStatus::kDone:
      return "done";
    case TaskStatus::kCancelled:
      return "cancelled";
  }
  return "todo";
}

std::string_view ToString(Priority priority) {
  switch (priority) {
    case Priority::kLow:
      return "low";
    case Priority::kMedium:
      return "medium";
    case Priority::kHigh:
      return "high";
    case Priority::kUrgent:
      return "urgent";
  }
  return "medium";
}

std::optional<TaskStatus> ParseStatus(std::string_view text) {
  for (TaskStatus s : kAllStatuses) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::optional<Priority> ParsePriority(std::string_view text) {
  for (Priority p : kAllPriorities) {
    if (ToString(p) == text) return p;
  }
  return std::nullopt;
}

std::string WeightSql(std::string_view column) {
  std::string sql = "CASE " + std::string(column);
  for (std::size_t i = 0; i + 1 < kAllPriorities.size(); ++i) {
    sql += " WHEN '" + std::string(ToString(kAllPriorities[i])) + "' THEN " +
           std::to_string(Weight(kAllPriorities[i]));
  }
  return sql + " ELSE " + std::to_string(Weight(kAllPriorities.back())) + " END";
}

}  // namespace analytics::model

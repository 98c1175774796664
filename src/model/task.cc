#include "model/task.h"

namespace analytics::model {

std::string_view ToString(TaskStatus status) {
  switch (status) {
    case TaskStatus::kTodo: return "todo";
    case TaskStatus::kInProgress: return "in_progress";
    case TaskStatus::kDone: return "done";
    case TaskStatus::kCancelled: return "cancelled";
  }
  return "todo";
}

std::string_view ToString(Priority priority) {
  switch (priority) {
    case Priority::kLow: return "low";
    case Priority::kMedium: return "medium";
    case Priority::kHigh: return "high";
    case Priority::kUrgent: return "urgent";
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

}  // namespace analytics::model

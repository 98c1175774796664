// Tasks as SPEC §2 defines them: plain structs plus the enum wire names.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.h"

namespace analytics::model {

enum class TaskStatus { kTodo, kInProgress, kDone, kCancelled };
enum class Priority { kLow, kMedium, kHigh, kUrgent };

inline constexpr std::array kAllStatuses = {TaskStatus::kTodo, TaskStatus::kInProgress,
                                            TaskStatus::kDone, TaskStatus::kCancelled};
inline constexpr std::array kAllPriorities = {Priority::kLow, Priority::kMedium, Priority::kHigh,
                                              Priority::kUrgent};

std::string_view ToString(TaskStatus status);  // "todo", "in_progress", "done", "cancelled"
std::string_view ToString(Priority priority);  // "low", "medium", "high", "urgent"
std::optional<TaskStatus> ParseStatus(std::string_view text);
std::optional<Priority> ParsePriority(std::string_view text);

// SPEC §3: w(low)=1, w(medium)=2, w(high)=3, w(urgent)=4.
inline int Weight(Priority p) { return static_cast<int>(p) + 1; }
// The same weights as a SQL expression over the text column `column`:
// "CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3
// ELSE 4 END". Every SQL that weighs tasks (repositories, the stats views)
// uses it, so the weights are written only here.
std::string WeightSql(std::string_view column = "priority");

inline constexpr std::size_t kMaxTitleBytes = 500;

struct Task {
  std::int64_t id = 0;
  std::string user_id;
  std::string title;
  TaskStatus status = TaskStatus::kTodo;
  Priority priority = Priority::kMedium;
  std::optional<Time> due_at;
  Time created_at;
  Time updated_at;
  std::optional<Time> completed_at;  // set exactly when status is done
  bool deleted = false;
  std::optional<Time> deleted_at;
};

// f(t) of SPEC §3, doubled so it stays an integer: 2 when on time (or no due
// date), 1 when completed after due_at. REQUIRES: task is done.
inline int OnTimeFactorX2(const Task& t) {
  return (!t.due_at || (t.completed_at && *t.completed_at <= *t.due_at)) ? 2 : 1;
}

}  // namespace analytics::model

#include "model/task_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace analytics::model {
namespace {

using namespace std::literals;

Task Sample() {
  Task t;
  t.id = 9007199254740993;  // beyond a double's exact integers
  t.user_id = "u-1";
  t.title = "fix \"the\" bug\\n\xc3\xa9";
  t.status = TaskStatus::kDone;
  t.priority = Priority::kUrgent;
  t.due_at = *ParseTime("2024-01-20T00:00:00Z");
  t.created_at = *ParseTime("2024-01-15T10:00:00.25Z");
  t.updated_at = *ParseTime("2024-01-16T11:30:00Z");
  t.completed_at = *ParseTime("2024-01-16T11:30:00Z");
  return t;
}

TEST(TaskJson, HasEveryFieldInOrder) {
  EXPECT_EQ(ToJson(Sample()),
            R"({"id":9007199254740993,"user_id":"u-1","title":"fix \"the\" bug\\n)"
            "\xc3\xa9"
            R"(","status":"done","priority":"urgent","due_at":"2024-01-20T00:00:00Z",)"
            R"("created_at":"2024-01-15T10:00:00.25Z","updated_at":"2024-01-16T11:30:00Z",)"
            R"("completed_at":"2024-01-16T11:30:00Z","deleted":false,"deleted_at":null})");
}

TEST(TaskJson, ParsesBackToTheSameValues) {
  Task t = Sample();
  t.status = TaskStatus::kInProgress;
  t.completed_at.reset();
  t.due_at.reset();
  t.deleted = true;
  t.deleted_at = *ParseTime("2024-01-17T00:00:00.000001Z");
  t.title = "tab\there, nul \0 and bad \xff utf-8"sv;
  auto j = nlohmann::json::parse(ToJson(t));
  EXPECT_EQ(j["id"].get<std::int64_t>(), t.id);
  EXPECT_EQ(j["title"].get<std::string>(), "tab\there, nul \0 and bad \xef\xbf\xbd utf-8"sv);
  EXPECT_EQ(j["status"], "in_progress");
  EXPECT_TRUE(j["due_at"].is_null());
  EXPECT_TRUE(j["completed_at"].is_null());
  EXPECT_EQ(j["deleted"], true);
  EXPECT_EQ(j["deleted_at"], "2024-01-17T00:00:00.000001Z");
}

TEST(TaskJson, AppendJsonAddsToTheBuffer) {
  std::string out = "[";
  AppendJson(out, Sample());
  out += ']';
  EXPECT_EQ(out, "[" + ToJson(Sample()) + "]");
}

}  // namespace
}  // namespace analytics::model

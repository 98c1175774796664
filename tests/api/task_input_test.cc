// ParseNewTaskBatch reads a batch body as it streams (SAX). It must accept
// and refuse exactly what a parse of the whole body would, and name the same
// field; these cases pin the shapes a streaming reader can get wrong.
#include <gtest/gtest.h>

#include "api/json_input.h"

namespace analytics::api {
namespace {

Result<std::vector<tasks::NewTask>> Batch(std::string body) {
  http::Request request;
  request.body = std::move(body);
  return ParseNewTaskBatch(request);
}

std::vector<std::string> Titles(const std::string& body) {
  auto tasks = Batch(body);
  EXPECT_TRUE(tasks.ok()) << body << ": " << tasks.error().message;
  std::vector<std::string> titles;
  if (tasks.ok()) {
    for (const tasks::NewTask& t : *tasks) titles.push_back(t.title);
  }
  return titles;
}

// The field a refused body names, and its message.
std::pair<std::string, std::string> Refusal(const std::string& body) {
  auto tasks = Batch(body);
  EXPECT_FALSE(tasks.ok()) << body;
  if (tasks.ok()) return {};
  EXPECT_EQ(tasks.error().code, ErrorCode::kInvalidArgument) << body;
  return {tasks.error().field, tasks.error().message};
}

std::string Field(const std::string& body) { return Refusal(body).first; }

std::pair<std::string, std::string> Named(std::string field, std::string message) {
  return {std::move(field), std::move(message)};
}

using Names = std::vector<std::string>;

TEST(ParseNewTaskBatchTest, ReadsEveryFieldOfEveryTask) {
  auto tasks =
      Batch(R"([{"title":"a\u00e9\"b","status":"done","priority":"urgent","due_at":null,)"
            R"("created_at":"2024-01-15T10:00:00Z","completed_at":"2024-01-15T11:30:00+01:00"},)"
            R"({"due_at":"2024-02-01T00:00:00Z","title":"second"}])");
  ASSERT_TRUE(tasks.ok()) << tasks.error().message;
  ASSERT_EQ(tasks->size(), 2u);
  const tasks::NewTask& a = (*tasks)[0];
  EXPECT_EQ(a.title, "a\xc3\xa9\"b");
  EXPECT_EQ(a.status, model::TaskStatus::kDone);
  EXPECT_EQ(a.priority, model::Priority::kUrgent);
  EXPECT_FALSE(a.due_at);
  EXPECT_EQ(a.created_at, ParseTime("2024-01-15T10:00:00Z"));
  EXPECT_EQ(a.completed_at, ParseTime("2024-01-15T10:30:00Z"));
  const tasks::NewTask& b = (*tasks)[1];
  EXPECT_EQ(b.title, "second");
  EXPECT_EQ(b.status, model::TaskStatus::kTodo);  // the defaults
  EXPECT_EQ(b.priority, model::Priority::kMedium);
  EXPECT_EQ(b.due_at, ParseTime("2024-02-01T00:00:00Z"));
  EXPECT_FALSE(b.created_at);
  EXPECT_FALSE(b.completed_at);
}

TEST(ParseNewTaskBatchTest, TheObjectFormUsesItsLastTasksMemberAndIgnoresTheRest) {
  EXPECT_EQ(Titles(R"({"tasks":[{"title":"a"},{"title":"b"}]})"), (Names{"a", "b"}));
  // Members before and after, with tasks-like shapes inside, are not tasks.
  EXPECT_EQ(Titles(R"({"meta":[{"title":5},[1]],"tasks":[{"title":"a"}],)"
                   R"("more":{"tasks":[{"title":"x"}],"k":[{"title":"y"}]},"n":1})"),
            (Names{"a"}));
  // As with a tree of the body, a repeated member's last value counts.
  EXPECT_EQ(Titles(R"({"tasks":[{"title":5}],"tasks":[{"title":"b"}]})"), (Names{"b"}));
  EXPECT_EQ(Field(R"({"tasks":[{"title":"a"}],"tasks":5})"), "body");
  EXPECT_EQ(Field(R"({"tasks":[{"title":"a"}],"tasks":{"title":"b"}})"), "body");
  EXPECT_EQ(Titles(R"({"tasks":{},"tasks":[{"title":"c"}]})"), (Names{"c"}));
  EXPECT_EQ(Field(R"({"other":[{"title":"a"}]})"), "body");
  EXPECT_EQ(Field(R"({"title":"a"})"), "body");
}

TEST(ParseNewTaskBatchTest, ValuesNestedInATaskAreReadAsOneValue) {
  // A known member whose value is a container is the wrong type, whatever it holds.
  EXPECT_EQ(Field(R"([{"title":{"title":"x"}}])"), "[0].title");
  EXPECT_EQ(Field(R"([{"title":"a","status":["done"]}])"), "[0].status");
  EXPECT_EQ(Field(R"([{"title":"a","due_at":[null]}])"), "[0].due_at");
  // Members inside an unknown member's value are not the task's.
  EXPECT_EQ(Field(R"([{"x":{"title":5,"bogus":1},"title":"a"}])"), "[0].x");
  // A repeated member: the last value counts.
  EXPECT_EQ(Titles(R"([{"title":5,"title":"b"}])"), (Names{"b"}));
  EXPECT_EQ(Field(R"([{"title":"b","title":null}])"), "[0].title");
}

TEST(ParseNewTaskBatchTest, NamesTheFirstInvalidTaskAndItsFirstMistake) {
  // Unknown members first, the first in key order as a tree would list them.
  EXPECT_EQ(Refusal(R"([{"title":"a"},{"zeta":1,"title":2,"alpha":2}])"),
            Named("[1].alpha", "unknown field '[1].alpha'"));
  EXPECT_EQ(Refusal(R"([{"title":"a"},{"title":5},{"bogus":1}])"),
            Named("[1].title", "[1].title must be a string"));
  EXPECT_EQ(Refusal(R"([{"status":"done"}])"), Named("[0].title", "[0].title is required"));
  EXPECT_EQ(Field(R"([{"title":"a","status":"x","priority":"y"}])"), "[0].status");
  EXPECT_EQ(Field(R"([{"title":"a","priority":"y","due_at":"later"}])"), "[0].priority");
  EXPECT_EQ(Field(R"([{"title":"a","completed_at":"z","due_at":"later"}])"), "[0].due_at");
  EXPECT_EQ(Field(R"([{"title":"a","completed_at":1,"created_at":"2024"}])"), "[0].created_at");
  EXPECT_EQ(Field(R"([{"title":"a","completed_at":true}])"), "[0].completed_at");
  // Elements that are not objects, among objects.
  EXPECT_EQ(Refusal(R"([{"title":"a"},[{"title":"b"}]])"),
            Named("[1]", "[1] must be a JSON object"));
  EXPECT_EQ(Field(R"([{"title":"a"},{"title":"b"},null])"), "[2]");
  EXPECT_EQ(Field(R"(["a"])"), "[0]");
}

TEST(ParseNewTaskBatchTest, BodyErrorsComeBeforeTaskErrors) {
  // Malformed JSON after an invalid task is reported as malformed.
  EXPECT_EQ(Field(R"([{"title":5},)"), "body");
  EXPECT_EQ(Field(R"([{"title":5}] [)"), "body");
  EXPECT_EQ(Field("[{\"title\":\"a\xff\"}]"), "body");  // invalid UTF-8
  EXPECT_EQ(Field(std::string("[{\"title\":\"a\"}]\0", 16)), "body");
  EXPECT_EQ(Field(""), "body");
  EXPECT_EQ(Field("5"), "body");
  EXPECT_EQ(Field("\"tasks\""), "body");
  // Too many tasks, even when the first is invalid.
  std::string many = "[5";
  for (std::size_t i = 1; i <= tasks::kMaxBatchSize; ++i) many += ",{\"title\":\"t\"}";
  many += "]";
  EXPECT_EQ(Refusal(many), Named("body", "at most 10000 tasks per batch"));
}

TEST(ParseNewTaskBatchTest, TenThousandTasksAreAcceptedAndAnEmptyArrayReadsAsNone) {
  std::string full = "[";
  for (std::size_t i = 0; i < tasks::kMaxBatchSize; ++i) {
    full += (i ? ",{\"title\":\"t" : "{\"title\":\"t") + std::to_string(i) + "\"}";
  }
  full += "]";
  auto tasks = Batch(full);
  ASSERT_TRUE(tasks.ok()) << tasks.error().message;
  ASSERT_EQ(tasks->size(), tasks::kMaxBatchSize);
  EXPECT_EQ(tasks->back().title, "t9999");
  auto none = Batch("[]");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto wrapped_none = Batch(R"({"tasks":[]})");
  ASSERT_TRUE(wrapped_none.ok());
  EXPECT_TRUE(wrapped_none->empty());
}

TEST(ParseNewTaskBatchTest, DeepNestingNeitherCrashesNorCounts) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(Field("[" + deep + "]"), "[0]");
  EXPECT_EQ(Field(R"([{"title":"a","x":)" + deep + "}]"), "[0].x");
  EXPECT_EQ(Titles(R"({"meta":)" + deep + R"(,"tasks":[{"title":"a"}]})"), (Names{"a"}));
}

}  // namespace
}  // namespace analytics::api

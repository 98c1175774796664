#include "logging/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace analytics::logging {
namespace {

// A unique folder for one test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "logging-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Sets logging up in a fresh folder and shuts it down at the end of the test.
class LoggingTest : public testing::Test {
 protected:
  void SetUp() override {
    options_.dir = dir_.path() + "/logs/nested";
    options_.level = "info";
  }
  void TearDown() override { Shutdown(); }

  void Start() {
    Result<void> setup = logging::Setup(options_, dir_.path() + "/jobs");
    ASSERT_TRUE(setup.ok()) << setup.error().message;
  }
  std::string File(const std::string& name) const { return options_.dir + "/" + name; }

  ScratchDir dir_;
  config::LoggingOptions options_;
};

TEST_F(LoggingTest, InfoWritesOneJsonLineWithEventAndFields) {
  Start();

  Info("job_finished", {{"job", "daily_aggregation"}, {"rows", 42}, {"ms", 1.5}, {"ok", true}});
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("analytics.log"));
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json line = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(line["event"], "job_finished");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["job"], "daily_aggregation");
  EXPECT_EQ(line["rows"], 42);
  EXPECT_EQ(line["ms"], 1.5);
  EXPECT_EQ(line["ok"], true);
  EXPECT_TRUE(std::regex_match(line["ts"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << line["ts"];
}

TEST_F(LoggingTest, LevelFiltersLines) {
  options_.level = "warn";
  Start();

  Debug("debug_event");
  Info("info_event");
  Warn("warn_event");
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("analytics.log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["event"], "warn_event");
}

TEST_F(LoggingTest, DebugLevelWritesDebugLines) {
  options_.level = "debug";
  Start();

  Debug("debug_event");
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("analytics.log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["level"], "debug");
}

TEST_F(LoggingTest, UnknownLevelMeansInfo) {
  options_.level = "verbose";
  Start();

  Debug("debug_event");
  Info("info_event");
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("analytics.log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["event"], "info_event");
}

TEST_F(LoggingTest, ErrorGoesToBothFilesWarnOnlyToAnalytics) {
  Start();

  Warn("cache_degraded", {{"cache", "redis"}});
  Error("database_down", {{"error", "connection refused"}});
  Shutdown();

  const std::vector<std::string> errors = ReadLines(File("error.log"));
  ASSERT_EQ(errors.size(), 1u);
  std::smatch match;
  ASSERT_TRUE(
      std::regex_match(errors[0], match, std::regex(R"((\S+Z) ERROR database_down (\{.*\}))")))
      << errors[0];
  EXPECT_EQ(nlohmann::json::parse(match[2].str())["error"], "connection refused");
  EXPECT_EQ(ReadLines(File("analytics.log")).size(), 2u);
}

TEST_F(LoggingTest, ErrorLineIsOnDiskWithoutShutdown) {
  Start();

  Error("database_down");

  // flush_on(error): readable at once, no wait for the periodic flush.
  ASSERT_EQ(ReadLines(File("error.log")).size(), 1u);
  EXPECT_EQ(ReadLines(File("analytics.log")).size(), 1u);
}

TEST_F(LoggingTest, AccessLinesAreVerbatimAndNeverSplit) {
  Start();
  const std::string line =
      R"(127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "GET /health HTTP/1.1" 200 21 "-" "curl/8" 0.001 req-1)";

  Access(line);
  Access("10.0.0.1 - - \"GET /x\ninjected\" 400");
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("access.log"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], line);
  EXPECT_EQ(lines[1], "10.0.0.1 - - \"GET /x\\ninjected\" 400");
}

TEST_F(LoggingTest, JobLinesGoToTheJobsFile) {
  Start();

  Job("daily_aggregation", "job_started", {{"run_id", std::int64_t{7}}});
  Job("../escape", "job_started");
  Shutdown();

  const std::vector<std::string> lines = ReadLines(dir_.path() + "/jobs/daily_aggregation.log");
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json line = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(line["event"], "job_started");
  EXPECT_EQ(line["job"], "daily_aggregation");
  EXPECT_EQ(line["run_id"], 7);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/jobs/___escape.log"));
}

TEST_F(LoggingTest, EmbeddedNewlinesStayInOneLine) {
  Start();

  Info("multi\nline", {{"text", "a\nb\r\nc"}, {"bad\"name", "\x01"}});
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("analytics.log"));
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json line = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(line["event"], "multi\nline");
  EXPECT_EQ(line["text"], "a\nb\r\nc");
  EXPECT_EQ(line["bad\"name"], "\x01");
}

TEST_F(LoggingTest, RotatesPastMaxFileBytes) {
  options_.max_file_bytes = 4096;
  options_.max_files = 2;
  Start();

  for (int i = 0; i < 200; ++i) Info("filler", {{"text", std::string(100, 'x')}});
  Shutdown();

  EXPECT_TRUE(std::filesystem::exists(File("analytics.1.log")));
  EXPECT_TRUE(std::filesystem::exists(File("analytics.2.log")));
  EXPECT_FALSE(std::filesystem::exists(File("analytics.3.log")));
  EXPECT_LE(std::filesystem::file_size(File("analytics.log")), 4096u);
}

TEST_F(LoggingTest, ConcurrentLinesAreWholeAndAllThere) {
  Start();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i) Info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  Shutdown();

  const std::vector<std::string> lines = ReadLines(File("analytics.log"));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (const std::string& line : lines) ASSERT_TRUE(nlohmann::json::accept(line)) << line;
}

TEST(Logging, SetupFailsWhenFolderCannotBeCreated) {
  ScratchDir dir;
  std::ofstream(dir.path() + "/file") << "not a folder";
  config::LoggingOptions options;
  options.dir = dir.path() + "/file/logs";

  Result<void> setup = logging::Setup(options);

  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(setup.error().message.find(options.dir), std::string::npos);
}

TEST(Logging, WithoutSetupWarningsGoToStderrAsJson) {
  testing::internal::CaptureStderr();
  Info("quiet");
  Warn("loud", {{"n", 1}});
  Access("dropped");
  const std::string err = testing::internal::GetCapturedStderr();

  EXPECT_EQ(err.find("quiet"), std::string::npos);
  ASSERT_FALSE(err.empty());
  ASSERT_EQ(err.back(), '\n');
  const nlohmann::json line = nlohmann::json::parse(err.substr(0, err.size() - 1));
  EXPECT_EQ(line["event"], "loud");
  EXPECT_EQ(line["level"], "warn");
  EXPECT_EQ(line["n"], 1);
}

TEST(JsonEscape, QuotesAndBackslashes) {
  EXPECT_EQ(JsonEscape(R"(say "hi" \o/)"), R"(say \"hi\" \\o/)");
}

TEST(JsonEscape, NewlinesAndControlCharacters) {
  EXPECT_EQ(JsonEscape("a\nb\tc\r"), "a\\nb\\tc\\r");
  EXPECT_EQ(JsonEscape(std::string_view("\x01\x1f\0", 3)), "\\u0001\\u001f\\u0000");
}

TEST(JsonEscape, ValidUtf8PassesThrough) {
  EXPECT_EQ(JsonEscape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(JsonEscape, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(JsonEscape("a\xff"
                       "b"),
            "a\\ufffdb");
  EXPECT_EQ(JsonEscape("\xc3"), "\\ufffd");  // truncated
  EXPECT_EQ(JsonEscape("\xe2\x82"
                       "x"),
            "\\ufffdx");                                           // truncated, one maximal subpart
  EXPECT_EQ(JsonEscape("\xc0\xaf"), "\\ufffd\\ufffd");             // overlong
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
  EXPECT_EQ(JsonEscape("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
  EXPECT_TRUE(nlohmann::json::accept("\"" + JsonEscape("\x80\xfe\xc3(") + "\""));
}

}  // namespace
}  // namespace analytics::logging

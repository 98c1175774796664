// Reading the logs back: access.log lines as api/access_log.cc writes them,
// error.log windows, rotated copies; the latency histogram.
#include "ops/log_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "api/access_log.h"
#include "ops/latency_histogram.h"
#include "support/temp_dir.h"

namespace analytics::ops {
namespace {

Time At(const char* text) { return ParseTime(text).value(); }

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(AccessLine, ParsesWhatTheServerWrites) {
  http::Request request;
  request.remote_address = "10.0.0.7";
  request.method = http::Method::kPost;
  request.method_text = "POST";
  request.target = "/api/v1/users/u%22x/tasks?limit=5";
  request.request_id = "rid-1";
  request.headers.emplace_back("user-agent", "curl \"quoted\" 8");
  http::Response response;
  response.status = 429;
  response.log_note = "RateLimitExceeded";
  const std::string line =
      api::FormatAccessLine(request, "alice", response, 123, std::chrono::microseconds(41250),
                            At("2024-01-15T10:02:03Z"));

  auto parsed = ParseAccessLine(line);

  ASSERT_TRUE(parsed.has_value()) << line;
  EXPECT_EQ(parsed->remote, "10.0.0.7");
  EXPECT_EQ(parsed->at, At("2024-01-15T10:02:03Z"));
  EXPECT_EQ(parsed->method, "POST");
  EXPECT_EQ(parsed->path, "/api/v1/users/u%22x/tasks");
  EXPECT_EQ(parsed->status, 429);
  EXPECT_DOUBLE_EQ(parsed->latency_s, 0.04125);
  EXPECT_EQ(parsed->note, "RateLimitExceeded");
}

TEST(AccessLine, RefusesOtherShapes) {
  EXPECT_FALSE(ParseAccessLine("").has_value());
  // A line the server is still writing, cut right after the request.
  EXPECT_FALSE(
      ParseAccessLine("1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\"").has_value());
  EXPECT_FALSE(
      ParseAccessLine("1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" "
                      "\"curl\" rt=inf")
          .has_value());
  EXPECT_FALSE(ParseAccessLine("hello world").has_value());
  EXPECT_FALSE(ParseAccessLine("1.2.3.4 - - [99/Foo/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200")
                   .has_value());
}

TEST(LogFiles, ListsRotatedCopiesOldestFirstAndSkipsCompressed) {
  test::TempDir dir;
  for (const char* name : {"error.log", "error.1.log", "error.2.log", "error.log.3",
                           "error.log.4.gz", "errors.log", "access.log"}) {
    Write(dir.File(name), "x\n");
  }

  LogFiles files = FindLogFiles(dir.path(), "error");

  ASSERT_EQ(files.paths.size(), 4u);
  EXPECT_EQ(files.paths[0], dir.File("error.log.3"));
  EXPECT_EQ(files.paths[1], dir.File("error.2.log"));
  EXPECT_EQ(files.paths[2], dir.File("error.1.log"));
  EXPECT_EQ(files.paths[3], dir.File("error.log"));
  ASSERT_EQ(files.compressed.size(), 1u);
}

TEST(ErrorLog, CountsOnlyErrorLinesInsideTheWindow) {
  test::TempDir dir;
  Write(dir.File("error.1.log"), "2024-01-14T09:00:00.000Z ERROR old_failure {}\n");
  Write(dir.File("error.log"),
        "2024-01-15T09:59:59.999Z ERROR just_before {}\n"
        "2024-01-15T10:00:00.000Z ERROR db_down {\"error\":\"refused\"}\n"
        "2024-01-15T11:30:00.250Z ERROR handler_threw {}\n"
        "not a dated line but it says ERROR\n"
        "2024-01-15T11:31:00.000Z INFO nothing\n");

  auto count = CountErrorLines(dir.path(), At("2024-01-15T10:00:00Z"));

  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(count->errors, 2);
  EXPECT_EQ(count->undated, 1);
  EXPECT_EQ(count->last, "2024-01-15T11:30:00.250Z ERROR handler_threw {}");
}

TEST(ErrorLog, NoLogFolderIsNoErrors) {
  auto count = CountErrorLines("/nonexistent/analytics-logs", At("2024-01-15T10:00:00Z"));
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->errors, 0);
}

TEST(LatencyHistogram, PercentilesAreWithinTwoPercentOfTheExactOnes) {
  std::mt19937 random(7);
  std::lognormal_distribution<double> latency(std::log(0.004), 1.2);
  std::vector<double> values;
  LatencyHistogram histogram;
  for (int i = 0; i < 20'000; ++i) {
    values.push_back(latency(random));
    histogram.Add(values.back());
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.95, 0.99}) {
    const double exact = values[std::size_t(std::ceil(q * double(values.size()))) - 1];
    EXPECT_NEAR(histogram.Quantile(q), exact, exact * 0.021) << q;
  }
  EXPECT_EQ(histogram.count(), 20'000u);
  EXPECT_EQ(LatencyHistogram().Quantile(0.5), 0);
}

}  // namespace
}  // namespace analytics::ops

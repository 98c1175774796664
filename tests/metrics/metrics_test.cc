#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace analytics::metrics {
namespace {

using std::chrono::milliseconds;

// Checks `text` line by line as Prometheus text format 0.0.4: comments are
// well-formed HELP/TYPE lines, each TYPE appears once and before its samples,
// and every other line is `name{label="value",...} value`. Returns the
// problems found (empty when valid).
std::vector<std::string> Validate(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*))"
      R"((\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*,?\})?)"
      R"( (NaN|[+-]Inf|[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?)( -?[0-9]+)?)");
  std::vector<std::string> problems;
  std::set<std::string> typed;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::smatch match;
    const std::string where = "line " + std::to_string(number) + ": " + line;
    if (line.empty()) continue;
    if (line.starts_with("# HELP")) {
      if (!std::regex_match(line, kHelp)) problems.push_back("bad HELP, " + where);
    } else if (line.starts_with("# TYPE")) {
      if (!std::regex_match(line, match, kType)) {
        problems.push_back("bad TYPE, " + where);
      } else if (!typed.insert(match[1]).second) {
        problems.push_back("duplicate TYPE, " + where);
      }
    } else if (line.starts_with("#")) {
      continue;
    } else if (!std::regex_match(line, match, kSample)) {
      problems.push_back("bad sample, " + where);
    } else {
      std::string family = match[1];
      for (std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (!typed.count(family) && family.ends_with(suffix)) {
          family.resize(family.size() - suffix.size());
        }
      }
      if (!typed.count(family)) problems.push_back("sample before its TYPE, " + where);
    }
  }
  return problems;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The value of the one line that starts with `prefix` (name plus labels).
std::optional<double> ValueOf(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix + " ")) return std::stod(line.substr(prefix.size() + 1));
  }
  return std::nullopt;
}

TEST(Validator, RejectsMalformedLines) {
  EXPECT_TRUE(Validate("# TYPE a counter\na 1\na{x=\"y\"} 2.5\n").empty());
  EXPECT_FALSE(Validate("# TYPE a counter\na{x=y} 1\n").empty());
  EXPECT_FALSE(Validate("# TYPE a counter\na 1 2 3\n").empty());
  EXPECT_FALSE(Validate("a 1\n").empty());
  EXPECT_FALSE(Validate("# TYPE a counter\n# TYPE a counter\n").empty());
}

TEST(Metrics, RenderHasRequestFamiliesWithLabels) {
  Metrics metrics;

  metrics.ObserveRequest("/api/v1/users/{uid}/tasks", "GET", 200, milliseconds(3));
  metrics.ObserveRequest("/api/v1/users/{uid}/tasks", "GET", 200, milliseconds(30));
  metrics.ObserveRequest("/api/v1/users/{uid}/tasks", "POST", 400, milliseconds(1));
  const std::string text = metrics.Render();

  EXPECT_TRUE(Contains(text, "# TYPE analytics_http_requests_total counter\n"));
  EXPECT_TRUE(Contains(text, "# TYPE analytics_http_request_duration_seconds histogram\n"));
  EXPECT_EQ(
      ValueOf(
          text,
          R"(analytics_http_requests_total{method="GET",route="/api/v1/users/{uid}/tasks",status="200"})"),
      2);
  EXPECT_EQ(
      ValueOf(
          text,
          R"(analytics_http_requests_total{method="POST",route="/api/v1/users/{uid}/tasks",status="400"})"),
      1);
  EXPECT_EQ(
      ValueOf(
          text,
          R"(analytics_http_request_duration_seconds_count{method="GET",route="/api/v1/users/{uid}/tasks"})"),
      2);
  EXPECT_EQ(
      ValueOf(
          text,
          R"(analytics_http_request_duration_seconds_bucket{method="GET",route="/api/v1/users/{uid}/tasks",le="0.005"})"),
      1);
  EXPECT_EQ(
      ValueOf(
          text,
          R"(analytics_http_request_duration_seconds_bucket{method="GET",route="/api/v1/users/{uid}/tasks",le="10"})"),
      2);
  EXPECT_TRUE(Contains(text, R"(le="0.0005")"));
  EXPECT_TRUE(Validate(text).empty()) << testing::PrintToString(Validate(text));
}

TEST(Metrics, RenderHasTheOtherFamilies) {
  Metrics metrics;

  metrics.CountRateLimited();
  metrics.CountRateLimited();
  metrics.ObserveQuery("task_insert", milliseconds(2));
  metrics.CountError("database");
  metrics.CountStatsRequest("completion_rate");
  metrics.CountExport("csv");
  const std::string text = metrics.Render();

  EXPECT_EQ(ValueOf(text, "analytics_rate_limited_requests_total"), 2);
  EXPECT_TRUE(Contains(text, "# TYPE analytics_db_query_duration_seconds histogram\n"));
  EXPECT_EQ(ValueOf(text, R"(analytics_db_query_duration_seconds_count{operation="task_insert"})"),
            1);
  EXPECT_EQ(ValueOf(text, R"(analytics_errors_total{kind="database"})"), 1);
  EXPECT_EQ(ValueOf(text, R"(analytics_stats_requests_total{stat="completion_rate"})"), 1);
  EXPECT_EQ(ValueOf(text, R"(analytics_export_requests_total{format="csv"})"), 1);
  EXPECT_TRUE(Validate(text).empty()) << testing::PrintToString(Validate(text));
}

TEST(Metrics, RateLimitedCounterIsExportedBeforeFirstUse) {
  Metrics metrics;

  EXPECT_EQ(ValueOf(metrics.Render(), "analytics_rate_limited_requests_total"), 0);
}

TEST(Metrics, SourceSamplesAppearGroupedAndEscaped) {
  Metrics metrics;
  metrics.AddSource([] {
    return std::vector<Sample>{
        {"analytics_cache_hits_total", "Cache hits.", Sample::Type::kCounter, {}, 7},
        {"analytics_db_pool_connections",
         "Pool use.",
         Sample::Type::kGauge,
         {{"state", "idle"}},
         3},
    };
  });
  metrics.AddSource([] {
    return std::vector<Sample>{
        {"analytics_db_pool_connections",
         "Pool use.",
         Sample::Type::kGauge,
         {{"state", "busy"}},
         2},
        {"analytics_odd_labels",
         "Odd \\ help\nline.",
         Sample::Type::kGauge,
         {{"v", "a\"b\\c\nd"}},
         0.25},
        {"bad name", "Skipped.", Sample::Type::kGauge, {}, 1},
        {"analytics_errors_total", "Collides with a family.", Sample::Type::kCounter, {}, 1},
    };
  });

  const std::string text = metrics.Render();

  EXPECT_TRUE(Contains(text,
                       "# HELP analytics_cache_hits_total Cache hits.\n"
                       "# TYPE analytics_cache_hits_total counter\n"
                       "analytics_cache_hits_total 7\n"));
  EXPECT_TRUE(Contains(text,
                       "# TYPE analytics_db_pool_connections gauge\n"
                       "analytics_db_pool_connections{state=\"idle\"} 3\n"
                       "analytics_db_pool_connections{state=\"busy\"} 2\n"));
  EXPECT_TRUE(Contains(text, "# HELP analytics_odd_labels Odd \\\\ help\\nline.\n"));
  EXPECT_TRUE(Contains(text, R"(analytics_odd_labels{v="a\"b\\c\nd"} 0.25)"));
  EXPECT_FALSE(Contains(text, "bad name"));
  EXPECT_FALSE(Contains(text, "Collides"));
  EXPECT_TRUE(Validate(text).empty()) << testing::PrintToString(Validate(text));
}

TEST(Metrics, ProcessMetricsArePresent) {
  Metrics metrics;

  const std::string text = metrics.Render();

  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    EXPECT_TRUE(Contains(text, std::string("# TYPE ") + name + " ")) << name;
    EXPECT_TRUE(ValueOf(text, name).has_value()) << name;
  }
  EXPECT_GT(*ValueOf(text, "process_resident_memory_bytes"), 0);
  EXPECT_GT(*ValueOf(text, "process_open_fds"), 2);
  // Started after 2020-01-01 and not in the future.
  EXPECT_GT(*ValueOf(text, "process_start_time_seconds"), 1577836800);
  EXPECT_LE(
      *ValueOf(text, "process_start_time_seconds"),
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() +
          1);
  EXPECT_TRUE(Validate(text).empty()) << testing::PrintToString(Validate(text));
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
  Metrics metrics;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.ObserveRequest(i % 2 ? "/a" : "/b", "GET", 200 + t, milliseconds(1));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.Render();

  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ValueOf(text, "analytics_http_requests_total{method=\"GET\",route=\"/a\",status=\"" +
                                std::to_string(200 + t) + "\"}"),
              kPerThread / 2);
  }
  EXPECT_EQ(
      ValueOf(text, R"(analytics_http_request_duration_seconds_count{method="GET",route="/b"})"),
      kThreads * kPerThread / 2);
}

}  // namespace
}  // namespace analytics::metrics

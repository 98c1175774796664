// The fast path over HTTP (Api::TryFast): cached overview and stat reads
// answered on the I/O thread must be indistinguishable from the worker path
// (same body, headers, access checks, rate limits, metrics, access log).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "api_test_util.h"
#include "logging/log.h"

namespace analytics::apitest {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A sample of the /metrics exposition; -1 when missing.
double MetricValue(const std::string& text, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("(^|\n)" + name + " ([0-9.e+-]+)"))) return -1;
  return std::stod(m[2]);
}

// The value of the sample line that starts with `series` (name and labels
// exactly as exposed); 0 when there is none.
double SeriesValue(const std::string& text, const std::string& series) {
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    start = end + 1;
  }
  return 0;
}

class FastPathApiTest : public ApiTest {
 protected:
  FastPathApiTest() : ApiTest() {}

  // Cache hits and misses as /metrics shows them.
  std::pair<double, double> HitsAndMisses() {
    HttpResult r = Admin().Get("/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    return {MetricValue(r.body, "analytics_cache_hits_total"),
            MetricValue(r.body, "analytics_cache_misses_total")};
  }
};

TEST_P(FastPathApiTest, SecondOverviewReadIsAHitWithTheSameBody) {
  const std::string token = app_.CreateUser("f1");
  Client user = As(token);
  CreateTask(user, "f1", Json{{"title", "t"}, {"status", "done"}});
  // The write cached the overview (write-through); drop it to start cold.
  ASSERT_EQ(Admin().Post("/api/v1/admin/cache/invalidate", Json{{"user_id", "f1"}}).status, 200);

  HttpResult first = user.Get(AnalyticsPath("f1", "overview"));
  HttpResult second = user.Get(AnalyticsPath("f1", "overview"));
  HttpResult third = user.Get(AnalyticsPath("f1", "overview"));

  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("x-cache"), "miss");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Header("x-cache"), "hit");
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(third.Header("x-cache"), "hit");
  EXPECT_EQ(third.body, first.body);
  EXPECT_EQ(second.Header("content-type"), first.Header("content-type"));
  EXPECT_FALSE(second.Header("age").empty());
  EXPECT_EQ(second.Header("cache-control"), first.Header("cache-control"));
  EXPECT_EQ(Body(second)["task_totals"]["done"], 1) << second.body;
}

TEST_P(FastPathApiTest, StatReadsAreServedFromTheCacheToo) {
  const std::string token = app_.CreateUser("f2");
  Client user = As(token);
  for (const char* stat : {"completion_rate", "task_totals", "productivity_score"}) {
    HttpResult first = user.Get(AnalyticsPath("f2", stat));
    HttpResult second = user.Get(AnalyticsPath("f2", stat));
    ASSERT_EQ(first.status, 200) << stat << first.body;
    EXPECT_EQ(first.Header("x-cache"), "miss") << stat;
    ASSERT_EQ(second.status, 200) << stat << second.body;
    EXPECT_EQ(second.Header("x-cache"), "hit") << stat;
    EXPECT_EQ(second.body, first.body) << stat;
    EXPECT_TRUE(Body(second).contains(stat)) << second.body;
  }
}

// A fast-path miss goes on to the worker, whose Get counts the miss: once.
TEST_P(FastPathApiTest, MetricsCountOneMissThenOneHit) {
  const std::string token = app_.CreateUser("f3");
  Client user = As(token);
  // Puts the token into the token cache, so the next overview read takes the
  // fast path (and misses there) rather than being declined.
  ASSERT_EQ(user.Get(UserPath("f3")).status, 200);
  const auto [hits0, misses0] = HitsAndMisses();
  ASSERT_GE(hits0, 0);
  ASSERT_GE(misses0, 0);

  HttpResult miss = user.Get(AnalyticsPath("f3", "overview"));
  ASSERT_EQ(miss.Header("x-cache"), "miss");
  const auto [hits1, misses1] = HitsAndMisses();
  EXPECT_EQ(hits1, hits0);
  EXPECT_EQ(misses1, misses0 + 1);

  HttpResult hit = user.Get(AnalyticsPath("f3", "overview"));
  ASSERT_EQ(hit.Header("x-cache"), "hit");
  const auto [hits2, misses2] = HitsAndMisses();
  EXPECT_EQ(hits2, hits1 + 1);
  EXPECT_EQ(misses2, misses1);

  HttpResult stat_miss = user.Get(AnalyticsPath("f3", "completion_rate"));
  HttpResult stat_hit = user.Get(AnalyticsPath("f3", "completion_rate"));
  ASSERT_EQ(stat_miss.Header("x-cache"), "miss");
  ASSERT_EQ(stat_hit.Header("x-cache"), "hit");
  const auto [hits3, misses3] = HitsAndMisses();
  EXPECT_EQ(hits3, hits2 + 1);
  EXPECT_EQ(misses3, misses2 + 1);
}

// Request and stats metrics count each fast-path answer once, like the
// worker path does.
TEST_P(FastPathApiTest, RequestMetricsCountEachFastAnswerOnce) {
  const std::string token = app_.CreateUser("mm");
  Client user = As(token);
  const std::string requests =
      "analytics_http_requests_total{method=\"GET\",route=\"/api/v1/users/{uid}/analytics/"
      "overview\",status=\"200\"}";
  const std::string stats = "analytics_stats_requests_total{stat=\"overview\"}";
  const std::string before = Admin().Get("/metrics").body;
  constexpr int kReads = 5;
  for (int i = 0; i < kReads; ++i) {
    ASSERT_EQ(user.Get(AnalyticsPath("mm", "overview")).status, 200);
  }
  std::string after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {  // the observer runs after the last byte is written
    after = Admin().Get("/metrics").body;
  } while (SeriesValue(after, requests) < SeriesValue(before, requests) + kReads &&
           std::chrono::steady_clock::now() < deadline);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  after = Admin().Get("/metrics").body;

  EXPECT_EQ(SeriesValue(after, requests), SeriesValue(before, requests) + kReads) << after;
  EXPECT_EQ(SeriesValue(after, stats), SeriesValue(before, stats) + kReads) << after;
}

// Read-your-writes through the fast path: after each write, the cached reads
// show it (the write refreshed or dropped what was cached).
TEST_P(FastPathApiTest, CachedReadsFollowEachWrite) {
  const std::string token = app_.CreateUser("rw");
  Client user = As(token);
  ASSERT_EQ(user.Get(AnalyticsPath("rw", "overview")).status, 200);
  for (int i = 1; i <= 6; ++i) {
    const Json task = CreateTask(user, "rw", "task " + std::to_string(i));
    for (int read = 0; read < 2; ++read) {
      HttpResult overview = user.Get(AnalyticsPath("rw", "overview"));
      ASSERT_EQ(overview.status, 200);
      EXPECT_EQ(Body(overview)["task_totals"]["total"], i) << overview.body;
      EXPECT_EQ(Body(overview)["task_totals"]["done"], (i - 1) / 2) << overview.body;
      HttpResult totals = user.Get(AnalyticsPath("rw", "task_totals"));
      EXPECT_EQ(Body(totals)["task_totals"]["total"], i) << totals.body;
      HttpResult rate = user.Get(AnalyticsPath("rw", "completion_rate"));
      ASSERT_EQ(rate.status, 200);
      const double want = 100.0 * ((i - 1) / 2) / i;
      EXPECT_NEAR(Body(rate)["completion_rate"].get<double>(), want, 0.01) << rate.body;
    }
    if (i % 2 == 0) {
      HttpResult done =
          user.Patch(TaskPath("rw", task["id"].get<std::int64_t>()), Json{{"status", "done"}});
      ASSERT_EQ(done.status, 200) << done.body;
      // Checked on the next rounds: (i - 1) / 2 done tasks after task i.
    }
  }
}

// Many clients reading their own cached overviews at once: every answer is
// the caller's own (the batched reads are never handed to the wrong request).
TEST_P(FastPathApiTest, ConcurrentCachedReadsEachGetTheirOwnUser) {
  constexpr int kUsers = 8, kReads = 60;
  std::vector<std::string> tokens;
  for (int u = 0; u < kUsers; ++u) {
    const std::string uid = "cu" + std::to_string(u);
    tokens.push_back(app_.CreateUser(uid));
    Client client = As(tokens.back());
    for (int t = 0; t <= u; ++t) CreateTask(client, uid, "t" + std::to_string(t));
    ASSERT_EQ(client.Get(AnalyticsPath(uid, "overview")).status, 200);
  }
  // A 503 is a read that went to the database (the token cache's trust
  // lapsed) and met a starved machine: tolerated, counted. A 200 with
  // someone else's numbers, or any other status, is a failure.
  std::atomic<int> good{0}, hits{0}, unavailable{0};
  std::mutex mu;
  std::vector<std::string> wrong;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kUsers; ++t) {
    threads.emplace_back([&, t] {
      const int u = t % kUsers;
      const std::string uid = "cu" + std::to_string(u);
      Client client = As(tokens[static_cast<std::size_t>(u)]);
      for (int i = 0; i < kReads; ++i) {
        const bool stat = i % 3 == 2;
        HttpResult r = client.Get(AnalyticsPath(uid, stat ? "task_totals" : "overview"));
        const Json body = Body(r);
        if (r.status == 200 && body.is_object() && body.value("user_id", "") == uid &&
            body["task_totals"]["total"] == u + 1) {
          ++good;
          if (r.Header("x-cache") == "hit") ++hits;
        } else if (r.status == 503) {
          ++unavailable;
        } else {
          std::lock_guard lock(mu);
          wrong.push_back(uid + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_TRUE(wrong.empty()) << wrong.size() << " wrong answers";
  for (std::size_t i = 0; i < wrong.size() && i < 5; ++i) ADD_FAILURE() << wrong[i];
  EXPECT_EQ(good.load() + unavailable.load(), 2 * kUsers * kReads);
  EXPECT_LE(unavailable.load(), kReads / 4) << "too many 503s";
  EXPECT_GT(hits.load(), kUsers * kReads);  // most of them from the cache
}

TEST_P(FastPathApiTest, AnotherUsersTokenOnACachedOverviewIs403) {
  const std::string alice = app_.CreateUser("alice");
  const std::string bob = app_.CreateUser("bob");
  Client a = As(alice);
  Client b = As(bob);
  ASSERT_EQ(a.Get(AnalyticsPath("alice", "overview")).status, 200);
  HttpResult cached = a.Get(AnalyticsPath("alice", "overview"));
  ASSERT_EQ(cached.Header("x-cache"), "hit");
  ASSERT_EQ(b.Get(UserPath("bob")).status, 200);  // bob's token is in the token cache too

  for (const char* what : {"overview", "completion_rate"}) {
    (void)a.Get(AnalyticsPath("alice", what));  // cached for alice
    HttpResult r = b.Get(AnalyticsPath("alice", what));
    EXPECT_TRUE(IsProblem(r, 403)) << what;
    EXPECT_EQ(r.body.find("\"user_id\":\"alice\""), std::string::npos) << r.body;
    EXPECT_EQ(r.Header("x-cache"), "") << what;
  }
  // And no token, or a made-up one, on the cached overview: 401.
  EXPECT_TRUE(IsProblem(Anonymous().Get(AnalyticsPath("alice", "overview")), 401));
  EXPECT_TRUE(IsProblem(As("made-up-token").Get(AnalyticsPath("alice", "overview")), 401));
}

TEST_P(FastPathApiTest, RotatedTokenIs401AtOnceOnACachedOverview) {
  const std::string old_token = app_.CreateUser("rot");
  Client old_client = As(old_token);
  ASSERT_EQ(old_client.Get(AnalyticsPath("rot", "overview")).status, 200);
  ASSERT_EQ(old_client.Get(AnalyticsPath("rot", "overview")).Header("x-cache"), "hit");

  HttpResult rotated = old_client.Post(UserPath("rot") + "/tokens", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string new_token = Body(rotated)["token"].get<std::string>();
  ASSERT_NE(new_token, old_token);

  HttpResult stale = old_client.Get(AnalyticsPath("rot", "overview"));
  EXPECT_TRUE(IsProblem(stale, 401)) << stale.body;
  EXPECT_TRUE(IsProblem(As(old_token).Get(AnalyticsPath("rot", "completion_rate")), 401));
  HttpResult fresh = As(new_token).Get(AnalyticsPath("rot", "overview"));
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  // The cached overview itself is still good for the new token.
  HttpResult again = As(new_token).Get(AnalyticsPath("rot", "overview"));
  EXPECT_EQ(again.Header("x-cache"), "hit");
}

TEST_P(FastPathApiTest, AdminReadsAnyUsersCachedOverview) {
  const std::string token = app_.CreateUser("owned");
  Client user = As(token);
  HttpResult first = user.Get(AnalyticsPath("owned", "overview"));
  ASSERT_EQ(first.status, 200);
  Client admin = Admin();

  HttpResult by_admin = admin.Get(AnalyticsPath("owned", "overview"));
  HttpResult again = admin.Get(AnalyticsPath("owned", "overview"));

  ASSERT_EQ(by_admin.status, 200) << by_admin.body;
  EXPECT_EQ(by_admin.Header("x-cache"), "hit");
  EXPECT_EQ(by_admin.body, first.body);
  EXPECT_EQ(again.Header("x-cache"), "hit");
  // An unknown user's overview is never "cached": 404 for the admin.
  EXPECT_TRUE(IsProblem(admin.Get(AnalyticsPath("nobody", "overview")), 404));
  EXPECT_TRUE(IsProblem(admin.Get(AnalyticsPath("nobody", "overview")), 404));
}

TEST_P(FastPathApiTest, UnknownMetricIs404EvenForACachedUser) {
  const std::string token = app_.CreateUser("m1");
  Client user = As(token);
  ASSERT_EQ(user.Get(AnalyticsPath("m1", "overview")).status, 200);
  ASSERT_EQ(user.Get(AnalyticsPath("m1", "overview")).Header("x-cache"), "hit");

  for (const char* metric : {"no_such_metric", "overviewx", "gen", "epoch", "auth"}) {
    EXPECT_TRUE(IsProblem(user.Get(AnalyticsPath("m1", metric)), 404)) << metric;
  }
  EXPECT_TRUE(IsProblem(Admin().Get(AnalyticsPath("m1", "no_such_metric")), 404));
}

TEST_P(FastPathApiTest, HeadOfACachedOverviewHasNoBody) {
  const std::string token = app_.CreateUser("h1");
  Client user = As(token);
  HttpResult get = user.Get(AnalyticsPath("h1", "overview"));
  ASSERT_EQ(get.status, 200);
  analytics::testing::Connection connection(port());
  HttpResult head =
      connection.Send("HEAD", AnalyticsPath("h1", "overview"), {}, {test::TestApp::Auth(token)});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  HttpResult after = connection.Get(AnalyticsPath("h1", "overview"), {test::TestApp::Auth(token)});
  EXPECT_EQ(after.body, get.body);  // the connection is still in sync
}

// Access log: one line per request, fast-path answers included, with the user.
TEST_P(FastPathApiTest, AccessLogHasOneLinePerFastPathRequest) {
  config::LoggingOptions options;
  options.dir = app_.dir() + "/fastlog";
  ASSERT_TRUE(logging::Setup(options, options.dir + "/jobs").ok());
  struct ShutdownAtEnd {
    ~ShutdownAtEnd() { logging::Shutdown(); }
  } shutdown_at_end;

  const std::string token = app_.CreateUser("logged");
  Client user = As(token);
  constexpr int kReads = 6;
  for (int i = 0; i < kReads; ++i) {
    HttpResult r = user.Get(AnalyticsPath("logged", "overview"),
                            {{"X-Request-Id", "fastlog-" + std::to_string(i)}});
    ASSERT_EQ(r.status, 200);
    if (i > 0) {
      ASSERT_EQ(r.Header("x-cache"), "hit") << i;
    }
  }

  const std::string log_path = options.dir + "/access.log";
  std::string log;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    logging::Flush();
    log = ReadFile(log_path);
    if (log.find("fastlog-" + std::to_string(kReads - 1)) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // room for a duplicate
  logging::Flush();
  log = ReadFile(log_path);
  for (int i = 0; i < kReads; ++i) {
    const std::string rid = "rid=fastlog-" + std::to_string(i);
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < log.size();) {
      std::size_t end = log.find('\n', start);
      if (end == std::string::npos) end = log.size();
      std::string line = log.substr(start, end - start);
      const std::size_t at = line.find(rid);
      if (at != std::string::npos &&
          (at + rid.size() == line.size() || line[at + rid.size()] == ' ')) {
        lines.push_back(line);
      }
      start = end + 1;
    }
    ASSERT_EQ(lines.size(), 1u) << rid << " in:\n" << log;
    EXPECT_NE(lines[0].find(" logged "), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"GET /api/v1/users/logged/analytics/overview HTTP/1.1\" 200"),
              std::string::npos)
        << lines[0];
  }
  EXPECT_EQ(log.find(token), std::string::npos) << "token written to the access log";
}

// Cached reads are rate limited like any other, charged once each.
class FastPathRateLimitApiTest : public ApiTest {
 protected:
  static constexpr int kBurst = 5;
  FastPathRateLimitApiTest()
      : ApiTest([](config::Config& c) {
          c.rate_limit.enabled = true;
          c.rate_limit.requests_per_second = 1;
          c.rate_limit.burst = kBurst;
        }) {}
};

TEST_P(FastPathRateLimitApiTest, BurstOfCachedReadsGetsExactlyBurstSuccessesThen429) {
  const std::string token = app_.CreateUser("rl");
  // Warm the overview with the admin (its own bucket), so every read of the
  // user is a cache hit, or a fast-path miss at most.
  ASSERT_EQ(Admin().Get(AnalyticsPath("rl", "overview")).status, 200);
  Client user = As(token);

  std::vector<HttpResult> results;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kBurst + 3; ++i) results.push_back(user.Get(AnalyticsPath("rl", "overview")));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_LT(took, std::chrono::milliseconds(900)) << "too slow for the refill not to matter";

  int ok = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].status == 200) {
      ++ok;
      EXPECT_LT(static_cast<int>(i), kBurst) << "a 200 after a 429";
    } else {
      EXPECT_TRUE(IsProblem(results[i], 429)) << i;
      const std::string retry_after = results[i].Header("retry-after");
      ASSERT_FALSE(retry_after.empty()) << i;
      EXPECT_EQ(retry_after.find_first_not_of("0123456789"), std::string::npos) << retry_after;
      EXPECT_GE(std::stoi(retry_after), 1);
    }
  }
  EXPECT_EQ(ok, kBurst);
  EXPECT_EQ(results[1].Header("x-cache"), "hit");
}

// A read that takes the fast path and misses there is charged once, not
// again when the worker answers it.
TEST_P(FastPathRateLimitApiTest, FastPathMissIsChargedOnce) {
  const std::string token = app_.CreateUser("rm");
  Client user = As(token);
  ASSERT_EQ(user.Get(UserPath("rm")).status, 200);  // 1: token now cached
  std::vector<HttpResult> results;
  const auto start = std::chrono::steady_clock::now();
  // 2..: overview (fast-path miss, then hits), then completion_rate (miss, hits).
  for (const char* what :
       {"overview", "overview", "completion_rate", "completion_rate", "overview", "overview"}) {
    results.push_back(user.Get(AnalyticsPath("rm", what)));
  }
  ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));

  int ok = 1;
  for (const HttpResult& r : results) ok += r.status == 200 ? 1 : 0;
  EXPECT_EQ(ok, kBurst);
  EXPECT_EQ(results[0].Header("x-cache"), "miss");
  EXPECT_EQ(results[1].Header("x-cache"), "hit");
  EXPECT_EQ(results[2].Header("x-cache"), "miss");
  EXPECT_TRUE(IsProblem(results[4], 429));
  EXPECT_TRUE(IsProblem(results[5], 429));
}

TEST_P(FastPathRateLimitApiTest, AnotherTokensBucketIsUntouched) {
  const std::string a = app_.CreateUser("ra");
  const std::string b = app_.CreateUser("rb");
  Client ca = As(a);
  Client cb = As(b);
  for (int i = 0; i < kBurst; ++i) ASSERT_EQ(ca.Get(AnalyticsPath("ra", "overview")).status, 200);
  EXPECT_TRUE(IsProblem(ca.Get(AnalyticsPath("ra", "overview")), 429));
  EXPECT_EQ(cb.Get(AnalyticsPath("rb", "overview")).status, 200);
}

class FastPathUncachedApiTest : public ApiTest {
 protected:
  FastPathUncachedApiTest()
      : ApiTest([](config::Config& c) {
          c.cache.ttl_overview = std::chrono::seconds(0);
          c.cache.ttl_metrics = std::chrono::seconds(0);
        }) {}

  std::pair<double, double> HitsAndMisses() {
    HttpResult r = Admin().Get("/metrics");
    return {MetricValue(r.body, "analytics_cache_hits_total"),
            MetricValue(r.body, "analytics_cache_misses_total")};
  }
};

TEST_P(FastPathUncachedApiTest, TtlZeroMeansEveryReadIsAMissWithFreshNumbers) {
  const std::string token = app_.CreateUser("z");
  Client user = As(token);
  ASSERT_EQ(user.Get(UserPath("z")).status, 200);  // token cached
  const auto [hits0, misses0] = HitsAndMisses();
  for (int i = 0; i < 4; ++i) {
    HttpResult r = user.Get(AnalyticsPath("z", "overview"));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("x-cache"), "miss") << i;
    EXPECT_EQ(Body(r)["task_totals"]["total"], i) << r.body;
    HttpResult s = user.Get(AnalyticsPath("z", "completion_rate"));
    EXPECT_EQ(s.Header("x-cache"), "miss") << i;
    CreateTask(user, "z", "task " + std::to_string(i));  // the next read must see it
  }
  const auto [hits1, misses1] = HitsAndMisses();
  EXPECT_EQ(hits1, hits0);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(FastPathApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(FastPathRateLimitApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(FastPathUncachedApiTest);

}  // namespace
}  // namespace analytics::apitest

// Protocol behaviour over HTTP (SPEC §4): rate limiting (429, Retry-After,
// the access-log note), 404 and 405 problems, and X-Request-Id.
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "api_test_util.h"
#include "logging/log.h"

namespace analytics::apitest {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class RateLimitApiTest : public ApiTest {
 protected:
  RateLimitApiTest()
      : ApiTest([](config::Config& c) {
          c.rate_limit.enabled = true;
          c.rate_limit.requests_per_second = 1;
          c.rate_limit.burst = 3;
        }) {}
};

TEST_P(RateLimitApiTest, FourthQuickRequestIs429AndOthersAreUnaffected) {
  config::LoggingOptions options;
  options.dir = app_.dir() + "/ratelog";
  ASSERT_TRUE(logging::Setup(options, options.dir + "/jobs").ok());
  struct ShutdownAtEnd {
    ~ShutdownAtEnd() { logging::Shutdown(); }
  } shutdown_at_end;

  const std::string alice = app_.CreateUser("alice");
  const std::string bob = app_.CreateUser("bob");
  Client a = As(alice);
  for (int i = 0; i < 3; ++i) {
    HttpResult r = a.Get(TasksPath("alice"));
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
  }
  HttpResult limited = a.Get(TasksPath("alice"), {{"X-Request-Id", "limited-req-1"}});
  ASSERT_TRUE(IsProblem(limited, 429));
  const std::string retry_after = limited.Header("retry-after");
  ASSERT_FALSE(retry_after.empty());
  EXPECT_EQ(retry_after.find_first_not_of("0123456789"), std::string::npos) << retry_after;
  EXPECT_GE(std::stoi(retry_after), 1);
  EXPECT_EQ(limited.Header("x-request-id"), "limited-req-1");

  // Another token has its own bucket.
  Client b = As(bob);
  EXPECT_EQ(b.Get(TasksPath("bob")).status, 200);
  // /health is never limited, with or without the exhausted token.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(a.Get("/health").status, 200) << i;
    ASSERT_EQ(analytics::testing::Get(port(), "/health").status, 200) << i;
  }
  // Writes are limited too, and a limited write does nothing.
  HttpResult write = a.Post(TasksPath("alice"), Json{{"title", "should not exist"}});
  EXPECT_TRUE(IsProblem(write, 429));

  // The access-log line of the limited request says so. The line is written
  // after the response, so wait for it to appear.
  const std::string log_path = options.dir + "/access.log";
  std::string log;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    logging::Flush();
    log = ReadFile(log_path);
    if (log.find("limited-req-1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string line;
  for (std::size_t start = 0; start < log.size();) {
    std::size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string candidate = log.substr(start, end - start);
    if (candidate.find("limited-req-1") != std::string::npos) line = candidate;
    start = end + 1;
  }
  ASSERT_FALSE(line.empty()) << "no access-log line for the limited request in:\n" << log;
  EXPECT_NE(line.find("RateLimitExceeded"), std::string::npos) << line;
  EXPECT_NE(line.find(" 429 "), std::string::npos) << line;
  // Successful requests carry no such note.
  std::size_t notes = 0;
  for (std::size_t at = 0; (at = log.find("RateLimitExceeded", at)) != std::string::npos; ++at) {
    ++notes;
  }
  EXPECT_LE(notes, 2u) << log;  // the limited GET and the limited POST only
  EXPECT_EQ(log.find(alice), std::string::npos) << "token written to the access log";

  // After Retry-After the bucket has a token again (the limiter uses the real clock).
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(retry_after)) +
                              std::chrono::milliseconds(100));
  EXPECT_EQ(a.Get(TasksPath("alice")).status, 200);
  HttpResult list = Admin().Get(TasksPath("alice"));
  EXPECT_EQ(Body(list)["items"].size(), 0u) << "a limited write was stored";
}

TEST_P(RateLimitApiTest, AnonymousCallersAreLimitedByAddress) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(analytics::testing::Get(port(), "/api/v1/users/x").status, 401) << i;
  }
  HttpResult r = analytics::testing::Get(port(), "/api/v1/users/x");
  EXPECT_TRUE(IsProblem(r, 429));
  EXPECT_FALSE(r.Header("retry-after").empty());
  EXPECT_EQ(analytics::testing::Get(port(), "/health").status, 200);
}

// A made-up token is no identity: if each unknown token had its own bucket, a
// client could dodge the limit (and hammer token lookups) by sending a fresh
// random token with every request. Unknown tokens must share the client
// address's bucket, like anonymous calls.
TEST_P(RateLimitApiTest, RandomBadTokensDoNotEscapeTheLimit) {
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    HttpResult r = analytics::testing::Get(
        port(), "/api/v1/users/x", {{"Authorization", "Bearer made-up-" + std::to_string(i)}});
    if (r.status == 429) ++limited;
  }
  EXPECT_GE(limited, 3) << "six requests with six unknown tokens were never rate limited";
}

class ProtocolApiTest : public ApiTest {};

TEST_P(ProtocolApiTest, WrongMethodOnKnownPathIs405WithAllow) {
  const std::string token = app_.CreateUser("p1");
  struct Case {
    std::string method;
    std::string path;
    std::vector<std::string> allowed;
  };
  const std::vector<Case> cases = {
      {"DELETE", "/api/v1/users", {"GET", "POST"}},
      {"PUT", "/api/v1/users", {"GET", "POST"}},
      {"PUT", TaskPath("p1", 1), {"DELETE", "GET", "PATCH"}},
      {"POST", TaskPath("p1", 1), {"DELETE", "GET", "PATCH"}},
      {"GET", TasksPath("p1") + ":batch", {"POST"}},
      {"DELETE", TasksPath("p1"), {"GET", "POST"}},
      {"POST", "/health", {"GET"}},
      {"DELETE", AnalyticsPath("p1", "overview"), {"GET"}},
      {"GET", TaskPath("p1", 1) + "/restore", {"POST"}},
      {"GET", "/api/v1/admin/cache/invalidate", {"POST"}},
      {"PATCH", UserPath("p1") + "/export", {"GET"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    for (const std::string& auth : {std::string(), token}) {
      Client client = As(auth);
      HttpResult r = client.Send(c.method, c.path, c.method == "GET" ? "" : "{}", {});
      EXPECT_TRUE(IsProblem(r, 405));
      std::set<std::string> allow;
      std::string header = r.Header("allow");
      for (std::size_t start = 0; start <= header.size();) {
        std::size_t end = header.find(',', start);
        if (end == std::string::npos) end = header.size();
        std::string method = header.substr(start, end - start);
        while (!method.empty() && method.front() == ' ') method.erase(0, 1);
        while (!method.empty() && method.back() == ' ') method.pop_back();
        if (!method.empty()) allow.insert(method);
        start = end + 1;
      }
      EXPECT_EQ(allow, std::set<std::string>(c.allowed.begin(), c.allowed.end())) << header;
    }
  }
}

TEST_P(ProtocolApiTest, UnknownPathIs404Problem) {
  const std::string token = app_.CreateUser("p2");
  for (const char* path : {"/", "/nope", "/api", "/api/v1", "/api/v2/users", "/api/v1/users/p2/",
                           "/api/v1/users/p2/tasks/1/restore/now", "/api/v1/users/p2/unknown",
                           "/api/v1/admin", "/api/v1/users//tasks", "/health/", "/HEALTH",
                           "/api/v1/users/p2/analytics", "/api/v1/users/p2/tasks:batchx"}) {
    SCOPED_TRACE(path);
    for (const std::string& auth : {std::string(), token, std::string(test::kAdminToken)}) {
      HttpResult r = As(auth).Get(path);
      EXPECT_TRUE(IsProblem(r, 404));
      EXPECT_FALSE(r.Header("x-request-id").empty());
    }
  }
}

TEST_P(ProtocolApiTest, RequestIdIsEchoedOrGenerated) {
  const std::string token = app_.CreateUser("r1");
  Client user = As(token);
  struct Case {
    std::string method;
    std::string path;
    std::string body;
    std::string token;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/health", "", "", 200},
      {"GET", TasksPath("r1"), "", token, 200},
      {"POST", TasksPath("r1"), R"({"title":"rid"})", token, 201},
      {"GET", AnalyticsPath("r1", "overview"), "", token, 200},
      {"GET", UserPath("r1") + "/export", "", token, 200},
      {"GET", TasksPath("r1"), "", "", 401},
      {"GET", TasksPath("other"), "", token, 403},
      {"GET", TaskPath("r1", 424242), "", token, 404},
      {"GET", "/nowhere", "", "", 404},
      {"POST", TasksPath("r1"), "{", token, 400},
      {"DELETE", "/health", "", "", 405},
      {"POST", TasksPath("r1"), R"({"title":"x"})", token, 415},
  };
  std::set<std::string> generated;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    HeaderList extra;
    if (c.status == 415) extra.emplace_back("Content-Type", "text/plain");
    HeaderList with_id = extra;
    with_id.emplace_back("X-Request-Id", "client-id_1.2:3");
    Client client = As(c.token);
    HttpResult echoed = client.Send(c.method, c.path, c.body, with_id);
    EXPECT_EQ(echoed.status, c.status) << echoed.body;
    EXPECT_EQ(echoed.Header("x-request-id"), "client-id_1.2:3");
    HttpResult fresh = client.Send(c.method, c.path, c.body, extra);
    EXPECT_EQ(fresh.status, c.status == 201 ? 201 : c.status);
    const std::string id = fresh.Header("x-request-id");
    EXPECT_FALSE(id.empty());
    EXPECT_NE(id, "client-id_1.2:3");
    EXPECT_TRUE(generated.insert(id).second) << "request id reused: " << id;
  }
  // Ids that could forge log lines or headers are replaced, not echoed.
  for (const std::string& bad :
       {std::string("has space"), std::string(300, 'a'), std::string("a\"b"), std::string("<x>")}) {
    HttpResult r = user.Get(TasksPath("r1"), {{"X-Request-Id", bad}});
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.Header("x-request-id").empty());
    EXPECT_NE(r.Header("x-request-id"), bad);
  }
}

TEST_P(ProtocolApiTest, HeadOnAStreamedExportSendsNoBodyAndKeepsTheConnection) {
  Client user = As(app_.CreateUser("h1"));
  CreateTask(user, "h1", "a task");
  analytics::testing::Connection conn(port());
  ASSERT_TRUE(conn.connected());
  HttpResult head = conn.Send("HEAD", UserPath("h1") + "/export", {},
                              {{"Authorization", "Bearer " + user.token()}});
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_TRUE(head.body.empty());
  // The next request on the same connection is answered normally.
  HttpResult next = conn.Get(TasksPath("h1"), {{"Authorization", "Bearer " + user.token()}});
  EXPECT_EQ(next.status, 200) << next.error << next.body.substr(0, 200);
  EXPECT_EQ(Body(next)["items"].size(), 1u);
}

class MetricsAdminApiTest : public ApiTest {
 protected:
  MetricsAdminApiTest()
      : ApiTest([](config::Config& c) { c.server.metrics_require_admin = true; }) {}
};

TEST_P(MetricsAdminApiTest, MetricsCanRequireTheAdminToken) {
  const std::string token = app_.CreateUser("m1");
  HttpResult anonymous = analytics::testing::Get(port(), "/metrics");
  EXPECT_TRUE(IsProblem(anonymous, 401));
  EXPECT_TRUE(IsProblem(As(token).Get("/metrics"), 403));
  HttpResult admin = Admin().Get("/metrics");
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.Header("content-type").rfind("text/plain", 0), 0u);
  EXPECT_EQ(analytics::testing::Get(port(), "/health").status, 200);
}

TEST_P(ProtocolApiTest, HeadOnAGetRouteAndHealthShape) {
  HttpResult health = analytics::testing::Get(port(), "/health");
  ASSERT_EQ(health.status, 200);
  Json j = Body(health);
  EXPECT_EQ(j["status"], "healthy");
  EXPECT_EQ(j["checks"]["database"]["status"], "up");
  EXPECT_EQ(j["checks"]["cache"]["status"], "up");
  HttpResult head = analytics::testing::Send(port(), "HEAD", "/health");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(RateLimitApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(ProtocolApiTest);
ANALYTICS_API_TEST_ON_ALL_BACKENDS(MetricsAdminApiTest);

}  // namespace
}  // namespace analytics::apitest

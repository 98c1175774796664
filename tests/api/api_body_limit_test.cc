// Bodies above limits.max_body_bytes (api::BodyLimit): only POST
// /api/v1/users/{uid}/tasks:batch by a token that may write to {uid} may send
// up to limits.max_batch_body_bytes. Everyone else gets 413 before the body is
// read: the server sends no 100 Continue, and these tests never send the body.
#include <chrono>
#include <functional>
#include <string>

#include "api_test_util.h"

namespace analytics::apitest {
namespace {

using analytics::testing::Connection;
using std::chrono::milliseconds;

constexpr std::size_t kTwoMiB = 2 << 20;

class BatchBodyLimitApiTest : public ApiTest {
 protected:
  explicit BatchBodyLimitApiTest(const std::function<void(config::Config&)>& tweak = {})
      : ApiTest(tweak) {}

  void SetUp() override {
    ApiTest::SetUp();
    owner_ = app_.CreateUser("u");
    other_ = app_.CreateUser("other");
  }

  // Sends the head of a POST declaring `length` bytes, with Expect:
  // 100-continue, and reads the server's final answer without sending a byte
  // of body. A server that sent 100 Continue would wait for the body: the
  // read then times out and the status is 0.
  HttpResult HeadOnly(const std::string& path, const std::string& token, std::size_t length) {
    Connection connection(port(), "127.0.0.1", milliseconds(5000));
    EXPECT_TRUE(connection.SendRaw(Head(path, token, length)));
    return connection.ReadResponse();
  }

  static std::string Head(const std::string& path, const std::string& token, std::size_t length) {
    std::string head = "POST " + path +
                       " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Expect: 100-continue\r\nContent-Length: " +
                       std::to_string(length) + "\r\n";
    if (!token.empty()) head += "Authorization: Bearer " + token + "\r\n";
    return head + "\r\n";
  }

  // A valid two-task batch padded with whitespace to `size` bytes.
  static std::string PaddedBatch(std::size_t size) {
    const std::string start = R"([{"title":"a"},{"title":"b"})";
    return start + std::string(size - start.size() - 1, ' ') + "]";
  }

  std::string owner_;
  std::string other_;
};

TEST_P(BatchBodyLimitApiTest, LargeBatchWithoutATokenIsRefusedBeforeItsBody) {
  HttpResult r = HeadOnly(TasksPath("u") + ":batch", "", kTwoMiB);

  EXPECT_TRUE(r.status == 413 || r.status == 401) << r.status << " " << r.error;
  EXPECT_TRUE(r.interim.empty());
}

TEST_P(BatchBodyLimitApiTest, LargeBatchWithAnotherUsersTokenIsRefusedBeforeItsBody) {
  HttpResult r = HeadOnly(TasksPath("u") + ":batch", other_, kTwoMiB);
  HttpResult unknown = HeadOnly(TasksPath("u") + ":batch", "made-up-token", kTwoMiB);

  EXPECT_TRUE(IsProblem(r, 413));
  EXPECT_TRUE(r.interim.empty());
  EXPECT_TRUE(IsProblem(unknown, 413));
}

TEST_P(BatchBodyLimitApiTest, LargeBodyOnAnyOtherBatchPathIsRefused) {
  HttpResult foo = HeadOnly(UserPath("u") + "/foo:batch", owner_, kTwoMiB);
  HttpResult tasks = HeadOnly(TasksPath("u"), owner_, kTwoMiB);
  HttpResult nested = HeadOnly(TasksPath("u") + "/x/tasks:batch", owner_, kTwoMiB);

  EXPECT_TRUE(IsProblem(foo, 413));
  EXPECT_TRUE(IsProblem(tasks, 413));
  EXPECT_TRUE(IsProblem(nested, 413));
}

TEST_P(BatchBodyLimitApiTest, LargeBatchOfTheOwnerIsReadAndCreated) {
  const std::string body = PaddedBatch(kTwoMiB);
  Connection connection(port(), "127.0.0.1", std::chrono::seconds(60));

  ASSERT_TRUE(connection.SendRaw(Head(TasksPath("u") + ":batch", owner_, body.size())));
  ASSERT_TRUE(connection.WaitForData(milliseconds(5000)));  // 100 Continue, or a refusal
  ASSERT_TRUE(connection.SendRaw(body));
  HttpResult r = connection.ReadResponse();

  EXPECT_EQ(r.interim, std::vector<int>{100});
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 300);
  EXPECT_EQ(Body(r)["tasks"].size(), 2u);
}

TEST_P(BatchBodyLimitApiTest, LargeBatchOfTheAdminIsAccepted) {
  const std::string body = PaddedBatch(kTwoMiB);
  Connection connection(port(), "127.0.0.1", std::chrono::seconds(60));

  ASSERT_TRUE(connection.SendRaw(Head(TasksPath("u") + ":batch", test::kAdminToken, body.size())));
  ASSERT_TRUE(connection.WaitForData(milliseconds(5000)));
  ASSERT_TRUE(connection.SendRaw(body));
  HttpResult r = connection.ReadResponse();

  EXPECT_EQ(r.status, 201) << r.body.substr(0, 300);
}

TEST_P(BatchBodyLimitApiTest, LargeBatchAboveMaxBatchBodyBytesIsRefused) {
  const std::size_t too_big = app_.config().limits.max_batch_body_bytes + 1;

  HttpResult r = HeadOnly(TasksPath("u") + ":batch", owner_, too_big);

  EXPECT_TRUE(IsProblem(r, 413));
  EXPECT_TRUE(r.interim.empty());
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(BatchBodyLimitApiTest);

// The body limit authenticates a large batch's token before the body is
// read: a made-up token costs a lookup only while the address's failed_auth
// bucket has room, as in the pipeline, or heads alone would buy a query each.
class GatedBodyLimitApiTest : public BatchBodyLimitApiTest {
 protected:
  GatedBodyLimitApiTest()
      : BatchBodyLimitApiTest([](config::Config& c) {
          c.rate_limit.enabled = true;
          c.rate_limit.requests_per_second = 100;
          c.rate_limit.burst = 1000;
          c.rate_limit.failed_auth_per_second = 0.01;  // no refill within the test
          c.rate_limit.failed_auth_burst = 5;
        }) {}

  // SELECTs the server has run (TimedDatabase's histogram on /metrics).
  double Selects() {
    HttpResult r = analytics::testing::Get(port(), "/metrics");
    const std::string series = R"(analytics_db_query_duration_seconds_count{operation="select"} )";
    const std::size_t at = r.body.find(series);
    return at == std::string::npos ? 0 : std::stod(r.body.substr(at + series.size()));
  }
};

TEST_P(GatedBodyLimitApiTest, MadeUpTokensOnLargeBatchesCostAtMostTheFailedAuthBurstInLookups) {
  ASSERT_EQ(As(owner_).Get(UserPath("u")).status, 200);  // the owner's token is now in memory
  const double before = Selects();
  for (int i = 0; i < 100; ++i) {
    HttpResult r = HeadOnly(TasksPath("u") + ":batch", "at_made-up-" + std::to_string(i), kTwoMiB);
    ASSERT_TRUE(IsProblem(r, 413)) << i << ": " << r.status;
  }
  const double lookups = Selects() - before;

  // Five lookups (the burst), plus what /metrics itself reads once a
  // second; a hundred without the gate.
  EXPECT_LE(lookups, 5 + 10);
  // The owner's token is known in memory: from the same address, its large
  // batch is still allowed (100 Continue).
  EXPECT_TRUE(HeadOnly(TasksPath("u") + ":batch", owner_, kTwoMiB).interim ==
              std::vector<int>{100});
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(GatedBodyLimitApiTest);

}  // namespace
}  // namespace analytics::apitest

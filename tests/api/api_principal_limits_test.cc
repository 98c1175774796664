// Rate limits keyed by who pays (issue 11, items 3 and 4): a principal's
// bucket survives token rotation, rotation has its own low limit, a batch
// pays for its body, and a flood of made-up tokens is refused before it
// costs a database lookup while a known token goes on being served.
#include <atomic>
#include <thread>

#include "api_test_util.h"

namespace analytics::apitest {
namespace {

class PrincipalLimitApiTest : public ApiTest {
 protected:
  PrincipalLimitApiTest()
      : ApiTest([](config::Config& c) {
          c.rate_limit.enabled = true;
          // Refills too slow to matter however slow the machine (ASan):
          // one token in 100 s.
          c.rate_limit.requests_per_second = 0.01;
          c.rate_limit.burst = 4;
          c.rate_limit.failed_auth_per_second = 0.01;
          c.rate_limit.failed_auth_burst = 5;
          c.rate_limit.rotations_per_minute = 1;
          c.rate_limit.rotation_burst = 2;
        }) {}

  std::string RotatedToken(Client& client, const std::string& uid) {
    HttpResult r = client.Post(UserPath(uid) + "/tokens", "");
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r).value("token", "");
  }
};

TEST_P(PrincipalLimitApiTest, ANewTokenDoesNotBuyAFreshBucket) {
  Client first = As(app_.CreateUser("p1"));
  const std::string rotated = RotatedToken(first, "p1");  // 1 of 4
  Client second = As(rotated);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(second.Get(TasksPath("p1")).status, 200) << i;

  // The bucket is p1's, not the token's: the new token found it partly drawn.
  EXPECT_TRUE(IsProblem(second.Get(TasksPath("p1")), 429));
}

TEST_P(PrincipalLimitApiTest, RotationHasItsOwnLowLimit) {
  Client admin = Admin();
  (void)app_.CreateUser("p2");

  // The admin's request bucket is separate and full; p2's rotations are not.
  EXPECT_EQ(admin.Post(UserPath("p2") + "/tokens", "").status, 200);
  EXPECT_EQ(admin.Post(UserPath("p2") + "/tokens", "").status, 200);
  HttpResult third = admin.Post(UserPath("p2") + "/tokens", "");

  EXPECT_TRUE(IsProblem(third, 429));
  EXPECT_FALSE(third.Header("retry-after").empty());
  // Another user's rotations are unaffected.
  (void)app_.CreateUser("p3");
  EXPECT_EQ(admin.Post(UserPath("p3") + "/tokens", "").status, 200);
}

TEST_P(PrincipalLimitApiTest, ABatchPaysForItsBody) {
  Client user = As(app_.CreateUser("p4"));
  Json tasks = Json::array();
  // About 200 KiB: 1 + 3 tokens of a 4-token bucket.
  for (int i = 0; i < 2000; ++i) {
    tasks.push_back(Json{{"title", "task " + std::to_string(i) + std::string(80, 'x')}});
  }
  ASSERT_GT(tasks.dump().size(), 192u * 1024);

  HttpResult batch = user.Post(TasksPath("p4") + ":batch", tasks);

  ASSERT_EQ(batch.status, 201) << batch.body.substr(0, 300);
  EXPECT_TRUE(IsProblem(user.Get(TasksPath("p4")), 429));
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(PrincipalLimitApiTest);

// Request buckets deep enough never to run out here: only the failed_auth
// bucket stands between made-up tokens and a database lookup each.
class FloodApiTest : public ApiTest {
 protected:
  FloodApiTest()
      : ApiTest([](config::Config& c) {
          c.rate_limit.enabled = true;
          c.rate_limit.requests_per_second = 100;
          c.rate_limit.burst = 1000;
          c.rate_limit.failed_auth_per_second = 0.01;  // no refill within the test
          c.rate_limit.failed_auth_burst = 5;
        }) {}
};

TEST_P(FloodApiTest, MadeUpTokensAreRefusedBeforeTheLookupAndKnownOnesStillPass) {
  Client user = As(app_.CreateUser("p5"));
  ASSERT_EQ(user.Get(UserPath("p5")).status, 200);  // p5's token is now known in memory

  int unauthorized = 0, limited = 0;
  for (int i = 0; i < 200; ++i) {
    HttpResult r = analytics::testing::Get(
        port(), UserPath("p5"), {{"Authorization", "Bearer at_made-up-" + std::to_string(i)}});
    if (r.status == 401) ++unauthorized;
    if (r.status == 429) ++limited;
  }

  // Five looked up (the failed_auth burst); the rest refused before any
  // lookup. (The address's request bucket, 1,000
  // deep, would let every one of them through to a lookup and a 401.)
  EXPECT_LE(unauthorized, 5);
  EXPECT_EQ(unauthorized + limited, 200);
  // The known token shares the address but is never looked up: served.
  EXPECT_EQ(user.Get(UserPath("p5")).status, 200);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(FloodApiTest);

}  // namespace
}  // namespace analytics::apitest

// The shared parsers of handlers (common.cc) and api's per-exchange notes.
#include <gtest/gtest.h>

#include "api/exchange.h"
#include "api/handlers.h"

namespace analytics::api {
namespace {

http::Request WithQuery(std::vector<std::pair<std::string, std::string>> query) {
  http::Request request;
  request.query = std::move(query);
  return request;
}

TEST(LimitParam, FallbackWhenAbsent) {
  Result<int> limit = LimitParam(WithQuery({}), 100);

  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(*limit, 100);
}

TEST(LimitParam, AcceptsOneToAThousand) {
  EXPECT_EQ(*LimitParam(WithQuery({{"limit", "1"}}), 100), 1);
  EXPECT_EQ(*LimitParam(WithQuery({{"limit", "1000"}}), 100), 1000);
}

TEST(LimitParam, RefusesAnythingElseNamingLimit) {
  for (const char* text : {"0", "-1", "1001", "12a", "", " 5", "99999999999999999999"}) {
    Result<int> limit = LimitParam(WithQuery({{"limit", text}}), 100);

    ASSERT_FALSE(limit.ok()) << text;
    EXPECT_EQ(limit.error().field, "limit");
    EXPECT_EQ(limit.error().message, "limit must be an integer from 1 to 1000");
  }
}

TEST(ParseTaskId, KeepsItsOwnErrorText) {
  EXPECT_EQ(*ParseTaskId("42"), 42);
  Result<std::int64_t> bad = ParseTaskId("0");

  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "id");
  EXPECT_EQ(bad.error().message, "task id must be a positive integer");
}

TEST(Exchange, MadeOnFirstUseAndEmptyWhenApiNotedNothing) {
  http::Request request;
  const http::Request& untouched = request;
  EXPECT_TRUE(ExchangeOf(untouched).route.empty());

  ExchangeOf(request).route = "/health";
  ExchangeOf(request).user = "admin";

  EXPECT_EQ(ExchangeOf(untouched).route, "/health");
  EXPECT_EQ(ExchangeOf(untouched).user, "admin");
  EXPECT_FALSE(ExchangeOf(untouched).rate_charged);
}

}  // namespace
}  // namespace analytics::api

#include "http/request.h"

#include <gtest/gtest.h>

#include <set>

namespace analytics::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseQuery, DecodesPairsInOrder) {
  auto pairs = ParseQuery("a=1&b=%20x&c=hello+world&a=2");

  ASSERT_TRUE(pairs.has_value());
  EXPECT_EQ(*pairs, (Pairs{{"a", "1"}, {"b", " x"}, {"c", "hello world"}, {"a", "2"}}));
}

TEST(ParseQuery, KeyWithoutValueAndEmptySegments) {
  auto pairs = ParseQuery("flag&&x=&=v&");

  ASSERT_TRUE(pairs.has_value());
  EXPECT_EQ(*pairs, (Pairs{{"flag", ""}, {"x", ""}, {"", "v"}}));
}

TEST(ParseQuery, EmptyQueryHasNoPairs) {
  auto pairs = ParseQuery("");

  ASSERT_TRUE(pairs.has_value());
  EXPECT_TRUE(pairs->empty());
}

TEST(ParseQuery, BadEncodingIsRejected) {
  EXPECT_FALSE(ParseQuery("a=%zz").has_value());
  EXPECT_FALSE(ParseQuery("a=%4").has_value());
  EXPECT_FALSE(ParseQuery("a%=1").has_value());
  EXPECT_FALSE(ParseQuery("ok=1&bad=100%").has_value());
}

TEST(Request, HeaderLookupIgnoresCase) {
  Request request;
  request.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};

  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  EXPECT_EQ(request.Header("X-A"), "1");
  EXPECT_EQ(request.Header("missing"), "");
}

TEST(Request, QueryAndPathParams) {
  Request request;
  request.query = {{"limit", "10"}, {"empty", ""}};
  request.path_params = {{"uid", "user1"}};

  EXPECT_EQ(request.QueryParam("limit"), "10");
  EXPECT_EQ(request.QueryParam("empty"), "");
  EXPECT_FALSE(request.QueryParam("LIMIT").has_value());
  EXPECT_EQ(request.PathParam("uid"), "user1");
  EXPECT_EQ(request.PathParam("id"), "");
}

TEST(Method, ToStringNamesEachMethod) {
  EXPECT_EQ(ToString(Method::kGet), "GET");
  EXPECT_EQ(ToString(Method::kHead), "HEAD");
  EXPECT_EQ(ToString(Method::kPost), "POST");
  EXPECT_EQ(ToString(Method::kPut), "PUT");
  EXPECT_EQ(ToString(Method::kPatch), "PATCH");
  EXPECT_EQ(ToString(Method::kDelete), "DELETE");
  EXPECT_EQ(ToString(Method::kOptions), "OPTIONS");
  EXPECT_EQ(ToString(Method::kOther), "OTHER");
}

TEST(RequestId, SaneIdsAreAccepted) {
  EXPECT_TRUE(IsSaneRequestId("abc-123_x.y:z"));
  EXPECT_TRUE(IsSaneRequestId(std::string(128, 'a')));
}

TEST(RequestId, InsaneIdsAreRejected) {
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsSaneRequestId("has space"));
  EXPECT_FALSE(IsSaneRequestId("quote\""));
  EXPECT_FALSE(IsSaneRequestId("new\nline"));
  EXPECT_FALSE(IsSaneRequestId("caf\xC3\xA9"));
}

TEST(RequestId, NewIdsAreHexAndDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ASSERT_TRUE(IsSaneRequestId(id));
    ids.insert(id);
  }

  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace analytics::http

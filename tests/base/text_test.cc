#include "base/text.h"

#include <gtest/gtest.h>

#include <string>

namespace analytics {
namespace {

TEST(EqualsIgnoreCase, FoldsAsciiCaseOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("close", "closed"));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\xA9", "\xC3\x89"));  // é and É: not ASCII
  EXPECT_FALSE(EqualsIgnoreCase("a[", "A{"));              // '[' is not a capital of '{'
}

TEST(StartsWithIgnoreCase, ComparesThePrefix) {
  EXPECT_TRUE(StartsWithIgnoreCase("bEARER abc", "Bearer "));
  EXPECT_TRUE(StartsWithIgnoreCase("PASSWORD=x", "password="));
  EXPECT_FALSE(StartsWithIgnoreCase("Bear", "Bearer "));
  EXPECT_TRUE(EndsWithIgnoreCase("application/problem+JSON", "+json"));
  EXPECT_FALSE(EndsWithIgnoreCase("json", "+json"));
}

TEST(AsciiLower, LowersCapitalsOnly) {
  EXPECT_EQ(AsciiLower("X-Request-ID \xC3\x89"), "x-request-id \xC3\x89");
  EXPECT_EQ(AsciiLower('Q'), 'q');
  EXPECT_EQ(AsciiLower('@'), '@');
}

TEST(PercentDecode, DecodesEscapesOfEitherCase) {
  EXPECT_EQ(PercentDecode("%41%6a%2F%2f", false), "Aj//");
  EXPECT_EQ(PercentDecode("%C3%A9", false), "\xC3\xA9");
  EXPECT_EQ(PercentDecode("", false), "");
}

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

TEST(PercentDecode, DecodesNulSoCallersCanRejectIt) {
  auto decoded = PercentDecode("a%00b", false);

  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, std::string("a\0b", 3));
}

TEST(PercentDecode, BadEscapesAreRejected) {
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("abc%2", false).has_value());
  EXPECT_FALSE(PercentDecode("%g0", false).has_value());
  EXPECT_FALSE(PercentDecode("%0g", false).has_value());
}

}  // namespace
}  // namespace analytics

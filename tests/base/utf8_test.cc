#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace analytics {
namespace {

TEST(IsValidUtf8, AcceptsWellFormedText) {
  for (const std::string s : {"", "plain", "caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC",
                              "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
  }
}

TEST(IsValidUtf8, RefusesOverlongsSurrogatesAndTruncations) {
  for (const std::string s : {"caf\xE9", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                              "\xF4\x90\x80\x80", "\xF0\x9F\x98", "\x80", "\xFF"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << s;
  }
}

TEST(Utf8SequenceAt, GivesTheLengthOrTheMaximalInvalidSubpart) {
  const std::string text = "a\xC3\xA9\xF0\x9F\x98\x80\xE2\x82z\xC0";

  EXPECT_EQ(Utf8SequenceAt(text, 0).length, 1u);
  EXPECT_EQ(Utf8SequenceAt(text, 1).length, 2u);
  EXPECT_EQ(Utf8SequenceAt(text, 3).length, 4u);
  EXPECT_EQ(Utf8SequenceAt(text, 7).length, 0u);  // truncated before 'z'
  EXPECT_EQ(Utf8SequenceAt(text, 7).invalid, 2u);
  EXPECT_EQ(Utf8SequenceAt(text, 10).length, 0u);  // never a lead byte
  EXPECT_EQ(Utf8SequenceAt(text, 10).invalid, 1u);
}

}  // namespace
}  // namespace analytics

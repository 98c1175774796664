#include "base/json_text.h"

#include <gtest/gtest.h>

namespace analytics {
namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  AppendJsonEscaped(out, text);
  return out;
}

TEST(AppendJsonEscaped, PlainTextIsCopied) {
  EXPECT_EQ(Escaped("hello, world 123"), "hello, world 123");
  EXPECT_EQ(Escaped(""), "");
}

TEST(AppendJsonEscaped, QuotesBackslashesAndControls) {
  EXPECT_EQ(Escaped(R"(a "b" \c)"), R"(a \"b\" \\c)");
  EXPECT_EQ(Escaped("\n\r\t\b\f"), R"(\n\r\t\b\f)");
  EXPECT_EQ(Escaped(std::string_view("\x00\x1f\x7f", 3)), R"(\u0000\u001f\u007f)");
}

TEST(AppendJsonEscaped, Utf8IsKeptAndBrokenUtf8Replaced) {
  EXPECT_EQ(Escaped("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(Escaped("a\xff"
                    "b"),
            R"(a\ufffdb)");
  EXPECT_EQ(Escaped("\xe2\x82"), R"(\ufffd)");  // truncated: one maximal subpart
  EXPECT_EQ(Escaped("x\xc0\xafy"), R"(x\ufffd\ufffdy)");
}

TEST(AppendJsonString, AddsTheQuotes) {
  std::string out = "[";
  AppendJsonString(out, "say \"hi\"");
  EXPECT_EQ(out, R"(["say \"hi\"")");
}

TEST(AppendJsonEscaped, RawEachByteWritesUPlusFffdPerInvalidByte) {
  std::string out;

  AppendJsonEscaped(out,
                    "a\xE2\x82"
                    "b\xFF \xC3\xA9\x7F",
                    InvalidUtf8::kRawEachByte);

  EXPECT_EQ(out,
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b\xEF\xBF\xBD \xC3\xA9\\u007f");
}

}  // namespace
}  // namespace analytics

#include "storage/value.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "base/time.h"

namespace analytics::storage {
namespace {

Time At(std::string_view text) { return ParseTime(text).value(); }

TEST(Row, IntReadsTypedAndDecimalText) {
  Row row({std::int64_t{42}, std::string("-17"), nullptr, true, 3.0});

  EXPECT_EQ(row.Int(0), 42);
  EXPECT_EQ(row.Int(1), -17);
  EXPECT_EQ(row.Int(2), 0);
  EXPECT_EQ(row.Int(3), 1);
  EXPECT_EQ(row.Int(4), 3);
}

TEST(Row, IntRejectsNonNumericText) {
  Row row({std::string("12abc")});

  EXPECT_THROW((void)row.Int(0), BadStoredValue);
}

TEST(Row, DoubleReadsDoubleIntAndText) {
  Row row({2.5, std::int64_t{7}, std::string("66.67"), nullptr});

  EXPECT_DOUBLE_EQ(row.Double(0), 2.5);
  EXPECT_DOUBLE_EQ(row.Double(1), 7.0);
  EXPECT_DOUBLE_EQ(row.Double(2), 66.67);
  EXPECT_DOUBLE_EQ(row.Double(3), 0.0);
}

TEST(Row, BoolReadsBoolIntAndPostgresText) {
  Row row({true, false, std::int64_t{1}, std::int64_t{0}, std::string("t"), std::string("f"),
           std::string("true"), std::string("false")});

  EXPECT_TRUE(row.Bool(0));
  EXPECT_FALSE(row.Bool(1));
  EXPECT_TRUE(row.Bool(2));
  EXPECT_FALSE(row.Bool(3));
  EXPECT_TRUE(row.Bool(4));
  EXPECT_FALSE(row.Bool(5));
  EXPECT_TRUE(row.Bool(6));
  EXPECT_FALSE(row.Bool(7));
}

TEST(Row, BoolRejectsOtherText) {
  Row row({std::string("yes")});

  EXPECT_THROW((void)row.Bool(0), BadStoredValue);
}

TEST(Row, TextFormatsNumbersAndReadsNullAsEmpty) {
  Row row({std::string("hello"), std::int64_t{-5}, 0.1, nullptr});

  EXPECT_EQ(row.Text(0), "hello");
  EXPECT_EQ(row.Text(1), "-5");
  EXPECT_EQ(row.Text(2), "0.1");
  EXPECT_EQ(row.Text(3), "");
  EXPECT_EQ(row.OptText(0), std::optional<std::string>("hello"));
  EXPECT_EQ(row.OptText(3), std::nullopt);
}

TEST(Row, TimeReadsTimeStorageTextAndPostgresText) {
  const Time t = At("2024-01-15T10:00:00.123456Z");
  Row row({t, std::string("2024-01-15T10:00:00.123456Z"),
           std::string("2024-01-15 12:00:00.123456+02"), nullptr});

  EXPECT_EQ(row.TimeAt(0), t);
  EXPECT_EQ(row.TimeAt(1), t);
  EXPECT_EQ(row.TimeAt(2), t);
  EXPECT_EQ(row.OptTime(1), std::optional<Time>(t));
  EXPECT_EQ(row.OptTime(3), std::nullopt);
}

TEST(Row, TimeRejectsNullAndGarbage) {
  Row row({nullptr, std::string("yesterday")});

  EXPECT_THROW((void)row.TimeAt(0), BadStoredValue);
  EXPECT_THROW((void)row.TimeAt(1), BadStoredValue);
}

TEST(Row, IsNullOnlyForNull) {
  Row row({nullptr, std::string(), std::int64_t{0}});

  EXPECT_TRUE(row.IsNull(0));
  EXPECT_FALSE(row.IsNull(1));
  EXPECT_FALSE(row.IsNull(2));
  EXPECT_EQ(row.size(), 3u);
}

TEST(Nullable, MapsEmptyToNull) {
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(Nullable(std::optional<std::int64_t>())));
  EXPECT_EQ(std::get<std::string>(Nullable(std::optional<std::string>("x"))), "x");
}

}  // namespace
}  // namespace analytics::storage

namespace analytics::storage {
namespace {

TEST(Row, TimeOutsideYears1To9999IsABadStoredValueNotAnAbort) {
  // PostgreSQL holds years up to 294276; such a row must fail its request only.
  Row row({std::string("10000-01-01 00:59:59+00"), std::string("0000-12-31 23:00:00+00"),
           std::string("2024-01-15 10:00:00+00")});
  EXPECT_THROW((void)row.TimeAt(0), BadStoredValue);
  EXPECT_THROW((void)row.OptTime(1), BadStoredValue);
  EXPECT_EQ(FormatTime(row.TimeAt(2)), "2024-01-15T10:00:00Z");
}

TEST(StoredDay, ReadsADayAndThrowsOnAnythingElse) {
  EXPECT_EQ(FormatDay(StoredDay("2024-02-29")), "2024-02-29");
  EXPECT_THROW((void)StoredDay("2023-02-29"), BadStoredValue);
  EXPECT_THROW((void)StoredDay("0000-01-01"), BadStoredValue);
  EXPECT_THROW((void)StoredDay(""), BadStoredValue);
}

}  // namespace
}  // namespace analytics::storage

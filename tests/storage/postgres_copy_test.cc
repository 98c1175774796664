// PostgresConnection::CopyFrom and the CopyRow text format.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/time.h"
#include "postgres_fixture.h"
#include "storage/database.h"
#include "storage/postgres/postgres_connection.h"
#include "storage/postgres/postgres_write_path.h"

namespace analytics::storage {
namespace {

// COPY is PostgreSQL's own: its write path reaches it on the connection.
PostgresConnection& Pg(Transaction& tx) { return dynamic_cast<PostgresConnection&>(tx); }

TEST(CopyRow, EscapesTheFourSpecialCharactersAndWritesNullAsBackslashN) {
  std::string out;
  CopyRow(out)
      .Int(-42)
      .Text("a\tb\nc\rd\\e \"f\" ü")
      .Null()
      .Bool(true)
      .Bool(false)
      .OptionalText(std::nullopt)
      .OptionalText(std::string("x"))
      .At(*ParseTime("2024-01-15T10:00:00.25Z"))
      .OptionalAt(std::nullopt)
      .End();
  CopyRow(out).Text("").End();
  EXPECT_EQ(out,
            "-42\ta\\tb\\nc\\rd\\\\e \"f\" ü\t\\N\tt\tf\t\\N\tx\t"
            "2024-01-15T10:00:00.250000Z\t\\N\n\n");
}

constexpr char kSchema[] = R"sql(
CREATE TABLE items (id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY, name TEXT NOT NULL,
                    note TEXT, at TIMESTAMPTZ, flag BOOLEAN);
)sql";

class PostgresCopyTest : public test::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db_ = &Open(Options(1, 0));  // one connection: a failed COPY must leave it usable
    ASSERT_TRUE(Script(*db_, kSchema).ok());
  }

  // Loads `count` rows from id `first` in parts of at most `per_part` rows.
  Result<std::int64_t> Load(std::int64_t first, int count, int per_part,
                            const std::string& name = "item") {
    Result<std::int64_t> loaded = std::int64_t{0};
    Result<void> done = db_->InTransaction([&](Transaction& tx) -> Result<void> {
      int next = 0;
      loaded = Pg(tx).CopyFrom(
          "COPY items (id, name, note, at, flag) FROM STDIN", [&](std::string& part) {
            for (int n = 0; n < per_part && next < count; ++n, ++next) {
              CopyRow(part)
                  .Int(first + next)
                  .Text(name + "\t" + std::to_string(next) + "\n\\")
                  .OptionalText(next % 2 == 0 ? std::nullopt : std::optional<std::string>("n"))
                  .At(Time{std::chrono::microseconds{std::int64_t{1000001} * next}})
                  .Bool(next % 3 == 0)
                  .End();
            }
            return next < count;
          });
      if (!loaded.ok()) return loaded.error();
      return Ok();
    });
    if (!done.ok()) return done.error();
    return loaded;
  }

  PostgresDatabase* db_ = nullptr;
};

TEST_F(PostgresCopyTest, LoadsEveryRowWithItsValuesAcrossManyParts) {
  auto loaded = Load(1, 2500, 7);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, 2500);
  auto rows = Select(*db_, "SELECT id, name, note, at, flag FROM items ORDER BY id");
  ASSERT_EQ(rows.size(), 2500u);
  for (int i : {0, 1, 1234, 2499}) {
    const Row& r = rows[i];
    EXPECT_EQ(r.Int(0), i + 1);
    EXPECT_EQ(r.Text(1), "item\t" + std::to_string(i) + "\n\\");
    EXPECT_EQ(r.OptText(2), i % 2 == 0 ? std::nullopt : std::optional<std::string>("n"));
    EXPECT_EQ(r.TimeAt(3), Time{std::chrono::microseconds{std::int64_t{1000001} * i}});
    EXPECT_EQ(r.Bool(4), i % 3 == 0);
  }
}

TEST_F(PostgresCopyTest, NothingToSendLoadsNothing) {
  auto loaded = Load(1, 0, 10);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, 0);
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM items").at(0).Int(0), 0);
}

TEST_F(PostgresCopyTest, ADuplicateKeyIsAConflictAndKeepsNoRowOfTheCopy) {
  ASSERT_TRUE(Load(1, 10, 100).ok());
  auto clash = Load(5, 100, 10);  // ids 5..104: 5..10 exist
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM items").at(0).Int(0), 10);
  // The one connection is usable again.
  auto more = Load(11, 5, 2);
  ASSERT_TRUE(more.ok()) << more.error().message;
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM items").at(0).Int(0), 15);
}

TEST_F(PostgresCopyTest, AConflictInTheFirstPartOfALongCopyIsAConflict) {
  ASSERT_TRUE(Load(1, 1, 1).ok());
  // Id 1 again, then 200,000 more rows in large parts: the server stops the
  // COPY while the client is still sending.
  auto clash = Load(1, 200000, 5000);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict) << clash.error().message;
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM items").at(0).Int(0), 1);
  ASSERT_TRUE(Load(2, 3, 3).ok());
}

TEST_F(PostgresCopyTest, BadDataIsInternalWithoutTheStatementAndKeepsNoRow) {
  Result<void> done = db_->InTransaction([&](Transaction& tx) -> Result<void> {
    auto loaded = Pg(tx).CopyFrom("COPY items (id, name) FROM STDIN", [](std::string& part) {
      part += "1\tok\nnot-a-number\tbad\n";
      return false;
    });
    if (!loaded.ok()) return loaded.error();
    return Ok();
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, ErrorCode::kInternal);
  EXPECT_EQ(done.error().message.find("COPY items"), std::string::npos) << done.error().message;
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM items").at(0).Int(0), 0);
}

TEST_F(PostgresCopyTest, AnUnknownTableFailsBeforeAnyRowIsAskedFor) {
  bool asked = false;
  Result<void> done = db_->InTransaction([&](Transaction& tx) -> Result<void> {
    auto loaded = Pg(tx).CopyFrom("COPY nowhere (id) FROM STDIN", [&](std::string&) {
      asked = true;
      return false;
    });
    if (!loaded.ok()) return loaded.error();
    return Ok();
  });
  EXPECT_FALSE(done.ok());
  EXPECT_FALSE(asked);
  EXPECT_EQ(Select(*db_, "SELECT 1").size(), 1u);
}

}  // namespace
}  // namespace analytics::storage

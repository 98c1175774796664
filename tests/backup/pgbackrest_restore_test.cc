// Point-in-time restore with real pgBackRest: writes at t1, t2, t3, a restore
// to between t2 and t3 gives exactly the t2 state; refused while PostgreSQL
// runs; a dry run changes nothing. Expire keeps the newest full and what it
// needs. The archive checks doctor shows.
#include <gtest/gtest.h>

#include <filesystem>

#include "backup/pgbackrest.h"
#include "backup/pgbackrest_fixture.h"

namespace analytics::test {
namespace {

class PgBackRestRestore : public PgBackRestTest {};

std::string AutoConf(const PrivatePostgres& server) {
  return ReadFile(server.data_dir() + "/postgresql.auto.conf");
}

TEST_F(PgBackRestRestore, RestoreToBetweenT2AndT3GivesTheT2StateExactly) {
  Sql("CREATE TABLE pitr (id int PRIMARY KEY, note text)");
  Create("full");
  Sql("INSERT INTO pitr VALUES (1, 't1')");
  Sql("INSERT INTO pitr VALUES (2, 't2')");
  const Time target = ServerNow();  // after t2's commit, before t3's
  Sql("INSERT INTO pitr VALUES (3, 't3')");
  Sql("UPDATE pitr SET note = 't3 changed' WHERE id = 1");
  SwitchAndArchiveWal();  // the WAL holding t3's commit is in the repository

  // Refused while the server answers: nothing is touched.
  Result<std::string> refused = backup::PgBackRestRestore(config_, target, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("stop it"), std::string::npos) << refused.error().message;
  EXPECT_EQ(Sql("SELECT count(*) FROM pitr"), std::vector<std::string>{"3"});

  ASSERT_EQ(server_.Run("stop"), 0);
  // A dry run says what it would do and changes nothing.
  const std::string auto_conf = AutoConf(server_);
  Result<std::string> dry = backup::PgBackRestRestore(config_, target, true);
  ASSERT_TRUE(dry.ok()) << dry.error().message;
  EXPECT_NE(dry->find("dry run"), std::string::npos) << *dry;
  EXPECT_NE(dry->find("--type=time"), std::string::npos) << *dry;
  EXPECT_EQ(AutoConf(server_), auto_conf);
  EXPECT_FALSE(std::filesystem::exists(server_.data_dir() + "/recovery.signal"));

  Result<std::string> restored = backup::PgBackRestRestore(config_, target, false);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_NE(restored->find("start PostgreSQL"), std::string::npos) << *restored;
  EXPECT_TRUE(std::filesystem::exists(server_.data_dir() + "/recovery.signal"));

  ASSERT_EQ(server_.Run("start"), 0) << ReadFile(server_.data_dir() + "/server.log");
  WaitPromoted();
  EXPECT_EQ(Sql("SELECT id || ':' || note FROM pitr ORDER BY id"),
            (std::vector<std::string>{"1:t1", "2:t2"}));
  // Promoted: it takes writes again, on a new timeline.
  Sql("INSERT INTO pitr VALUES (4, 'after')");
  EXPECT_EQ(Sql("SELECT count(*) FROM pitr"), std::vector<std::string>{"3"});
}

TEST_F(PgBackRestRestore, TargetBeforeEveryBackupOrInTheFutureIsRefused) {
  const Time before = ServerNow();
  Create("full");
  ASSERT_EQ(server_.Run("stop"), 0);

  Result<std::string> early = backup::PgBackRestRestore(config_, before, false);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(early.error().message.find("no pgBackRest backup finished before"), std::string::npos)
      << early.error().message;

  Result<std::string> future =
      backup::PgBackRestRestore(config_, before + std::chrono::hours(24), false);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().field, "--to");
  EXPECT_FALSE(std::filesystem::exists(server_.data_dir() + "/recovery.signal"));
}

TEST_F(PgBackRestRestore, ExpireKeepsTheNewestFullAndWhatDependsOnIt) {
  PgBackRestBackup old_full = Create("full");
  PgBackRestBackup new_full = Create("full");
  Sql("CREATE TABLE grows (id int)");
  PgBackRestBackup incr = Create("incr");
  ASSERT_EQ(incr.prior, new_full.label);

  // Today, with 30 days of retention: everything stays.
  Result<std::vector<std::string>> none = backup::PgBackRestExpire(config_);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());

  // 40 days on: both fulls are past the window; the newest stays (with its
  // incremental), the older goes.
  FakeClock later(SystemClock().Now() + std::chrono::days(40));
  Result<std::vector<std::string>> removed = backup::PgBackRestExpire(config_, later);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, std::vector<std::string>{old_full.label});
  Result<std::vector<PgBackRestBackup>> list = backup::PgBackRestList(config_);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].label, incr.label);
  EXPECT_EQ((*list)[1].label, new_full.label);

  // And again: the newest full is never expired.
  Result<std::vector<std::string>> again = backup::PgBackRestExpire(config_, later);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->empty());
}

TEST(PgBackRestRetention, FullsToKeepCoverTheWindowAndItsStart) {
  const Time now = SystemClock().Now();
  auto full = [&](int days_ago) {
    PgBackRestBackup b;
    b.type = "full";
    b.finished_at = now - std::chrono::days(days_ago);
    return b;
  };
  PgBackRestBackup incr = full(1);
  incr.type = "incr";
  EXPECT_EQ(backup::PgBackRestFullsToKeep({}, now, 30), 0);
  EXPECT_EQ(backup::PgBackRestFullsToKeep({incr, full(50), full(60)}, now, 30), 1);
  EXPECT_EQ(backup::PgBackRestFullsToKeep({full(1), full(10), full(40), full(50)}, now, 30), 3);
  EXPECT_EQ(backup::PgBackRestFullsToKeep({full(1), full(2)}, now, 30), 2);
}

TEST_F(PgBackRestRestore, ArchiveChecksPassWithArchivingOn) {
  SwitchAndArchiveWal();
  Result<std::vector<backup::ArchiveCheck>> checks = backup::PgBackRestArchiveChecks(config_);
  ASSERT_TRUE(checks.ok()) << checks.error().message;
  ASSERT_EQ(checks->size(), 3u);
  for (const backup::ArchiveCheck& c : *checks) EXPECT_TRUE(c.ok) << c.name << ": " << c.value;
  EXPECT_EQ((*checks)[0].name, "archive_mode");
  EXPECT_EQ((*checks)[0].value, "on");
  EXPECT_EQ((*checks)[1].name, "archive_command");
  EXPECT_NE((*checks)[1].value.find("archive-push"), std::string::npos);
  EXPECT_EQ((*checks)[2].name, "wal_archiving");
}

TEST(PgBackRestArchive, ChecksFailWithArchivingOffThenWithAFailingCommand) {
  PrivatePostgres server;
  ASSERT_EQ(server.Run("start"), 0);
  config::Config config;
  config.database.url = server.url();
  config.backup.method = "pgbackrest";

  Result<std::vector<backup::ArchiveCheck>> off = backup::PgBackRestArchiveChecks(config);
  ASSERT_TRUE(off.ok()) << off.error().message;
  ASSERT_EQ(off->size(), 3u);
  EXPECT_EQ((*off)[0].name, "archive_mode");
  EXPECT_FALSE((*off)[0].ok);
  EXPECT_EQ((*off)[0].value, "off");
  EXPECT_FALSE((*off)[1].ok);  // no pgbackrest archive-push

  // Archiving on, into a command that fails: the archiver's failures are
  // newer than its last success.
  Result<std::unique_ptr<storage::Database>> db = storage::OpenDatabase(config.database);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->ExecuteOutsideTransaction("ALTER SYSTEM SET archive_mode = on").ok());
  ASSERT_TRUE(
      (*db)->ExecuteOutsideTransaction("ALTER SYSTEM SET archive_command = '/bin/false'").ok());
  db->reset();
  ASSERT_EQ(server.Run("stop"), 0);
  ASSERT_EQ(server.Run("start"), 0);
  db = storage::OpenDatabase(config.database);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->ExecuteOutsideTransaction("SELECT pg_switch_wal()").ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::vector<backup::ArchiveCheck> failing;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<std::vector<backup::ArchiveCheck>> now = backup::PgBackRestArchiveChecks(config);
    ASSERT_TRUE(now.ok()) << now.error().message;
    failing = *now;
    if (!failing[2].ok) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(failing.size(), 3u);
  EXPECT_TRUE(failing[0].ok);
  EXPECT_FALSE(failing[1].ok);
  EXPECT_EQ(failing[1].value, "/bin/false");
  EXPECT_FALSE(failing[2].ok) << failing[2].value;
  EXPECT_NE(failing[2].value.find("failed (last"), std::string::npos) << failing[2].value;
}

}  // namespace
}  // namespace analytics::test

// Doctor with backup.method pgbackrest: one row per archive check, ok against
// a PostgreSQL archiving into pgBackRest, failing (naming archive_mode)
// against one that does not archive. Real servers on loopback.
#include <gtest/gtest.h>

#include <algorithm>

#include "ops/doctor.h"
#include "support/private_postgres.h"

namespace analytics::test {
namespace {

using ops::Check;
using ops::CheckStatus;

config::Config PgBackRestConfig(const PrivatePostgres& server, bool archiving) {
  config::Config config;
  config.database.url = server.url();
  config.backup.method = "pgbackrest";
  if (archiving) config.backup.pgbackrest_config = server.pgbackrest_config();
  config.server.port = FreePort();  // nothing answers there: api_health fails, not our rows
  return config;
}

TEST(DoctorPgBackRest, ArchivingIntoTheStanzaPasses) {
  PrivatePostgres server(PrivatePostgres::Archiving::kPgBackRest);
  ASSERT_EQ(server.Run("start"), 0);
  std::vector<Check> checks = ops::CheckPgBackRest(PgBackRestConfig(server, true));

  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].name, "pgbackrest:archive_mode");
  EXPECT_EQ(checks[1].name, "pgbackrest:archive_command");
  EXPECT_EQ(checks[2].name, "pgbackrest:wal_archiving");
  for (const Check& c : checks) EXPECT_EQ(c.status, CheckStatus::kOk) << c.name << ": " << c.note;
}

TEST(DoctorPgBackRest, ArchivingOffFailsNamingArchiveMode) {
  PrivatePostgres server;
  ASSERT_EQ(server.Run("start"), 0);
  const config::Config config = PgBackRestConfig(server, false);
  std::vector<Check> checks = ops::CheckPgBackRest(config);

  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].name, "pgbackrest:archive_mode");
  EXPECT_EQ(checks[0].status, CheckStatus::kFail);
  EXPECT_EQ(checks[0].value, "off");
  EXPECT_NE(checks[0].note.find("archive_mode is off"), std::string::npos) << checks[0].note;
  EXPECT_EQ(checks[1].status, CheckStatus::kFail);

  // In the whole run too (a failed row makes `doctor` exit 1).
  ops::DoctorInputs in;
  in.config = &config;
  in.now = SystemClock().Now();
  in.since = in.now;
  in.db_error = "not opened by this test";
  std::vector<Check> all = ops::RunDoctor(in);
  auto row = std::find_if(all.begin(), all.end(),
                          [](const Check& c) { return c.name == "pgbackrest:archive_mode"; });
  ASSERT_NE(row, all.end());
  EXPECT_EQ(row->status, CheckStatus::kFail);
}

TEST(DoctorPgBackRest, OtherMethodsAddNoRow) {
  config::Config config;
  config.backup.method = "dump";
  EXPECT_TRUE(ops::CheckPgBackRest(config).empty());
}

}  // namespace
}  // namespace analytics::test

// pgBackRest against a real PostgreSQL archiving its WAL into a real
// repository (PrivatePostgres::Archiving::kPgBackRest, on loopback): backups
// listed with their type and prior, verify, point-in-time restore to between
// two writes, the refusals, dry run, expire and the archive checks.
#include "backup/pgbackrest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "app/app.h"
#include "backup/pgbackrest_fixture.h"
#include "backup/pgbackrest_run.h"
#include "jobs/job.h"
#include "support/temp_dir.h"

namespace analytics::test {
namespace {

class PgBackRest : public PgBackRestTest {};

TEST_F(PgBackRest, FullThenIncrementalAreListedNewestFirstWithTypeAndPrior) {
  PgBackRestBackup full = Create("full");
  Sql("CREATE TABLE listed (id int)");
  Sql("INSERT INTO listed VALUES (1)");
  PgBackRestBackup incr = Create("incr");

  EXPECT_EQ(full.type, "full");
  EXPECT_TRUE(full.label.ends_with("F")) << full.label;
  EXPECT_EQ(full.prior, "");
  EXPECT_EQ(incr.type, "incr");
  EXPECT_EQ(incr.prior, full.label);
  EXPECT_TRUE(incr.label.starts_with(full.label + "_")) << incr.label;

  Result<std::vector<PgBackRestBackup>> list = backup::PgBackRestList(config_);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].label, incr.label);
  EXPECT_EQ((*list)[1].label, full.label);
  EXPECT_GT((*list)[1].bytes, 0u);
  EXPECT_GT((*list)[1].repo_bytes, 0u);
  EXPECT_LT((*list)[0].repo_bytes, (*list)[1].repo_bytes);  // an incr stores only changes
  EXPECT_LE((*list)[1].started_at, (*list)[1].finished_at);

  Result<std::string> verified = backup::PgBackRestVerify(config_);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_NE(verified->find("2 backup(s)"), std::string::npos) << *verified;
}

// The jobs on this method: `backup` makes a full (then prunes and expires),
// `backup_incremental` an incremental on it, `restore_drill` verifies.
TEST_F(PgBackRest, TheBackupJobsMakeAFullThenAnIncrementalAndTheDrillVerifies) {
  TempDir dumps;
  config_.backup.dir = dumps.path();
  auto app = app::App::Build(config_);
  ASSERT_TRUE(app.ok()) << app.error().message;
  const jobs::JobEnv env{(*app)->db(), (*app)->cache(), (*app)->stats(), (*app)->clock(),
                         (*app)->config()};
  const jobs::JobLog log = [](const std::string&, const std::string&) {};
  auto full = jobs::RunBackup(env, {}, log);
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_NE(full->summary.find("full"), std::string::npos) << full->summary;
  auto incr = jobs::RunBackupIncremental(env, {}, log);
  ASSERT_TRUE(incr.ok()) << incr.error().message;
  auto listed = backup::PgBackRestList(config_);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].type, "incr");
  EXPECT_EQ((*listed)[0].prior, (*listed)[1].label);
  EXPECT_EQ((*listed)[1].type, "full");
  EXPECT_NE(full->summary.find((*listed)[1].label), std::string::npos) << full->summary;
  auto drill = jobs::RunRestoreDrill(env, {}, log);
  ASSERT_TRUE(drill.ok()) << drill.error().message;
  EXPECT_TRUE(std::filesystem::is_empty(dumps.path()));  // no dump on this method
}

TEST(PgBackRestCreate, BadTypeIsRefusedNamingTheFlag) {
  config::Config config;
  config.backup.method = "pgbackrest";
  Result<PgBackRestBackup> made = backup::PgBackRestCreate(config, "weekly");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(made.error().field, "--type");
}

TEST_F(PgBackRest, VerifyFailsOnAFlippedByteInTheRepository) {
  PgBackRestBackup full = Create("full");
  // Damage one stored file of the backup (as its owner would see it).
  const std::filesystem::path data =
      std::filesystem::path(server_.pgbackrest_config()).parent_path() /
      "pgbackrest/repo/backup/analytics" / full.label / "pg_data";
  std::filesystem::path victim;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
    if (entry.is_regular_file() && entry.file_size() > 1024) {
      victim = entry.path();
      break;
    }
  }
  ASSERT_FALSE(victim.empty());
  std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(100);
  file.put('X').put('Y');
  file.close();

  Result<std::string> verified = backup::PgBackRestVerify(config_);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(verified.error().message.find(full.label), std::string::npos)
      << verified.error().message;
}

TEST(PgBackRestCreate, PgBackRestsOwnErrorIsOneLineWithoutSecrets) {
  config::Config config;
  config.backup.method = "pgbackrest";
  config.backup.pgbackrest_config = "/nonexistent/pgbackrest.conf";
  Result<std::vector<PgBackRestBackup>> list = backup::PgBackRestList(config);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(list.error().message.find("pgbackrest info failed"), std::string::npos)
      << list.error().message;
  EXPECT_NE(list.error().message.find("/nonexistent/pgbackrest.conf"), std::string::npos)
      << list.error().message;
  EXPECT_EQ(list.error().message.find('\n'), std::string::npos) << list.error().message;

  EXPECT_EQ(
      backup::pgbackrest::Scrub("ERROR: [056]: unable to connect to 'host=h password=s3cret'"),
      "ERROR: [056]: unable to connect to 'host=h password=***");
  EXPECT_EQ(backup::pgbackrest::Scrub("postgresql://analytics:s3cret@db/x"),
            "postgresql://analytics:***@db/x");
  // A password holding '@': cut at the authority's last '@'.
  EXPECT_EQ(backup::pgbackrest::Scrub("postgresql://analytics:p@ss@w0rd@db:5432/x?a=b@c"),
            "postgresql://analytics:***@db:5432/x?a=b@c");
}

// `pgbackrest info --output=json` of an unexpected shape is an error naming
// what was unexpected, never an exception.
TEST(PgBackRestParseInfo, UnexpectedTypesAreErrorsNamingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([{"name": 5}])", "an entry.name is not a string"},
      {R"([7])", "an entry is not an object"},
      {R"([{"name": "analytics", "status": "ok"}])", "stanza 'analytics'.status is not an object"},
      {R"([{"name": "analytics", "status": {"code": "0"}}])", "status.code is not"},
      {R"([{"name": "analytics", "status": {"code": 1, "message": 3}}])",
       "status.message is not a string"},
      {R"([{"name": "analytics", "status": {"code": 0}, "backup": {}}])", "backup is not an array"},
      {R"([{"name": "analytics", "status": {"code": 0}, "backup": ["x"]}])",
       "backup[0] is not an object"},
      {R"([{"name": "analytics", "status": {"code": 0}, "backup": [{"label": 1}]}])",
       "backup[0].label is not a string"},
      {R"([{"name": "analytics", "status": {"code": 0},
            "backup": [{"label": "L", "timestamp": {"start": "soon"}}]}])",
       "backup[0].timestamp.start is not"},
      {R"([{"name": "analytics", "status": {"code": 0},
            "backup": [{"label": "L", "info": {"repository": []}}]}])",
       "backup[0].info.repository is not an object"},
      {R"([{"name": "analytics", "status": {"code": 0},
            "backup": [{"label": "L", "info": {"size": -1}}]}])",
       "backup[0].info.size is not"},
      {R"({"name": "analytics"})", "not a JSON array"},
      {R"([{"name": "analytics", "status": {"code": 0)", "not a JSON array"},
  };
  for (const auto& [text, want] : cases) {
    Result<std::vector<PgBackRestBackup>> parsed = backup::PgBackRestParseInfo(text, "analytics");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnavailable) << text;
    EXPECT_NE(parsed.error().message.find(want), std::string::npos)
        << text << " -> " << parsed.error().message;
  }
  Result<std::vector<PgBackRestBackup>> good = backup::PgBackRestParseInfo(
      R"([{"name": "other", "status": 5},
          {"name": "analytics", "status": {"code": 0, "message": "ok"},
           "backup": [{"label": "F1", "type": "full", "prior": null,
                       "timestamp": {"start": 100, "stop": 160},
                       "info": {"size": 2048, "repository": {"delta": 512}}}]}])",
      "analytics");
  ASSERT_TRUE(good.ok()) << good.error().message;
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ((*good)[0].label, "F1");
  EXPECT_EQ((*good)[0].bytes, 2048u);
  EXPECT_EQ((*good)[0].repo_bytes, 512u);
  EXPECT_EQ((*good)[0].prior, "");
}

TEST(PgBackRestArchiveCommand, TheStanzaMatchesAsAWholeOptionValue) {
  using backup::ArchiveCommandMatches;
  EXPECT_TRUE(
      ArchiveCommandMatches("pgbackrest --stanza=analytics archive-push %p", "analytics", ""));
  EXPECT_TRUE(ArchiveCommandMatches("/usr/bin/pgbackrest --stanza analytics archive-push \"%p\"",
                                    "analytics", ""));
  EXPECT_FALSE(
      ArchiveCommandMatches("pgbackrest --stanza=analytics2 archive-push %p", "analytics", ""));
  EXPECT_FALSE(
      ArchiveCommandMatches("pgbackrest --stanza=xanalytics archive-push %p", "analytics", ""));
  EXPECT_FALSE(
      ArchiveCommandMatches("pgbackrest --stanza=analytics archive-get %f %p", "analytics", ""));
  EXPECT_FALSE(ArchiveCommandMatches("", "analytics", ""));
  EXPECT_TRUE(ArchiveCommandMatches(
      "pgbackrest --config=/etc/pgb/pgbackrest.conf --stanza=analytics archive-push %p",
      "analytics", "/etc/pgb/pgbackrest.conf"));
  EXPECT_FALSE(ArchiveCommandMatches(
      "pgbackrest --config=/etc/pgb/pgbackrest.conf.old --stanza=analytics archive-push %p",
      "analytics", "/etc/pgb/pgbackrest.conf"));
}

}  // namespace
}  // namespace analytics::test

// `analytics backup create | list | verify | restore` (docs/backup.md), the
// real binary on SQLite and on PostgreSQL + Redis: a backup restores the
// data, a tampered one is refused, restore without --yes changes nothing,
// --table replaces one table, a SIGKILLed create leaves nothing listed, and
// bad input gets a clear error and the right exit code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/app.h"
#include "app/demo.h"
#include "e2e/child_process.h"
#include "storage/open_database.h"
#include "support/backends.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// Flips one byte in the middle of the backup's data file.
void Tamper(const std::string& folder) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".zst") continue;
    const auto size = fs::file_size(entry.path());
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(std::streamoff(size / 2));
    char c = 0;
    file.get(c);
    file.seekp(std::streamoff(size / 2));
    file.put(char(c ^ 0x20));
    return;
  }
  ADD_FAILURE() << "no data file in " << folder;
}

class CliBackup : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    config::Config config;
    config.database.url = "sqlite:///" + Path("a.db");
    config.logging.dir = Path("log");
    auto app = app::App::Build(config);
    ASSERT_TRUE(app.ok()) << app.error().message;
    auto seeded = app::SeedDemo(**app, {.users = 4, .tasks = 200, .seed = 7});
    ASSERT_TRUE(seeded.ok()) << seeded.error().message;
  }

  RunResult Cli(const std::vector<std::string>& args) {
    return Run(args, {{"DATABASE_URL", "sqlite:///./a.db"}}, seconds(60));
  }

  std::string CreateBackup() {
    RunResult made = Cli({"backup", "create", "--json"});
    EXPECT_EQ(made.code(), 0) << made.Describe();
    Json json = Json::parse(made.out, nullptr, false);
    return json.is_object() ? json.value("id", "") : "";
  }

  Json List() {
    RunResult listed = Cli({"backup", "list", "--json"});
    EXPECT_EQ(listed.code(), 0) << listed.Describe();
    return Json::parse(listed.out, nullptr, false);
  }

  bool HasUser(const std::string& id) {
    RunResult users = Cli({"users", "list", "--json"});
    EXPECT_EQ(users.code(), 0) << users.Describe();
    return users.out.find("\"" + id + "\"") != std::string::npos;
  }
};

TEST_F(CliBackup, CreateListVerifyAndRestore) {
  const std::string id = CreateBackup();
  ASSERT_FALSE(id.empty());
  Json listed = List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_EQ(listed[0]["method"], "dump");
  EXPECT_TRUE(listed[0]["verified"].is_null());
  // A backup holds users' data and token hashes: a 0700 folder of 0600 files.
  const fs::path folder = fs::path(Path("")) / listed[0]["path"].get<std::string>();
  ASSERT_TRUE(fs::is_directory(folder)) << folder;
  EXPECT_EQ(fs::status(folder).permissions() & fs::perms::all, fs::perms::owner_all);
  for (const fs::directory_entry& file : fs::directory_iterator(folder)) {
    EXPECT_EQ(file.status().permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << file.path();
  }
  RunResult table = Cli({"backup", "list"});
  EXPECT_TRUE(Contains(table.out, "VERIFIED"));
  EXPECT_TRUE(Contains(table.out, id));

  RunResult verified = Cli({"backup", "verify"});
  EXPECT_EQ(verified.code(), 0) << verified.Describe();
  EXPECT_TRUE(Contains(verified.out, id));
  EXPECT_EQ(List()[0]["verified"]["ok"], true);

  ASSERT_EQ(Cli({"users", "create", "zed"}).code(), 0);
  RunResult plan = Cli({"backup", "restore", id});
  EXPECT_EQ(plan.code(), 2) << plan.Describe();
  EXPECT_TRUE(Contains(plan.err, "re-run with --yes"));
  EXPECT_TRUE(Contains(plan.out, "users"));
  EXPECT_TRUE(HasUser("zed"));  // nothing changed

  RunResult restored = Cli({"backup", "restore", id, "--yes"});
  EXPECT_EQ(restored.code(), 0) << restored.Describe();
  EXPECT_FALSE(HasUser("zed"));
}

TEST_F(CliBackup, TableRestoreReplacesOnlyThatTable) {
  const std::string id = CreateBackup();
  ASSERT_EQ(Cli({"users", "create", "zed"}).code(), 0);
  RunResult restored = Cli({"backup", "restore", id, "--table", "tasks", "--yes"});
  EXPECT_EQ(restored.code(), 0) << restored.Describe();
  EXPECT_TRUE(Contains(restored.out, "tasks"));
  EXPECT_TRUE(HasUser("zed"));  // users was not replaced
}

TEST_F(CliBackup, TamperedBackupIsRefusedByVerifyAndRestore) {
  const std::string id = CreateBackup();
  ASSERT_EQ(Cli({"users", "create", "zed"}).code(), 0);
  Tamper(Path("var/backups/" + id));
  RunResult verified = Cli({"backup", "verify", id});
  EXPECT_EQ(verified.code(), 1) << verified.Describe();
  EXPECT_TRUE(Contains(verified.err, "database.sqlite.zst"));
  RunResult restored = Cli({"backup", "restore", id, "--yes"});
  EXPECT_EQ(restored.code(), 1) << restored.Describe();
  EXPECT_TRUE(Contains(restored.err, "failed verification"));
  EXPECT_TRUE(HasUser("zed"));  // nothing touched
  EXPECT_TRUE(Contains(Cli({"backup", "list"}).out, "FAILED"));
}

TEST_F(CliBackup, BadInputGetsAClearErrorAndExitCode) {
  RunResult unknown = Cli({"backup", "verify", "analytics-nope"});
  EXPECT_EQ(unknown.code(), 5) << unknown.Describe();
  EXPECT_TRUE(Contains(unknown.err, "analytics-nope"));
  unknown = Cli({"backup", "restore", "analytics-nope", "--yes"});
  EXPECT_EQ(unknown.code(), 5) << unknown.Describe();
  EXPECT_TRUE(Contains(unknown.err, "analytics-nope"));
  RunResult type = Cli({"backup", "create", "--type", "incr"});
  EXPECT_EQ(type.code(), 2) << type.Describe();
  EXPECT_TRUE(Contains(type.err, "--type"));
  EXPECT_TRUE(Contains(type.err, "pgbackrest"));
  RunResult method = Cli({"backup", "create", "--method", "tar"});
  EXPECT_EQ(method.code(), 2) << method.Describe();
  EXPECT_TRUE(Contains(method.err, "--method"));
  method = Cli({"backup", "create", "--method", "pgbackrest"});  // on SQLite
  EXPECT_EQ(method.code(), 2) << method.Describe();
  EXPECT_TRUE(Contains(method.err, "PostgreSQL"));
  RunResult to = Cli({"backup", "restore", "--to", "2026-12-04 10:15:00"});
  EXPECT_EQ(to.code(), 2) << to.Describe();
  EXPECT_TRUE(Contains(to.err, "--to"));
  RunResult no_file = Cli({"backup", "restore"});
  EXPECT_EQ(no_file.code(), 2) << no_file.Describe();
  EXPECT_TRUE(Contains(no_file.err, "FILE"));
  RunResult none = Cli({"backup", "verify"});
  EXPECT_EQ(none.code(), 5) << none.Describe();
  EXPECT_TRUE(Contains(none.err, "no backups"));
  RunResult bad_table = Cli({"backup", "restore", CreateBackup(), "--table", "nope"});
  EXPECT_EQ(bad_table.code(), 2) << bad_table.Describe();
  EXPECT_TRUE(Contains(bad_table.err, "--table"));
}

TEST_F(CliBackup, ABackupOfTheOtherKindOfDatabaseIsAUsageError) {
  const std::string id = CreateBackup();
  // The same backup, as if made from PostgreSQL.
  const std::string manifest = Path("var/backups/" + id + "/manifest.json");
  std::ifstream in(manifest);
  Json json = Json::parse(in, nullptr, false);
  in.close();
  ASSERT_TRUE(json.is_object());
  json["source"] = "postgresql";
  std::ofstream(manifest, std::ios::trunc) << json.dump(2);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"backup", "verify", id},
        std::vector<std::string>{"backup", "restore", id, "--yes"}}) {
    RunResult refused = Cli(args);
    EXPECT_EQ(refused.code(), 2) << refused.Describe();
    EXPECT_TRUE(Contains(refused.err, "FILE")) << refused.Describe();
    EXPECT_TRUE(
        Contains(refused.err, "backup " + id + " is of a postgresql database; this is sqlite"))
        << refused.Describe();
  }
}

TEST_F(CliBackup, KilledCreateLeavesNothingListed) {
  {
    config::DatabaseOptions options;
    options.url = "sqlite:///" + Path("a.db");
    auto db = storage::OpenDatabase(options);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->ExecuteOutsideTransaction(
                        "CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                        "SELECT i + 1 FROM n WHERE i < 40000) SELECT i, hex(randomblob(1000)) "
                        "AS x FROM n")
                    .ok());
  }
  auto child = Start({"backup", "create"}, {{"DATABASE_URL", "sqlite:///./a.db"}});
  ASSERT_TRUE(child->started());
  const fs::path dir = Path("var/backups");
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (!seen && std::chrono::steady_clock::now() < deadline && !child->Exited()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      seen |= entry.path().filename().string().rfind(".partial-", 0) == 0;
    }
    if (!seen) std::this_thread::sleep_for(milliseconds(1));  // polling, not timing
  }
  ASSERT_TRUE(seen) << "the backup ended before its .partial folder was seen";
  child->Signal(SIGKILL);
  ExitStatus status = child->Wait(seconds(10));
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_TRUE(List().empty());
  // The next backup completes and is the only one listed.
  const std::string id = CreateBackup();
  Json listed = List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);
}

class CliBackupPostgres : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ANALYTICS_REQUIRE_BACKEND(test::Backend::kPostgresRedis);
    lease_ = std::make_unique<test::BackendLease>(test::Backend::kPostgresRedis, lease_dir_);
  }
  RunResult Cli(const std::vector<std::string>& args) {
    return Run(args, {{"DATABASE_URL", lease_->database_url()}, {"REDIS_URL", lease_->cache_url()}},
               seconds(60));
  }
  test::TempDir lease_dir_;
  std::unique_ptr<test::BackendLease> lease_;
};

TEST_F(CliBackupPostgres, CreateVerifyAndRestore) {
  ASSERT_EQ(Cli({"migrate"}).code(), 0);
  ASSERT_EQ(Cli({"users", "create", "amy"}).code(), 0);
  RunResult made = Cli({"backup", "create", "--json"});
  ASSERT_EQ(made.code(), 0) << made.Describe();
  const std::string id = Json::parse(made.out)["id"];
  EXPECT_TRUE(fs::exists(Path("var/backups/" + id + "/database.pgdump.zst")));
  RunResult verified = Cli({"backup", "verify", id});
  EXPECT_EQ(verified.code(), 0) << verified.Describe();
  ASSERT_EQ(Cli({"users", "create", "zed"}).code(), 0);
  RunResult restored = Cli({"backup", "restore", id, "--yes"});
  EXPECT_EQ(restored.code(), 0) << restored.Describe();
  RunResult users = Cli({"users", "list"});
  EXPECT_TRUE(Contains(users.out, "amy"));
  EXPECT_FALSE(users.out.find("zed") != std::string::npos) << users.out;
}

TEST_F(CliBackupPostgres, PointInTimeNeedsAValidTo) {
  WriteFileText(Path("pgbackrest.yml"), "database:\n  url: \"" + lease_->database_url() +
                                            "\"\nbackup:\n  method: pgbackrest\n");
  RunResult bad = Run({"--config", Path("pgbackrest.yml"), "backup", "restore", "--to", "noon"},
                      {{"DATABASE_URL", lease_->database_url()}}, seconds(30));
  EXPECT_EQ(bad.code(), 2) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err, "--to"));
  RunResult both = Run(
      {"--config", Path("pgbackrest.yml"), "backup", "restore", "x", "--to", "2026-12-04 10:15:00"},
      {{"DATABASE_URL", lease_->database_url()}}, seconds(30));
  EXPECT_EQ(both.code(), 2) << both.Describe();
}

}  // namespace
}  // namespace analytics::e2e

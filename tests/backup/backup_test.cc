// Logical backups on every backend (docs/backup.md): a round trip restores
// every table checksum for checksum and the stats the API served before the
// backup (the cache emptied, so no later number is served); a tampered backup
// is refused with nothing touched; --table replaces one table only; a plan
// without --yes changes nothing.
#include "backup/backup.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "backup/files.h"
#include "backup/pg_tools.h"
#include "backup/table_checksums.h"
#include "storage/anomaly_repository.h"
#include "support/http_client.h"
#include "support/test_app.h"

namespace analytics::backup {
namespace {

using test::Backend;

class BackupTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    app_ = std::make_unique<test::TestApp>(
        GetParam(), [this](config::Config& config) { config.backup.dir = backups_.path(); });
    ctx_.caller.is_admin = true;
    AddTasks("alice", 5);
    AddTasks("bob", 3);
  }

  app::App& app() { return app_->app(); }
  Env env() { return Env{app().db(), app().config(), app().clock(), &app().cache()}; }

  void AddTasks(const std::string& user, int n) {
    if (!app().users().Get(user).ok()) {
      ASSERT_TRUE(app().users().Create(user).ok());
    }
    for (int i = 0; i < n; ++i) {
      tasks::NewTask task;
      task.title = user + " task " + std::to_string(i) + " \\ \"quoted\" ü";
      task.status = i % 2 == 0 ? model::TaskStatus::kDone : model::TaskStatus::kTodo;
      task.priority = model::Priority::kHigh;
      auto made = app().tasks().Create(ctx_, user, task);
      ASSERT_TRUE(made.ok()) << made.error().message;
      ids_.push_back(made->id);
    }
  }

  std::vector<TableEntry> Tables() {
    auto tables = TableChecksums(app().db());
    EXPECT_TRUE(tables.ok()) << tables.error().message;
    return tables.ok() ? *tables : std::vector<TableEntry>{};
  }

  // The API's overview of `user` (GET …/analytics/overview, through the
  // cache as any client gets it), without the time it was computed at.
  std::string Overview(const std::string& user) {
    testing::HttpResult got =
        testing::Get(app_->port(), "/api/v1/users/" + user + "/analytics/overview",
                     {test::TestApp::Auth(test::kAdminToken)});
    EXPECT_EQ(got.status, 200) << got.body;
    return std::regex_replace(got.body, std::regex("\"as_of\":\"[^\"]*\""), "");
  }

  BackupInfo MakeBackup() {
    auto made = Create(env());
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : BackupInfo{};
  }

  // Writes after the backup: a new user, new tasks, a deletion.
  void MoreWrites() {
    AddTasks("carol", 2);
    AddTasks("alice", 2);
    ASSERT_TRUE(app().tasks().Delete(ctx_, "alice", ids_.front()).ok());
  }

  test::TempDir backups_;
  std::unique_ptr<test::TestApp> app_;
  tasks::WriteContext ctx_;
  std::vector<std::int64_t> ids_;
};

bool SameTables(const std::vector<TableEntry>& a, const std::vector<TableEntry>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].rows != b[i].rows || a[i].checksum != b[i].checksum) {
      ADD_FAILURE() << a[i].name << " " << a[i].rows << " " << a[i].checksum << " vs " << b[i].name
                    << " " << b[i].rows << " " << b[i].checksum;
      return false;
    }
  }
  return true;
}

// The token bookkeeping a restore moves forward on purpose: one revocation
// of every cached token, so that no server keeps a token the restored users
// table no longer holds (docs/backup.md, "Restore").
bool IsTokenBookkeeping(const TableEntry& t) {
  return t.name == "token_revocations" || t.name == "token_revocation_log";
}

std::vector<TableEntry> WithoutTokenBookkeeping(std::vector<TableEntry> tables) {
  std::erase_if(tables, IsTokenBookkeeping);
  return tables;
}

const TableEntry& TableOf(const std::vector<TableEntry>& tables, const std::string& name) {
  for (const TableEntry& t : tables) {
    if (t.name == name) return t;
  }
  static const TableEntry kNone;
  ADD_FAILURE() << "no table " << name;
  return kNone;
}

TEST_P(BackupTest, RoundTripRestoresEveryTableAndTheStatsAndEmptiesTheCache) {
  const std::string alice = Overview("alice");
  const std::string bob = Overview("bob");
  const std::vector<TableEntry> before = Tables();
  BackupInfo backup = MakeBackup();
  EXPECT_TRUE(SameTables(backup.manifest.tables, before));
  EXPECT_EQ(TableOf(backup.manifest.tables, "tasks").rows, 8);
  ASSERT_EQ(backup.manifest.files.size(), 1u);
  EXPECT_EQ(backup.manifest.files[0].name, DataFileName(app().db().dialect().name()));

  MoreWrites();
  const std::string alice_later = Overview("alice");  // cached now
  EXPECT_NE(alice_later, alice);
  EXPECT_TRUE(Overview("alice") == alice_later);

  auto plan = PlanRestore(env(), backup, "");
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->verification.ok);
  Result<void> applied = ApplyRestore(env(), backup, *plan);
  ASSERT_TRUE(applied.ok()) << applied.error().message;

  const std::vector<TableEntry> restored = Tables();
  EXPECT_TRUE(SameTables(WithoutTokenBookkeeping(restored),
                         WithoutTokenBookkeeping(backup.manifest.tables)));
  EXPECT_EQ(TableOf(restored, "token_revocation_log").rows,
            TableOf(backup.manifest.tables, "token_revocation_log").rows + 1);
  auto everyone = storage::ReadValue(app().db(), [](storage::Transaction& tx) {
    return tx.Query("SELECT COUNT(*) FROM token_revocation_log WHERE user_id = '*'");
  });
  ASSERT_TRUE(everyone.ok()) << everyone.error().message;
  EXPECT_EQ(everyone->front().Int(0), 1);
  EXPECT_EQ(Overview("alice"), alice);  // not the cached later numbers
  EXPECT_EQ(Overview("bob"), bob);
  EXPECT_FALSE(app().users().Get("carol").ok());
  // The service keeps working on the restored database: ids go on.
  AddTasks("alice", 1);
}

TEST_P(BackupTest, TamperedBackupIsRefusedByVerifyAndRestoreWithNothingTouched) {
  BackupInfo backup = MakeBackup();
  MoreWrites();
  const std::vector<TableEntry> now = Tables();
  const std::string data = backup.path + "/" + backup.manifest.files[0].name;
  {
    std::fstream file(data, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(std::streamoff(backup.manifest.files[0].bytes / 2));
    char c = 0;
    file.get(c);
    file.seekp(std::streamoff(backup.manifest.files[0].bytes / 2));
    file.put(char(c ^ 0x01));
  }
  auto verified = Verify(env(), backup);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_NE(verified->detail.find(backup.manifest.files[0].name), std::string::npos)
      << verified->detail;
  auto listed = Find(backups_.path(), backup.manifest.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_TRUE(listed->verification.has_value());
  EXPECT_FALSE(listed->verification->ok);

  auto plan = PlanRestore(env(), backup, "");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(plan.error().message.find("failed verification"), std::string::npos);
  EXPECT_TRUE(SameTables(Tables(), now));
}

TEST_P(BackupTest, TableRestoreReplacesOnlyThatTable) {
  const std::string alice = Overview("alice");
  BackupInfo backup = MakeBackup();
  MoreWrites();
  const std::string carol = Overview("carol");
  const std::vector<TableEntry> now = Tables();
  auto plan = PlanRestore(env(), backup, "tasks");
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->tables.size(), 1u);
  EXPECT_EQ(plan->tables[0].current_rows, 12);
  EXPECT_EQ(plan->tables[0].backup_rows, 8);
  Result<void> applied = ApplyRestore(env(), backup, *plan);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  const std::vector<TableEntry> after = Tables();
  EXPECT_EQ(TableOf(after, "tasks").checksum, TableOf(backup.manifest.tables, "tasks").checksum);
  EXPECT_EQ(TableOf(after, "users").checksum, TableOf(now, "users").checksum);
  EXPECT_EQ(TableOf(after, "audit_log").checksum, TableOf(now, "audit_log").checksum);
  EXPECT_TRUE(app().users().Get("carol").ok());
  // The counters the API reads follow the restored tasks: alice's numbers
  // are those before the backup, carol (created since) has no tasks, and a
  // recount finds nothing to disagree with.
  EXPECT_EQ(Overview("alice"), alice);
  EXPECT_NE(Overview("carol"), carol);
  EXPECT_NE(Overview("carol").find("\"total\":0"), std::string::npos) << Overview("carol");
  auto mismatches = storage::ReadValue(app().db(), [&](storage::Transaction& tx) {
    storage::AnomalyRepository anomalies(tx, app().db().dialect());
    auto aggregates = anomalies.AggregateMismatches(10);
    if (!aggregates.ok()) return aggregates;
    auto due = anomalies.OpenDueMismatches(10);
    if (!due.ok()) return due;
    aggregates->insert(aggregates->end(), due->begin(), due->end());
    return aggregates;
  });
  ASSERT_TRUE(mismatches.ok()) << mismatches.error().message;
  EXPECT_TRUE(mismatches->empty())
      << mismatches->front().user_id << " " << mismatches->front().what;
  // New ids continue past the restored ones (the sequence was reset).
  AddTasks("bob", 1);

  auto unknown = PlanRestore(env(), backup, "no_such_table");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "--table");
}

TEST_P(BackupTest, ABackupOfAnotherSchemaVersionIsRefusedBeforeAnythingIsRead) {
  BackupInfo backup = MakeBackup();
  BackupInfo newer = backup;
  newer.manifest.schema_version = backup.manifest.schema_version + 1;
  auto refused = PlanRestore(env(), newer, "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "FILE");
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
  // One table only comes from the live schema's own version.
  BackupInfo older = backup;
  older.manifest.schema_version = backup.manifest.schema_version - 1;
  auto table = PlanRestore(env(), older, "tasks");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().field, "--table");
}

TEST_P(BackupTest, ARestoreDropsEveryServersCachedTokens) {
  auto alice = app().users().RotateToken("alice");
  ASSERT_TRUE(alice.ok());
  BackupInfo backup = MakeBackup();
  // Rotated after the backup, and used, so the server caches it as valid.
  auto later = app().users().RotateToken("alice");
  ASSERT_TRUE(later.ok());
  const std::string path = "/api/v1/users/alice/analytics/overview";
  ASSERT_EQ(testing::Get(app_->port(), path, {test::TestApp::Auth(later->token)}).status, 200);
  auto plan = PlanRestore(env(), backup, "");
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  Result<void> applied = ApplyRestore(env(), backup, *plan);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  // The restored users table holds the token of backup time again; the
  // later one, cached as valid a moment ago, stops working once the
  // server's revocation watch reads the log (every 100 ms).
  int status = 200;
  for (int i = 0; i < 100 && status == 200; ++i) {
    status = testing::Get(app_->port(), path, {test::TestApp::Auth(later->token)}).status;
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(testing::Get(app_->port(), path, {test::TestApp::Auth(alice->token)}).status, 200);
}

TEST_P(BackupTest, PlanWithoutApplyChangesNothing) {
  BackupInfo backup = MakeBackup();
  MoreWrites();
  const std::vector<TableEntry> now = Tables();
  auto plan = PlanRestore(env(), backup, "");
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(SameTables(Tables(), now));
  auto listed = List(backups_.path());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_TRUE(listed->front().verification.has_value());
  EXPECT_TRUE(listed->front().verification->ok);
}

TEST_P(BackupTest, ListIsNewestFirstAndIgnoresPartialAndBrokenFolders) {
  BackupInfo first = MakeBackup();
  BackupInfo second = MakeBackup();
  std::filesystem::create_directories(backups_.path() + "/.partial-analytics-20990101T000000Z");
  std::filesystem::create_directories(backups_.path() + "/analytics-20990101T000000Z");
  std::ofstream(backups_.path() + "/analytics-20990101T000000Z/manifest.json") << "{";
  auto listed = List(backups_.path());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->at(0).manifest.id, second.manifest.id);
  EXPECT_EQ(listed->at(1).manifest.id, first.manifest.id);
  EXPECT_NE(first.manifest.id, second.manifest.id);
  EXPECT_FALSE(Find(backups_.path(), "analytics-20990101T000000Z").ok());
  EXPECT_TRUE(Find(backups_.path(), first.path + "/manifest.json").ok());
}

TEST_P(BackupTest, FailedCreateLeavesNoFolder) {
  // backup.dir is a file: nothing can be written under it.
  const std::string file = backups_.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  config::Config config = app().config();
  config.backup.dir = file;
  auto made = Create(Env{app().db(), config, app().clock(), nullptr});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kUnavailable);
  auto listed = List(backups_.path());
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

// A tmpfs of `size` mounted on a fresh folder (a full disk), unmounted on
// destruction. Needs root, as the tests run (CI too).
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    mounted_ =
        test::RunCommand("mount -t tmpfs -o size=" + size + " tmpfs '" + dir_.path() + "'") == 0;
  }
  ~SmallDisk() {
    if (mounted_) test::RunCommand("umount '" + dir_.path() + "'");
  }
  bool mounted() const { return mounted_; }
  const std::string& path() const { return dir_.path(); }

 private:
  test::TempDir dir_;
  bool mounted_ = false;
};

TEST_P(BackupTest, FullDiskFailsNamingEnospcAndLeavesNoPartialFolder) {
  // About 2 MB of random text: more than the disk holds, compressed or not.
  const std::string filler =
      GetParam() == Backend::kPostgresRedis
          ? "CREATE TABLE filler AS SELECT i, (SELECT string_agg(md5(random()::text || i || j), "
            "'') FROM generate_series(1, 32) j) AS x FROM generate_series(1, 2000) i"
          : "CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
            "FROM n WHERE i < 2000) SELECT i, hex(randomblob(512)) AS x FROM n";
  ASSERT_TRUE(app().db().ExecuteOutsideTransaction(filler).ok());
  SmallDisk disk("256k");
  ASSERT_TRUE(disk.mounted()) << "mount -t tmpfs failed (the tests need root)";
  config::Config config = app().config();
  config.backup.dir = disk.path() + "/backups";
  auto made = Create(Env{app().db(), config, app().clock(), nullptr});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(made.error().message.find("ENOSPC"), std::string::npos) << made.error().message;
  EXPECT_TRUE(std::filesystem::is_empty(config.backup.dir));
  // The service goes on writing.
  AddTasks("alice", 1);
}

TEST_P(BackupTest, FailedUploadFailsCreateAndTheBackupStaysListed) {
  config::Config config = app().config();
  config.backup.upload_command = "exit 3 {file}";
  auto made = Create(Env{app().db(), config, app().clock(), nullptr});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(made.error().message.rfind("upload failed: ", 0), 0u) << made.error().message;
  auto listed = List(backups_.path());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_TRUE(listed->front().manifest.upload.has_value());
  EXPECT_FALSE(listed->front().manifest.upload->ok);
  EXPECT_EQ(listed->front().manifest.upload->command, "exit 3 {file}");
  auto verified = Verify(env(), listed->front());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->detail;
}

// Writes `manifest` as the backup's manifest.json and reads the backup back.
BackupInfo Rewrite(const std::string& dir, const BackupInfo& backup, const Manifest& manifest) {
  std::ofstream(backup.path + "/manifest.json", std::ios::trunc) << ManifestJson(manifest);
  auto found = Find(dir, manifest.id);
  EXPECT_TRUE(found.ok()) << found.error().message;
  return found.ok() ? *found : BackupInfo{};
}

TEST_P(BackupTest, AnEditedTableChecksumFailsVerifyNamingTheTable) {
  BackupInfo backup = MakeBackup();
  Manifest edited = backup.manifest;
  for (TableEntry& t : edited.tables) {
    if (t.name == "tasks") t.checksum = ChecksumHex(0x1234);
  }
  auto verified = Verify(env(), Rewrite(backups_.path(), backup, edited));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->detail.rfind("table tasks: ", 0), 0u) << verified->detail;
}

TEST_P(BackupTest, ADataFileTheManifestDoesNotListIsRefused) {
  // The manifest lists (and hashes) a copy; the data file a restore reads
  // must itself be listed, so its sha256 is always checked.
  BackupInfo backup = MakeBackup();
  const std::string data = DataFileName(backup.manifest.source);
  std::filesystem::copy_file(backup.path + "/" + data, backup.path + "/copy.zst");
  Manifest edited = backup.manifest;
  edited.files[0].name = "copy.zst";
  auto verified = Verify(env(), Rewrite(backups_.path(), backup, edited));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_NE(verified->detail.find("do not list the data file " + data), std::string::npos)
      << verified->detail;
}

TEST_P(BackupTest, ABackupOfTheOtherKindOfDatabaseIsAUsageErrorNamingFile) {
  BackupInfo backup = MakeBackup();
  const std::string here(app().db().dialect().name());
  const std::string other = here == "sqlite" ? "postgresql" : "sqlite";
  Manifest edited = backup.manifest;
  edited.source = other;
  BackupInfo foreign = Rewrite(backups_.path(), backup, edited);
  auto verified = Verify(env(), foreign);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(verified.error().field, "FILE");
  EXPECT_NE(verified.error().message.find("is of a " + other + " database; this is " + here),
            std::string::npos)
      << verified.error().message;
  auto plan = PlanRestore(env(), foreign, "");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(BackupTest, VerifyStillAnswersWhenVerifiedJsonCannotBeWritten) {
  BackupInfo backup = MakeBackup();
  // A folder in the way: the rename over verified.json fails (as on a
  // read-only mount, which root's tests cannot make by chmod).
  std::filesystem::create_directories(backup.path + "/verified.json/in-the-way");
  std::vector<std::string> warnings;
  auto verified = Verify(env(), backup, [&](const std::string& event, const std::string& detail) {
    if (event == "warning") warnings.push_back(detail);
  });
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->detail;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("verified.json not written: ", 0), 0u) << warnings[0];
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackupTest, ::testing::ValuesIn(test::ConfiguredBackends()),
                         test::BackendParamName);

// SQLite only: damage PRAGMA integrity_check finds and table scans do not.
class SqliteBackupTest : public BackupTest {};

// Redefines index `index` of the SQLite file `path` over other columns, so
// its entries no longer match its table (the rows stay as they were).
void BreakIndex(const std::string& path, const std::string& index, const std::string& columns) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql =
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'CREATE "
      "INDEX " +
      index + " ON tasks(" + columns + ")' WHERE name = '" + index +
      "'; PRAGMA writable_schema = OFF;";
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST_P(SqliteBackupTest, ADamagedIndexFailsVerifyThroughIntegrityCheck) {
  BackupInfo backup = MakeBackup();
  const std::string data = backup.path + "/" + backup.manifest.files[0].name;
  const std::string plain = backups_.File("plain.sqlite");
  ASSERT_TRUE(DecompressFile(data, plain).ok());
  BreakIndex(plain, "idx_tasks_user_created", "user_id, title");
  // Recompressed and re-hashed: the files and tables match the manifest.
  auto entry = CompressFile(plain, data);
  ASSERT_TRUE(entry.ok()) << entry.error().message;
  Manifest edited = backup.manifest;
  edited.files[0].bytes = entry->bytes;
  edited.files[0].sha256 = entry->sha256;
  auto verified = Verify(env(), Rewrite(backups_.path(), backup, edited));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_FALSE(verified->ok);
  EXPECT_NE(verified->detail.find("fails PRAGMA integrity_check"), std::string::npos)
      << verified->detail;
  EXPECT_NE(verified->detail.find("idx_tasks_user_created"), std::string::npos) << verified->detail;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteBackupTest, ::testing::Values(Backend::kSqliteMemory),
                         test::BackendParamName);

TEST(Manifest, RoundTripsAndNamesTheBadField) {
  Manifest m;
  m.id = "analytics-20261205T030000Z";
  m.source = "postgresql";
  m.database = "postgresql://u@h/db";
  m.schema_version = 8;
  m.tool = "pg_dump (PostgreSQL) 15.18";
  m.host = "h";
  m.started_at = ParseTime("2026-12-05T03:00:00Z").value();
  m.finished_at = ParseTime("2026-12-05T03:00:05.5Z").value();
  m.files.push_back(FileEntry{"database.pgdump.zst", 1234, std::string(64, 'a')});
  m.tables.push_back(TableEntry{"tasks", 10, "00000000000000ff"});
  UploadRecord upload;
  upload.command = "aws s3 cp {file} s3://b/{name}";
  upload.finished_at = m.finished_at;
  upload.ok = false;
  upload.error = "exit 1";
  upload.files = {"database.pgdump.zst"};
  m.upload = upload;
  auto parsed = ParseManifest(ManifestJson(m));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(ManifestJson(*parsed), ManifestJson(m));

  std::string text = ManifestJson(m);
  text.replace(text.find("\"rows\": 10"), 10, "\"rows\": \"x\"");
  auto bad = ParseManifest(text);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "tables[0].rows");
  auto missing = ParseManifest("{\"format_version\": 1}");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "id");
}

TEST(Checksum, RowTextAndSumAreDefined) {
  storage::Row row({storage::Value{std::int64_t{7}}, storage::Value{nullptr},
                    storage::Value{std::string("a\tb\\c\n")}, storage::Value{0.5}});
  EXPECT_EQ(SqliteRowText(row), "7\t\\N\ta\\tb\\\\c\\n\t0.5");
  // sha256("abc") starts ba7816bf8f01cfea.
  EXPECT_EQ(ChecksumHex(RowHash("abc")), "ba7816bf8f01cfea");
  EXPECT_EQ(ChecksumHex(RowHash("abc") + RowHash("abc")), "74f02d7f1e039fd4");
}

TEST(PgTools, ThePasswordGoesToTheEnvironmentAndUrlsRoundTrip) {
  const std::string url = "postgresql://app:p%40ss%20w@db.local:5433/analytics?sslmode=disable";
  auto env = PgEnvironment(url, "analytics_verify_1");
  ASSERT_TRUE(env.ok()) << env.error().message;
  std::map<std::string, std::string> vars(env->begin(), env->end());
  EXPECT_EQ(vars["PGPASSWORD"], "p@ss w");
  EXPECT_EQ(vars["PGUSER"], "app");
  EXPECT_EQ(vars["PGHOST"], "db.local");
  EXPECT_EQ(vars["PGPORT"], "5433");
  EXPECT_EQ(vars["PGDATABASE"], "analytics_verify_1");
  EXPECT_EQ(vars["PGSSLMODE"], "disable");
  auto scratch = PgUrlFor(url, "other db");
  ASSERT_TRUE(scratch.ok());
  auto again = PgEnvironment(*scratch);
  ASSERT_TRUE(again.ok());
  std::map<std::string, std::string> back(again->begin(), again->end());
  EXPECT_EQ(back["PGPASSWORD"], "p@ss w");
  EXPECT_EQ(back["PGDATABASE"], "other db");
  EXPECT_EQ(PgDatabaseName(url).value(), "analytics");
  auto bad = PgEnvironment("postgresql://h/db?no_such_setting=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "database.url");
}

}  // namespace
}  // namespace analytics::backup

// The backup jobs and `backup prune` through the built binary, and
// backup.upload_command with a real `aws s3 cp` to a local S3 (moto_server):
// the objects' sha256 equal the manifest's, and a missing bucket fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "e2e/child_process.h"
#include "e2e/s3_server.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

class BackupJobsCli : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    WriteConfig("");
    ASSERT_EQ(Run({"users", "create", "alice"}).code(), 0);
  }
  void WriteConfig(const std::string& upload_command) {
    std::string yaml = "backup:\n  dir: " + Path("backups") + "\n";
    if (!upload_command.empty()) yaml += "  upload_command: \"" + upload_command + "\"\n";
    WriteFileText(Path("config.yml"), yaml);
  }
  RunResult Cli(std::vector<std::string> args, const Env& env = {}) {
    args.insert(args.begin(), {"--config", Path("config.yml")});
    return Run(args, env, seconds(120));
  }
  std::vector<std::string> Folders() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(Path("backups"))) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  Json Manifest(const std::string& id) {
    return Json::parse(ReadFileText(Path("backups/" + id + "/manifest.json")), nullptr, false);
  }
};

std::map<std::string, Json> ByJob(const std::string& out) {
  std::map<std::string, Json> by;
  Json list = Json::parse(out, nullptr, false);
  if (!list.is_array()) return by;
  for (const Json& j : list) by[j["job"]] = j;
  return by;
}

TEST_F(BackupJobsCli, TheJobsAreListedAndIncrementalDoesNotApplyToDump) {
  RunResult schedule = Cli({"--json", "job", "schedule"});
  RunResult schedule_table = Cli({"job", "schedule"});
  RunResult status = Cli({"--json", "job", "status"});
  RunResult incremental = Cli({"job", "run", "backup_incremental"});

  ASSERT_EQ(schedule.code(), 0) << schedule.Describe();
  auto jobs = ByJob(schedule.out);
  EXPECT_EQ(jobs["backup"]["schedule"], "0 3 * * *");
  EXPECT_TRUE(jobs["backup"]["next_run"].is_string());
  EXPECT_TRUE(jobs["backup"]["not_applicable"].is_null());
  EXPECT_EQ(jobs["restore_drill"]["schedule"], "0 5 * * 0");
  EXPECT_TRUE(jobs["restore_drill"]["next_run"].is_string());
  EXPECT_TRUE(jobs["backup_incremental"]["next_run"].is_null());
  EXPECT_TRUE(Contains(jobs["backup_incremental"]["not_applicable"].get<std::string>(),
                       "needs backup.method: pgbackrest"));
  EXPECT_TRUE(Contains(schedule_table.out, "needs backup.method: pgbackrest"));
  EXPECT_EQ(status.code(), 0) << "nothing needs attention on a fresh install\n"
                              << status.Describe();
  auto states = ByJob(status.out);
  EXPECT_EQ(states["backup"]["state"], "never_run");
  EXPECT_EQ(states["restore_drill"]["state"], "never_run");
  EXPECT_EQ(states["backup_incremental"]["state"], "not_applicable");
  EXPECT_EQ(incremental.code(), 5) << incremental.Describe();
  EXPECT_TRUE(Contains(incremental.err, "backup_incremental needs backup.method: pgbackrest"));
}

TEST_F(BackupJobsCli, BackupThenDrillThenPruneDryRunAndPrune) {
  RunResult first = Cli({"--json", "job", "run", "backup"});
  RunResult second = Cli({"--json", "job", "run", "backup"});
  RunResult drill = Cli({"job", "run", "restore_drill"});
  ASSERT_EQ(first.code(), 0) << first.Describe();
  ASSERT_EQ(second.code(), 0) << second.Describe();
  ASSERT_EQ(drill.code(), 0) << drill.Describe();
  std::vector<std::string> ids = Folders();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_TRUE(Contains(Json::parse(first.out)["summary"].get<std::string>(), "backup " + ids[0]));
  // The first backup is made 40 days old (its manifest's start).
  Json manifest = Manifest(ids[0]);
  manifest["started_at"] = FormatTime(*ParseTime(manifest["started_at"].get<std::string>()) -
                                      std::chrono::hours(24 * 40));
  WriteFileText(Path("backups/" + ids[0] + "/manifest.json"), manifest.dump(2));

  RunResult dry = Cli({"--json", "backup", "prune", "--dry-run"});
  std::vector<std::string> after_dry = Folders();
  RunResult prune = Cli({"backup", "prune"});
  std::vector<std::string> after = Folders();
  RunResult again = Cli({"--json", "backup", "prune"});

  ASSERT_EQ(dry.code(), 0) << dry.Describe();
  Json plan = Json::parse(dry.out);
  EXPECT_EQ(plan["dry_run"], true);
  ASSERT_EQ(plan["removed"].size(), 1u) << dry.out;
  EXPECT_EQ(plan["removed"][0]["id"], ids[0]);
  EXPECT_EQ(plan["removed"][0]["reason"], "older than 30 days");
  ASSERT_EQ(plan["kept"].size(), 1u);
  EXPECT_EQ(plan["kept"][0]["id"], ids[1]);
  EXPECT_EQ(after_dry, ids) << "a dry run removes nothing";
  ASSERT_EQ(prune.code(), 0) << prune.Describe();
  EXPECT_TRUE(Contains(prune.out, "removed"));
  EXPECT_TRUE(Contains(prune.out, ids[0]));
  EXPECT_EQ(after, std::vector<std::string>{ids[1]});
  ASSERT_EQ(again.code(), 0) << again.Describe();
  EXPECT_TRUE(Json::parse(again.out)["removed"].empty());
}

TEST_F(BackupJobsCli, UploadsToALocalS3AndAMissingBucketFailsTheBackup) {
  S3Server s3;
  ASSERT_TRUE(s3.ok()) << s3.error();
  ASSERT_EQ(s3.Aws({"s3", "mb", "s3://analytics-backups"}).code(), 0);
  WriteConfig(s3.CopyTemplate("analytics-backups"));

  RunResult good = Cli({"backup", "create"}, s3.AwsEnv());
  std::vector<std::string> ids = Folders();
  WriteConfig(s3.CopyTemplate("no-such-bucket"));
  RunResult bad = Cli({"job", "run", "backup"}, s3.AwsEnv());
  std::vector<std::string> all = Folders();

  ASSERT_EQ(good.code(), 0) << good.Describe();
  ASSERT_EQ(ids.size(), 1u);
  Json manifest = Manifest(ids[0]);
  ASSERT_TRUE(manifest["upload"].is_object()) << manifest.dump();
  EXPECT_EQ(manifest["upload"]["ok"], true) << manifest["upload"].dump();
  ASSERT_FALSE(manifest["files"].empty());
  for (const Json& file : manifest["files"]) {
    const std::string name = file["name"];
    auto object = s3.Fetch("analytics-backups", ids[0] + "/" + name);
    ASSERT_TRUE(object.has_value()) << name;
    EXPECT_EQ(Sha256Hex(*object), file["sha256"]) << name;
    EXPECT_EQ(object->size(), file["bytes"].get<std::uint64_t>());
  }
  EXPECT_TRUE(s3.Fetch("analytics-backups", ids[0] + "/manifest.json").has_value());
  EXPECT_EQ(bad.code(), 5) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err, "upload failed")) << bad.err;
  EXPECT_TRUE(Contains(bad.err, "NoSuchBucket")) << bad.err;
  ASSERT_EQ(all.size(), 2u);
  Json failed = Manifest(all[1]);
  EXPECT_EQ(failed["upload"]["ok"], false);
  EXPECT_TRUE(Contains(failed["upload"]["error"].get<std::string>(), "NoSuchBucket"));
}

}  // namespace
}  // namespace analytics::e2e

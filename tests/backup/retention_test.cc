#include "backup/retention.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/child_process.h"
#include "support/temp_dir.h"

namespace analytics::backup {
namespace {

using std::chrono::days;
using std::chrono::hours;

Time At(const char* text) { return *ParseTime(text); }

BackupInfo Backup(const std::string& id, Time started, std::optional<bool> verified = {}) {
  BackupInfo info;
  info.path = "/backups/" + id;
  info.manifest.id = id;
  info.manifest.started_at = started;
  info.manifest.finished_at = started + std::chrono::minutes(1);
  info.bytes = 1000;
  if (verified) {
    Verification v;
    v.at = started + hours(1);
    v.ok = *verified;
    info.verification = v;
  }
  return info;
}

std::vector<std::string> Ids(const std::vector<PruneEntry>& entries) {
  std::vector<std::string> ids;
  for (const PruneEntry& e : entries) ids.push_back(e.id);
  return ids;
}

class PlanPruneTest : public ::testing::Test {
 protected:
  FakeClock clock_{At("2026-12-05T03:30:00Z")};
  Time Ago(std::chrono::hours h) const { return clock_.Now() - h; }
};

TEST_F(PlanPruneTest, RemovesBackupsPastRetentionOnly) {
  std::vector<BackupInfo> backups = {
      Backup("new", Ago(hours(1)), true), Backup("edge", Ago(days(30)), true),
      Backup("old", Ago(days(30) + hours(1)), true), Backup("older", Ago(days(90)), false)};

  PrunePlan plan = PlanPrune(backups, {}, clock_.Now(), 30);

  EXPECT_EQ(Ids(plan.remove), (std::vector<std::string>{"old", "older"}));
  EXPECT_EQ(Ids(plan.keep), (std::vector<std::string>{"new", "edge"}));
  EXPECT_EQ(plan.remove[0].reason, "older than 30 days");
  EXPECT_EQ(plan.keep[0].reason, "within 30 days");
}

TEST_F(PlanPruneTest, NeverRemovesTheNewestVerifiedBackup) {
  // Newer backups exist but none verified (or one failed verification).
  std::vector<BackupInfo> backups = {
      Backup("failed", Ago(days(40)), false), Backup("unverified", Ago(days(45))),
      Backup("verified", Ago(days(50)), true), Backup("verified-older", Ago(days(60)), true)};

  PrunePlan plan = PlanPrune(backups, {}, clock_.Now(), 30);

  EXPECT_EQ(Ids(plan.keep), std::vector<std::string>{"verified"});
  EXPECT_EQ(plan.keep[0].reason, "the newest verified backup");
  EXPECT_EQ(Ids(plan.remove), (std::vector<std::string>{"failed", "unverified", "verified-older"}));
}

TEST_F(PlanPruneTest, WithNoneVerifiedTheNewestBackupStays) {
  std::vector<BackupInfo> backups = {Backup("a", Ago(days(31))), Backup("b", Ago(days(32)))};

  PrunePlan plan = PlanPrune(backups, {}, clock_.Now(), 30);

  EXPECT_EQ(Ids(plan.keep), std::vector<std::string>{"a"});
  EXPECT_EQ(plan.keep[0].reason, "the newest backup (none is verified)");
  EXPECT_EQ(Ids(plan.remove), std::vector<std::string>{"b"});
}

TEST_F(PlanPruneTest, AVerifiedBackupWithinRetentionProtectsNothingOlder) {
  std::vector<BackupInfo> backups = {Backup("recent", Ago(days(1)), true),
                                     Backup("old-verified", Ago(days(31)), true)};

  PrunePlan plan = PlanPrune(backups, {}, clock_.Now(), 30);

  EXPECT_EQ(Ids(plan.remove), std::vector<std::string>{"old-verified"});
}

TEST_F(PlanPruneTest, StalePartialsGoFreshOnesStay) {
  std::vector<PartialFolder> partials = {
      {"/b/.partial-analytics-1", ".partial-analytics-1", Ago(hours(25)), 10},
      {"/b/.partial-analytics-2", ".partial-analytics-2", Ago(hours(2)), 10},
      {"/b/.partial-removing-analytics-0", ".partial-removing-analytics-0", Ago(hours(0)), 5},
      {"/b/.scratch-1", ".scratch-1", Ago(hours(30)), 5},
      {"/b/.scratch-2", ".scratch-2", Ago(hours(1)), 5}};

  PrunePlan plan = PlanPrune({}, partials, clock_.Now(), 30);

  EXPECT_EQ(Ids(plan.remove),
            (std::vector<std::string>{".partial-analytics-1", ".partial-removing-analytics-0",
                                      ".scratch-1"}));
  EXPECT_EQ(plan.remove[0].reason, "an unfinished backup, untouched for over a day");
  EXPECT_TRUE(plan.keep.empty());
}

TEST_F(PlanPruneTest, NothingToPruneIsAnEmptyPlan) {
  PrunePlan plan = PlanPrune({}, {}, clock_.Now(), 30);

  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.keep.empty());
}

TEST(ListPartials, FindsPartialFoldersWithTheirNewestChange) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.File(".partial-analytics-1"));
  std::filesystem::create_directories(dir.File("analytics-2"));
  e2e::WriteFileText(dir.File(".partial-analytics-1/data.zst"), "12345");
  auto old_time = std::filesystem::file_time_type::clock::now() - days(3);
  std::filesystem::last_write_time(dir.File(".partial-analytics-1"), old_time);

  auto partials = ListPartials(dir.path());
  auto missing = ListPartials(dir.File("none"));

  ASSERT_TRUE(partials.ok()) << partials.error().message;
  ASSERT_EQ(partials->size(), 1u);
  EXPECT_EQ((*partials)[0].name, ".partial-analytics-1");
  EXPECT_EQ((*partials)[0].bytes, 5u);
  // The file written just now counts, not the folder's old mtime.
  EXPECT_LT(SystemClock().Now() - (*partials)[0].modified, hours(1));
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

}  // namespace
}  // namespace analytics::backup

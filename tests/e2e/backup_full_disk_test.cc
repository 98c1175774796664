// A full disk during a backup (issue 14): backup.dir is a tmpfs far smaller
// than the backup, under a running `analytics demo` server whose own backup
// job (POST /api/v1/admin/jobs/backup/run) runs out of space. The job fails
// with the reason, leaves no partial folder, and the server answers /health
// and stats over its real socket during and after. Needs root for mount(2):
// a machine where mounting is not permitted fails the test.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include "e2e/child_process.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr char kAdminToken[] = "e2e-full-disk-admin-token-0123456789ab";

// A tmpfs of `size` mounted on `path` while this lives; unmounted (lazily,
// so a busy mount cannot keep it) on every path out of the test.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& path, const std::string& size) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      error_ = "mount -t tmpfs on " + path + ": " + std::strerror(errno);
    }
  }
  ~TmpfsMount() {
    if (error_.empty()) ::umount2(path_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

class BackupFullDisk : public E2eTest {};

TEST_F(BackupFullDisk, TheJobFailsWithItsReasonLeavesNothingAndTheServerServes) {
  const std::string backups = Path("backups");
  TmpfsMount tmpfs(backups, "64k");
  ASSERT_EQ(tmpfs.error(), "") << "this test needs mount(2) (root)";
  WriteFileText(Path("config.yml"), "backup:\n  dir: " + backups + "\n");
  const int port = FreePort();
  auto server = Start({"--config", Path("config.yml"), "demo", "--users", "20", "--tasks", "20000",
                       "--port", std::to_string(port)},
                      {{"ANALYTICS_ADMIN_TOKEN", kAdminToken}});
  ASSERT_TRUE(WaitForStdout(*server, "Press Ctrl-C", seconds(120))) << server->Stderr();
  std::smatch token;
  const std::string printed = server->Stdout();
  ASSERT_TRUE(std::regex_search(printed, token, std::regex("demo-user-01 token: (\\S+)")));
  const testing::HeaderList user = {{"Authorization", "Bearer " + token[1].str()}};
  const testing::HeaderList admin = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  const std::string overview = "/api/v1/users/demo-user-01/analytics/overview";
  const std::string before = testing::Get(port, overview, user).body;

  // The job runs in one request while another client keeps asking.
  auto job = std::async(std::launch::async, [&] {
    return testing::Post(port, "/api/v1/admin/jobs/backup/run", "", admin);
  });
  int answered = 0, refused = 0;
  while (job.wait_for(milliseconds(0)) != std::future_status::ready) {
    const bool health = testing::Get(port, "/health").status == 200;
    const bool stats = testing::Get(port, overview, user).status == 200;
    (health && stats ? answered : refused)++;
  }
  testing::HttpResult run = job.get();
  RunResult status = Run({"--config", Path("config.yml"), "--json", "job", "status", "backup"});
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(backups)) {
    left.push_back(entry.path().filename().string());
  }

  EXPECT_EQ(run.status, 500) << run.body;
  EXPECT_EQ(refused, 0) << answered << " answered";
  EXPECT_GT(answered, 0);
  EXPECT_EQ(status.code(), 1) << status.Describe();
  Json rows = Json::parse(status.out, nullptr, false);
  ASSERT_TRUE(rows.is_array() && rows.size() == 1u) << status.Describe();
  EXPECT_EQ(rows[0]["last_run_status"], "failed");
  // The reason as the failing writer gives it: SQLite's copy says SQLITE_FULL's
  // words, a file write strerror(ENOSPC)'s.
  const std::string error = rows[0]["last_run_error"].get<std::string>();
  EXPECT_TRUE(error.find("No space left on device") != std::string::npos ||
              error.find("database or disk is full") != std::string::npos)
      << error;
  EXPECT_TRUE(Contains(error, "backup failed"));
  EXPECT_TRUE(left.empty()) << "left in backup.dir: " << left.front();
  EXPECT_EQ(testing::Get(port, "/health").status, 200);
  testing::HttpResult after = testing::Get(port, overview, user);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, before);
}

}  // namespace
}  // namespace analytics::e2e

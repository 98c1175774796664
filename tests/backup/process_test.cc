// How backup/ runs pg_dump, pg_restore and psql (process.h): a deadline that
// kills the tool's whole process group, no service secrets in its
// environment, a lock_timeout for pg_restore and psql, and no descriptor of
// ours leaking into the child.
#include "backup/process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace analytics::backup {
namespace {

ProcessSpec Capturing(std::vector<std::string> argv, std::string& out) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.on_stdout = [&out](std::string_view chunk) -> Result<void> {
    out.append(chunk);
    return Ok();
  };
  return spec;
}

// Whether `pid` is gone (or only a zombie waiting for its reaper).
bool Gone(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

TEST(RunProcess, ADeadlineKillsTheToolAndItsChildrenWithAClearError) {
  std::string out;
  // The shell prints its background child's pid, then waits for it.
  ProcessSpec spec = Capturing({"sh", "-c", "sleep 300 & echo $!; wait"}, out);
  spec.timeout = std::chrono::milliseconds(500);
  const auto started = std::chrono::steady_clock::now();
  Result<void> ran = RunProcess(spec);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(ran.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(ran.error().message.find("sh did not finish within 500ms and was killed"),
            std::string::npos)
      << ran.error().message;
  EXPECT_LT(took, std::chrono::seconds(10));
  std::string grandchild = out.substr(0, out.find('\n'));
  ASSERT_FALSE(grandchild.empty());
  // Killed with its group: bounded wait for the kernel to finish it off.
  bool gone = false;
  for (int i = 0; i < 500 && !(gone = Gone(grandchild)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "sleep " << grandchild << " survived the deadline";
}

TEST(RunProcess, ATimelyToolIsNotDisturbedByItsDeadline) {
  std::string out;
  ProcessSpec spec = Capturing({"sh", "-c", "echo one; echo two"}, out);
  spec.timeout = std::chrono::seconds(30);
  Result<void> ran = RunProcess(spec);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(out, "one\ntwo\n");
}

TEST(RunProcess, TheServiceSecretsAreWithheldFromTheTool) {
  ::setenv("ANALYTICS_ADMIN_TOKEN", "admin-secret", 1);
  ::setenv("DATABASE_URL", "postgresql://u:db-secret@h/x", 1);
  ::setenv("REDIS_URL", "redis://:redis-secret@h", 1);
  ::setenv("ANALYTICS_CONFIG", "/etc/analytics.yml", 1);
  ::setenv("ANALYTICS_HARMLESS", "kept", 1);
  std::string out;
  ProcessSpec spec = Capturing({"env"}, out);
  spec.env = {{"PGPASSWORD", "given"}};
  Result<void> ran = RunProcess(spec);
  for (const char* name : {"ANALYTICS_ADMIN_TOKEN", "DATABASE_URL", "REDIS_URL", "ANALYTICS_CONFIG",
                           "ANALYTICS_HARMLESS"}) {
    ::unsetenv(name);
  }
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_EQ(out.find("secret"), std::string::npos) << out;
  EXPECT_EQ(out.find("ANALYTICS_CONFIG="), std::string::npos) << out;
  EXPECT_NE(out.find("ANALYTICS_HARMLESS=kept\n"), std::string::npos) << out;
  EXPECT_NE(out.find("PGPASSWORD=given\n"), std::string::npos) << out;
}

bool Has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(RunProcess, PgRestoreAndPsqlGiveUpOnALockAfterTheLockTimeout) {
  ::unsetenv("PGOPTIONS");
  ProcessSpec spec;
  spec.argv = {"pg_restore", "--clean", "x.pgdump"};
  EXPECT_TRUE(Has(ChildEnvironment(spec), "PGOPTIONS=-c lock_timeout=60s"));
  spec.argv = {"/usr/bin/psql"};
  EXPECT_TRUE(Has(ChildEnvironment(spec), "PGOPTIONS=-c lock_timeout=60s"));
  spec.env = {{"PGOPTIONS", "-c lock_timeout=5s"}};
  EXPECT_TRUE(Has(ChildEnvironment(spec), "PGOPTIONS=-c lock_timeout=5s"));
  spec.env.clear();
  spec.argv = {"pg_dump"};  // has --lock-wait-timeout instead
  for (const std::string& e : ChildEnvironment(spec)) EXPECT_FALSE(e.starts_with("PGOPTIONS="));
}

TEST(RunProcess, OnlyStderrReachesTheToolOfOurTemporaryFile) {
  std::string out;
  // Every descriptor of the shell, as "N -> target".
  ProcessSpec spec = Capturing(
      {"sh", "-c", "for f in /proc/$$/fd/*; do echo \"${f##*/} -> $(readlink $f)\"; done"}, out);
  Result<void> ran = RunProcess(spec);
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  int stderr_files = 0;
  std::size_t at = 0;
  while ((at = out.find("analytics-backup-stderr-", at)) != std::string::npos) {
    ++stderr_files;
    ++at;
  }
  EXPECT_EQ(stderr_files, 1) << out;  // fd 2 only
}

}  // namespace
}  // namespace analytics::backup

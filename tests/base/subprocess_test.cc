#include "base/subprocess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

namespace analytics {
namespace {

SubprocessRequest Shell(const std::string& command) {
  SubprocessRequest request;
  request.argv = {"/bin/sh", "-c", command};
  request.timeout = std::chrono::seconds(10);
  return request;
}

TEST(Subprocess, GivesStdinAndReportsTheLastOutputLine) {
  SubprocessRequest request = Shell("read line; echo \"got $line\"; exit 4");
  request.input = "hello\n";

  SubprocessOutcome outcome = RunSubprocess(request);

  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.kind, SubprocessOutcome::Kind::kExited);
  EXPECT_EQ(outcome.exit_status, 4);
  EXPECT_EQ(outcome.Describe(), "exited with status 4: got hello");
}

TEST(Subprocess, WithoutMergeOnlyStderrIsKept) {
  SubprocessRequest request = Shell("echo reason >&2; printf 'progress\\r'; exit 1");
  request.merge_output = false;

  SubprocessOutcome outcome = RunSubprocess(request);

  EXPECT_EQ(outcome.Describe(), "exited with status 1: reason");
}

TEST(Subprocess, TimeoutKillsTheWholeGroup) {
  SubprocessRequest request = Shell("sleep 30 & sleep 30");
  request.timeout = std::chrono::milliseconds(100);

  const auto started = std::chrono::steady_clock::now();
  SubprocessOutcome outcome = RunSubprocess(request);

  EXPECT_EQ(outcome.kind, SubprocessOutcome::Kind::kTimedOut);
  EXPECT_EQ(outcome.Describe(), "timed out after 100 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(Subprocess, NoSecretsAndNoDescriptorsGoToTheChild) {
  ::setenv("ANALYTICS_ADMIN_TOKEN", "secret-token", 1);
  ::setenv("REDIS_URL", "redis://:secret@h", 1);
  int fd = ::open("/dev/null", O_RDONLY);  // without O_CLOEXEC
  SubprocessRequest request = Shell("echo \"$EXTRA\"");
  request.env = {{"EXTRA", "given"}};

  SubprocessOutcome counted = RunSubprocess(Shell("env | grep -c secret; exit 1"));
  SubprocessOutcome fds = RunSubprocess(Shell("ls /proc/$$/fd | tr '\\n' ' '; exit 1"));
  SubprocessOutcome extra = RunSubprocess(request);
  ::close(fd);
  ::unsetenv("ANALYTICS_ADMIN_TOKEN");
  ::unsetenv("REDIS_URL");

  EXPECT_EQ(counted.last_line, "0");
  EXPECT_EQ(fds.last_line, "0 1 2 ") << "only stdin, stdout and stderr";
  EXPECT_TRUE(extra.ok());
  EXPECT_EQ(extra.last_line, "given");
}

TEST(Subprocess, AProgramThatCannotBeRunIs127) {
  SubprocessRequest request;
  request.argv = {"/nonexistent/tool"};

  SubprocessOutcome outcome = RunSubprocess(request);

  EXPECT_EQ(outcome.exit_status, 127);
}

TEST(Subprocess, ShellQuoteKeepsAnyTextOneWord) {
  EXPECT_EQ(ShellQuote("plain"), "'plain'");
  EXPECT_EQ(ShellQuote("it's $HOME `x`"), "'it'\\''s $HOME `x`'");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace analytics

// Runs the built `analytics` binary as a child process for end-to-end tests:
// a controlled environment (none of the caller's DATABASE_URL, REDIS_URL,
// WORKERS, ANALYTICS_* leak in), a chosen working directory (so ./var lands in
// a temp dir), stdout and stderr captured to files, and a deadline on every
// wait so that a hang fails the test instead of blocking ctest.
//
// Header-only: tests/CMakeLists.txt compiles only tests/e2e/*_test.cc.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/temp_dir.h"

namespace analytics::e2e {

using Env = std::map<std::string, std::string>;
using std::chrono::milliseconds;
using std::chrono::seconds;

// How a child ended.
struct ExitStatus {
  bool timed_out = false;  // still running at the deadline (then killed)
  int code = -1;           // exit code when it exited normally, else -1
  int signal = 0;          // the signal that ended it, else 0

  std::string Describe() const {
    if (timed_out) return "timed out";
    if (signal != 0) return "killed by signal " + std::to_string(signal);
    return "exit " + std::to_string(code);
  }
};

// The binary under test: $ANALYTICS_TEST_BINARY, set by ctest.
inline std::string BinaryPath() {
  const char* path = std::getenv("ANALYTICS_TEST_BINARY");
  return path == nullptr ? "" : path;
}

inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void WriteFileText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// For EXPECT_TRUE(Contains(text, part)): the failure shows both.
inline ::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" not found in:\n" << text;
}

// A TCP port on 127.0.0.1 that was free a moment ago, picked below the
// kernel's ephemeral range (as scripts/free-port.sh does): a port the kernel
// picked itself may go to a test client's outgoing connection before the
// service that was to listen on it binds it ("cannot start redis-server").
inline int FreePort() {
  int low = 32768;
  {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    range >> low;
  }
  if (low <= 11024) low = 32768;  // a range that starts low: keep to the old default's gap
  static thread_local unsigned seed =
      static_cast<unsigned>(getpid()) * 2654435761u ^
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int attempt = 0; attempt < 1000; ++attempt) {
    seed = seed * 1103515245u + 12345u;
    const int port = 10000 + static_cast<int>((seed >> 8) % static_cast<unsigned>(low - 10000));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (free) return port;
  }
  return 0;
}

// A listening socket on 127.0.0.1 that keeps its port busy while it lives.
class BusyPort {
 public:
  BusyPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(fd_, 1) == 0) {
      socklen_t len = sizeof addr;
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
    }
  }
  ~BusyPort() { close(fd_); }
  BusyPort(const BusyPort&) = delete;
  BusyPort& operator=(const BusyPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// One running child. Killed (SIGKILL) and reaped on destruction if still running.
class ChildProcess {
 public:
  // Starts `binary args…` in `cwd` with PATH and `env` only (plus the
  // sanitizer option variables of this process, if set). Check started().
  ChildProcess(const std::string& binary, const std::vector<std::string>& args, const Env& env,
               const std::string& cwd)
      : stdout_path_(output_dir_.File("stdout")), stderr_path_(output_dir_.File("stderr")) {
    std::vector<std::string> argv_text = {binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    Env full = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", cwd}, {"LANG", "C"}};
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) full[name] = value;
    }
    for (const auto& [name, value] : env) full[name] = value;
    std::vector<std::string> env_text;
    for (const auto& [name, value] : full) env_text.push_back(name + "=" + value);

    std::vector<char*> argv, envp;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }

  ~ChildProcess() {
    if (running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && !status_.has_value(); }
  pid_t pid() const { return pid_; }

  // True once the child has ended (and reaps it); never blocks.
  bool Exited() {
    if (!running()) return status_.has_value();
    int raw = 0;
    if (waitpid(pid_, &raw, WNOHANG) != pid_) return false;
    ExitStatus status;
    if (WIFEXITED(raw)) status.code = WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) status.signal = WTERMSIG(raw);
    status_ = status;
    return true;
  }

  // Waits up to `timeout` for the child to end; past it, kills it and
  // reports timed_out.
  ExitStatus Wait(milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!Exited()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        status_ = ExitStatus{.timed_out = true};
        break;
      }
      std::this_thread::sleep_for(milliseconds(5));  // polling waitpid, not timing
    }
    return *status_;
  }

  void Signal(int sig) {
    if (running()) kill(pid_, sig);
  }

  std::string Stdout() const { return ReadFileText(stdout_path_); }
  std::string Stderr() const { return ReadFileText(stderr_path_); }

 private:
  test::TempDir output_dir_;  // holds the captured stdout and stderr
  std::string stdout_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// What a finished command printed and how it ended.
struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;

  int code() const { return status.code; }
  std::string Describe() const {
    return status.Describe() + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
  }
};

// Base fixture: a fresh working directory per test, and helpers that run the
// binary in it.
class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(BinaryPath().empty())
        << "set ANALYTICS_TEST_BINARY to the built analytics binary (ctest does)";
  }

  const std::string& cwd() const { return dir_.path(); }
  std::string Path(const std::string& name) const { return dir_.File(name); }

  // Runs a command to completion (at most `timeout`).
  RunResult Run(const std::vector<std::string>& args, const Env& env = {},
                milliseconds timeout = seconds(20)) {
    ChildProcess child(BinaryPath(), args, env, cwd());
    if (!child.started()) return RunResult{{}, "", "could not start " + BinaryPath()};
    ExitStatus status = child.Wait(timeout);
    return RunResult{status, child.Stdout(), child.Stderr()};
  }

  std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& args, const Env& env = {}) {
    return std::make_unique<ChildProcess>(BinaryPath(), args, env, cwd());
  }

  // Polls GET /health until it answers 200. False if the child ends first or
  // `timeout` passes.
  static bool WaitHealthy(ChildProcess& child, int port, milliseconds timeout = seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (child.Exited()) return false;
      if (testing::Get(port, "/health").status == 200) return true;
      std::this_thread::sleep_for(milliseconds(20));  // polling, not timing
    }
    return false;
  }

  // Polls until the child's stdout contains `text`. False if the child ends
  // first or `timeout` passes.
  static bool WaitForStdout(ChildProcess& child, const std::string& text,
                            milliseconds timeout = seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (child.Stdout().find(text) != std::string::npos) return true;
      if (child.Exited()) return false;
      std::this_thread::sleep_for(milliseconds(20));  // polling, not timing
    }
    return false;
  }

 private:
  test::TempDir dir_;
};

}  // namespace analytics::e2e

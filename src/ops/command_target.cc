#include "ops/command_target.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <thread>

extern char** environ;

namespace analytics::ops {
namespace {

// An anonymous in-memory file, closed on destruction. The command's stdin is
// one filled before the fork, and its stdout/stderr another read after it
// exits: no pipe, so neither side can block on the other or get SIGPIPE.
class MemFile {
 public:
  MemFile() : fd_(::memfd_create("analytics-notify", MFD_CLOEXEC)) {}
  ~MemFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  int fd() const { return fd_; }

  bool WriteAll(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return ::lseek(fd_, 0, SEEK_SET) == 0;
  }

  // The last non-empty line written, at most 200 bytes of it.
  std::string LastLine() const {
    constexpr off_t kTail = 4096;
    off_t size = ::lseek(fd_, 0, SEEK_END);
    if (size <= 0) return "";
    off_t from = size > kTail ? size - kTail : 0;
    std::string text(static_cast<std::size_t>(size - from), '\0');
    ssize_t n = ::pread(fd_, text.data(), text.size(), from);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    std::size_t nl = text.rfind('\n');
    if (nl != std::string::npos) text.erase(0, nl + 1);
    constexpr std::size_t kMax = 200;
    if (text.size() > kMax) text.resize(kMax);
    return text;
  }

 private:
  int fd_;
};

// The process's environment without the service's own secrets (the admin
// token, database and Redis URLs with their passwords, SPEC §1's variables),
// plus `env`.
std::vector<std::string> Environment(const std::vector<std::pair<std::string, std::string>>& env) {
  constexpr std::string_view kWithheld[] = {
      "ANALYTICS_ADMIN_TOKEN=", "DATABASE_URL=", "REDIS_URL=", "ANALYTICS_CONFIG="};
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (std::string_view secret : kWithheld) replaced |= entry.starts_with(secret);
    for (const auto& [name, value] : env) {
      if (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
          entry[name.size()] == '=') {
        replaced = true;
      }
    }
    if (!replaced) out.emplace_back(entry);
  }
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

// Waits for `pid` until `timeout`; kills its process group past it. Returns
// the wait status, or nullopt on a timeout.
std::optional<int> WaitWithin(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  constexpr auto kPoll = std::chrono::milliseconds(5);
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return status;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPoll);
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::nullopt;
}

std::string WithOutput(std::string reason, const MemFile& output) {
  std::string last = output.LastLine();
  if (!last.empty()) reason += ": " + last;
  return reason;
}

}  // namespace

Result<void> RunCommandTarget(const std::string& command,
                              const std::vector<std::pair<std::string, std::string>>& env,
                              const std::string& input, std::chrono::milliseconds timeout) {
  MemFile in;
  MemFile out;
  if (in.fd() < 0 || out.fd() < 0 || !in.WriteAll(input)) {
    return Unavailable(std::string("command target: cannot prepare its input: ") +
                       std::strerror(errno));
  }
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls (dup2, setpgid, close_range, execve, _exit).
  std::vector<std::string> env_text = Environment(env);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  pid_t pid = ::fork();
  if (pid < 0) return Unavailable(std::string("command target: fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Its own process group, so a timeout kills what the shell started too.
    ::setpgid(0, 0);
    ::dup2(in.fd(), STDIN_FILENO);
    ::dup2(out.fd(), STDOUT_FILENO);
    ::dup2(out.fd(), STDERR_FILENO);
    // No other descriptor of the server (listening and client sockets,
    // database and Redis connections) goes on into the command.
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  // Also here, so the group exists before any kill, whichever runs first.
  ::setpgid(pid, pid);
  std::optional<int> status = WaitWithin(pid, timeout);
  if (!status) {
    return Unavailable(WithOutput(
        "command target timed out after " + std::to_string(timeout.count()) + " ms", out));
  }
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return Ok();
  if (WIFSIGNALED(*status)) {
    return Unavailable(
        WithOutput("command target killed by signal " + std::to_string(WTERMSIG(*status)), out));
  }
  return Unavailable(
      WithOutput("command target exited with status " + std::to_string(WEXITSTATUS(*status)), out));
}

}  // namespace analytics::ops

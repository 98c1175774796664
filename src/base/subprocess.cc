#include "base/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

extern char** environ;

namespace analytics {
namespace {

// An anonymous in-memory file, closed on destruction. The child's stdin is
// one filled before the fork, and its output another read after it exits: no
// pipe, so neither side can block on the other or get SIGPIPE.
class MemFile {
 public:
  MemFile() : fd_(::memfd_create("analytics-subprocess", MFD_CLOEXEC)) {}
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
    std::size_t nl = text.find_last_of("\r\n");
    if (nl != std::string::npos) text.erase(0, nl + 1);
    constexpr std::size_t kMax = 200;
    if (text.size() > kMax) text.resize(kMax);
    return text;
  }

 private:
  int fd_;
};

bool IsVariable(std::string_view entry, std::string_view name) {
  return entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=';
}

std::vector<std::string> Environment(const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool dropped = false;
    for (std::string_view secret : kWithheldEnvironment) dropped |= IsVariable(entry, secret);
    for (const auto& [name, value] : env) dropped |= IsVariable(entry, name);
    if (!dropped) out.emplace_back(entry);
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

SubprocessOutcome NotStarted(std::string why) {
  SubprocessOutcome outcome;
  outcome.start_error = std::move(why) + ": " + std::strerror(errno);
  return outcome;
}

}  // namespace

std::string SubprocessOutcome::Describe() const {
  std::string out;
  switch (kind) {
    case Kind::kExited:
      out = "exited with status " + std::to_string(exit_status);
      break;
    case Kind::kSignaled:
      out = "killed by signal " + std::to_string(signal);
      break;
    case Kind::kTimedOut:
      out = "timed out after " + std::to_string(timeout.count()) + " ms";
      break;
    case Kind::kNotStarted:
      return "could not be started: " + start_error;
  }
  if (!last_line.empty()) out += ": " + last_line;
  return out;
}

SubprocessOutcome RunSubprocess(const SubprocessRequest& request) {
  MemFile in;
  MemFile out;
  if (in.fd() < 0 || out.fd() < 0 || !in.WriteAll(request.input)) {
    return NotStarted("cannot prepare its input");
  }
  if (request.argv.empty()) return NotStarted("no program");
  int null_fd = request.merge_output ? -1 : ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (!request.merge_output && null_fd < 0) return NotStarted("/dev/null");
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls (dup2, setpgid, close_range, execve, _exit).
  std::vector<std::string> env_text = Environment(request.env);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = request.argv;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    if (null_fd >= 0) ::close(null_fd);
    return NotStarted("fork");
  }
  if (pid == 0) {
    // Its own process group, so a timeout kills what the child started too.
    ::setpgid(0, 0);
    ::dup2(in.fd(), STDIN_FILENO);
    ::dup2(null_fd >= 0 ? null_fd : out.fd(), STDOUT_FILENO);
    ::dup2(out.fd(), STDERR_FILENO);
    // No other descriptor of the server (listening and client sockets,
    // database and Redis connections) goes on into the child.
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (null_fd >= 0) ::close(null_fd);
  // Also here, so the group exists before any kill, whichever runs first.
  ::setpgid(pid, pid);
  SubprocessOutcome outcome;
  outcome.timeout = request.timeout;
  std::optional<int> status = WaitWithin(pid, request.timeout);
  outcome.last_line = out.LastLine();
  if (!status) {
    outcome.kind = SubprocessOutcome::Kind::kTimedOut;
  } else if (WIFSIGNALED(*status)) {
    outcome.kind = SubprocessOutcome::Kind::kSignaled;
    outcome.signal = WTERMSIG(*status);
  } else {
    outcome.kind = SubprocessOutcome::Kind::kExited;
    outcome.exit_status = WEXITSTATUS(*status);
  }
  return outcome;
}

std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace analytics

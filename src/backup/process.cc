#include "backup/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "base/subprocess.h"

extern char** environ;

namespace analytics::backup {
namespace {

using Clock = std::chrono::steady_clock;

std::string LastLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::size_t nl = text.rfind('\n');
  std::string line = nl == std::string::npos ? text : text.substr(nl + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "…";
  return line;
}

int Wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string Duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// What happened while the child ran.
struct Outcome {
  Result<void> drained = Ok();  // on_stdout's error, if any
  bool timed_out = false;
};

// Reads the child's stdout into `sink` until its end and the child's exit,
// or until the deadline; kills the child's process group when the deadline
// passes or `sink` fails.
Outcome Supervise(pid_t pid, int out_fd, const ProcessSpec& spec) {
  Outcome outcome;
  const pid_t kill_target = spec.own_group ? -pid : pid;
  const Clock::time_point deadline = Clock::now() + spec.timeout;
  const int pid_fd = int(::syscall(SYS_pidfd_open, pid, 0));
  bool out_open = true;
  bool exited = pid_fd < 0;  // without a pidfd: wait for stdout's end only
  std::vector<char> buffer(1 << 16);
  while (out_open || !exited) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_fd : -1, POLLIN, 0}, {exited ? -1 : pid_fd, POLLIN, 0}};
    const int rc = ::poll(fds, 2, int(std::min<std::int64_t>(left.count(), INT_MAX)));
    if (rc <= 0) continue;  // EINTR, or the deadline (checked above)
    if (fds[0].revents != 0) {
      ssize_t n = ::read(out_fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out_open = false;
      } else if (spec.on_stdout) {
        outcome.drained = spec.on_stdout(std::string_view(buffer.data(), std::size_t(n)));
        if (!outcome.drained.ok()) break;
      }
    }
    if (fds[1].revents != 0) {
      exited = true;
      // The tool is gone: whatever of its group still holds stdout open is a
      // straggler (pg_restore's workers end with it).
      if (out_open) ::kill(kill_target, SIGKILL);
    }
  }
  if (outcome.timed_out || !outcome.drained.ok()) ::kill(kill_target, SIGKILL);
  if (pid_fd >= 0) ::close(pid_fd);
  return outcome;
}

}  // namespace

std::vector<std::string> ChildEnvironment(const ProcessSpec& spec) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry = *e;
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = entry.substr(0, eq);
    if (std::find(std::begin(kWithheldEnvironment), std::end(kWithheldEnvironment), name) !=
        std::end(kWithheldEnvironment)) {
      continue;
    }
    vars[std::string(name)] = std::string(entry.substr(eq + 1));
  }
  bool own_options = false;
  for (const auto& [name, value] : spec.env) {
    vars[name] = value;
    own_options |= name == "PGOPTIONS";
  }
  const std::string tool =
      spec.argv.empty() ? "" : std::filesystem::path(spec.argv[0]).filename().string();
  if (!own_options && (tool == "pg_restore" || tool == "psql")) {
    std::string& options = vars["PGOPTIONS"];
    options +=
        (options.empty() ? "-c lock_timeout=" : " -c lock_timeout=") + std::string(kLockTimeout);
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

Result<void> RunProcess(const ProcessSpec& spec) {
  const std::string& tool = spec.argv.at(0);
  char stderr_path[] = "/tmp/analytics-backup-stderr-XXXXXX";
  int err_fd = ::mkostemp(stderr_path, O_CLOEXEC);
  if (err_fd < 0) return Unavailable(tool + ": cannot create a temporary file");
  ::unlink(stderr_path);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(err_fd);
    return Unavailable(tool + ": pipe: " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string in_path = spec.stdin_path.empty() ? "/dev/null" : spec.stdin_path;
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  // A process group of its own, so a deadline kills the tool's workers too.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (spec.own_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  std::vector<std::string> env_text = ChildEnvironment(spec);
  std::vector<char*> argv, envp;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, tool.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err_fd);
    return Unavailable(tool + " could not be started: " + std::strerror(rc));
  }
  Outcome outcome = Supervise(pid, out[0], spec);
  ::close(out[0]);
  int status = Wait(pid);
  std::string errors;
  ::lseek(err_fd, 0, SEEK_SET);
  char buf[4096];
  for (ssize_t n; (n = ::read(err_fd, buf, sizeof buf)) > 0;) errors.append(buf, std::size_t(n));
  ::close(err_fd);
  if (!outcome.drained.ok()) return outcome.drained;
  std::string line = LastLine(errors);
  if (outcome.timed_out) {
    return Unavailable(tool + " did not finish within " + Duration(spec.timeout) +
                       " and was killed" + (line.empty() ? "" : " (last said: " + line + ")"));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ok();
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return Unavailable(tool + " " + how + (line.empty() ? "" : ": " + line));
}

std::string ToolVersion(const std::string& tool) {
  std::string out;
  ProcessSpec spec;
  spec.argv = {tool, "--version"};
  spec.on_stdout = [&out](std::string_view chunk) -> Result<void> {
    out.append(chunk);
    return Ok();
  };
  spec.timeout = std::chrono::seconds(30);
  if (!RunProcess(spec).ok() || out.empty()) return tool;
  std::size_t nl = out.find('\n');
  return out.substr(0, nl);
}

}  // namespace analytics::backup

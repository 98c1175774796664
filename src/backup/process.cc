#include "backup/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

extern char** environ;

namespace analytics::backup {
namespace {

std::string LastLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::size_t nl = text.rfind('\n');
  std::string line = nl == std::string::npos ? text : text.substr(nl + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "…";
  return line;
}

std::vector<std::string> Environment(const std::vector<std::pair<std::string, std::string>>& env) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    std::size_t eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : env) vars[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

// Reads `fd` to its end into `sink` (or discards); an error of `sink` stops.
Result<void> Drain(int fd, const std::function<Result<void>(std::string_view)>& sink) {
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Ok();
    if (sink) {
      Result<void> took = sink(std::string_view(buffer.data(), std::size_t(n)));
      if (!took.ok()) return took;
    }
  }
}

int Wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

Result<void> RunProcess(const ProcessSpec& spec) {
  const std::string& tool = spec.argv.at(0);
  char stderr_path[] = "/tmp/analytics-backup-stderr-XXXXXX";
  int err_fd = ::mkstemp(stderr_path);
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
  std::vector<std::string> env_text = Environment(spec.env);
  std::vector<char*> argv, envp;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, tool.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err_fd);
    return Unavailable(tool + " could not be started: " + std::strerror(rc));
  }
  Result<void> drained = Drain(out[0], spec.on_stdout);
  if (!drained.ok()) ::kill(pid, SIGKILL);
  ::close(out[0]);
  int status = Wait(pid);
  std::string errors;
  ::lseek(err_fd, 0, SEEK_SET);
  char buf[4096];
  for (ssize_t n; (n = ::read(err_fd, buf, sizeof buf)) > 0;) errors.append(buf, std::size_t(n));
  ::close(err_fd);
  if (!drained.ok()) return drained;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ok();
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  std::string line = LastLine(errors);
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
  if (!RunProcess(spec).ok() || out.empty()) return tool;
  std::size_t nl = out.find('\n');
  return out.substr(0, nl);
}

}  // namespace analytics::backup

#include "backup/pgbackrest_run.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>
#include <string_view>

#include "storage/open_database.h"

extern char** environ;

namespace analytics::backup::pgbackrest {
namespace {

// An anonymous in-memory file for the child's stdout or stderr: no pipe, so
// a chatty pgbackrest can never block on a full pipe while we wait for it.
class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {}
  ~MemFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  int fd() const { return fd_; }

  std::string ReadAll() const {
    std::string text;
    char buffer[65536];
    off_t at = 0;
    while (true) {
      ssize_t n = ::pread(fd_, buffer, sizeof buffer, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
    return text;
  }

 private:
  int fd_;
};

// The process's environment without the service's own secrets.
std::vector<std::string> ChildEnvironment() {
  constexpr std::string_view kWithheld[] = {
      "ANALYTICS_ADMIN_TOKEN=", "DATABASE_URL=", "REDIS_URL=", "ANALYTICS_CONFIG=", "PGPASSWORD="};
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool withheld = false;
    for (std::string_view secret : kWithheld) withheld |= entry.starts_with(secret);
    if (!withheld) out.emplace_back(entry);
  }
  return out;
}

// The pgbackrest executable on PATH, resolved before fork (execv after it).
std::optional<std::string> FindExecutable() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (!dir.empty()) {
      std::string candidate = dir + "/pgbackrest";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

// Whom the child becomes: nobody else unless we are root (see the header).
struct Identity {
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

Result<Identity> ChildIdentity() {
  Identity id;
  if (::geteuid() != 0) return id;
  struct passwd* pw = ::getpwnam(kClusterOwner);
  if (pw == nullptr) {
    return Unavailable(std::string("running as root, pgbackrest runs as the cluster owner '") +
                       kClusterOwner + "', and there is no such user");
  }
  id.change = true;
  id.uid = pw->pw_uid;
  id.gid = pw->pw_gid;
  int count = 32;
  id.groups.resize(static_cast<std::size_t>(count));
  if (::getgrouplist(pw->pw_name, pw->pw_gid, id.groups.data(), &count) < 0) {
    id.groups.resize(static_cast<std::size_t>(count));
    ::getgrouplist(pw->pw_name, pw->pw_gid, id.groups.data(), &count);
  }
  id.groups.resize(static_cast<std::size_t>(count));
  return id;
}

std::string ErrorLine(const std::string& err) {
  std::string last;
  std::size_t at = 0;
  while (at < err.size()) {
    std::size_t nl = err.find('\n', at);
    if (nl == std::string::npos) nl = err.size();
    std::string line = err.substr(at, nl - at);
    at = nl + 1;
    if (line.starts_with("ERROR:")) return Scrub(line);
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return Scrub(last);
}

std::vector<std::string> FullArgv(const std::string& exe, const config::BackupOptions& options,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> argv{exe};
  if (!options.pgbackrest_config.empty()) {
    // Absolute: as another user the child works from "/".
    std::error_code ec;
    std::filesystem::path conf = std::filesystem::absolute(options.pgbackrest_config, ec);
    argv.push_back("--config=" + (ec ? options.pgbackrest_config : conf.string()));
  }
  argv.push_back("--stanza=" + options.pgbackrest_stanza);
  // Console output is for people; errors still go to stderr.
  argv.push_back("--log-level-console=off");
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

std::string Scrub(std::string line) {
  static const std::regex kPassword(R"((password\s*=\s*)('[^']*'|\S+))", std::regex::icase);
  // The password ends at the authority's last '@' (it may hold '@' itself).
  static const std::regex kUserInfo(R"((://[^:/@\s]+):[^/\s]*@)");
  line = std::regex_replace(line, kPassword, "$1***");
  line = std::regex_replace(line, kUserInfo, "$1:***@");
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  constexpr std::size_t kMax = 300;
  if (line.size() > kMax) line.resize(kMax);
  return line;
}

Result<Output> Run(const config::BackupOptions& options, const std::vector<std::string>& args) {
  std::optional<std::string> exe = FindExecutable();
  if (!exe) {
    return Unavailable(
        "pgbackrest is not installed (no pgbackrest on PATH; Debian: apt-get "
        "install pgbackrest)");
  }
  Result<Identity> id = ChildIdentity();
  if (!id.ok()) return id.error();
  MemFile out("pgbackrest-out");
  MemFile err("pgbackrest-err");
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out.fd() < 0 || err.fd() < 0 || null_fd < 0) {
    if (null_fd >= 0) ::close(null_fd);
    return Unavailable(std::string("pgbackrest: cannot prepare its output: ") +
                       std::strerror(errno));
  }
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> argv_text = FullArgv(*exe, options, args);
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = ChildEnvironment();
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(null_fd);
    return Unavailable(std::string("pgbackrest: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out.fd(), STDOUT_FILENO);
    ::dup2(err.fd(), STDERR_FILENO);
    ::close_range(3, ~0U, 0);
    if (id->change && (::setgroups(id->groups.size(), id->groups.data()) != 0 ||
                       ::setgid(id->gid) != 0 || ::setuid(id->uid) != 0 || ::chdir("/") != 0)) {
      ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(null_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return Unavailable(std::string("pgbackrest: wait: ") + std::strerror(errno));
  }
  Output result;
  result.out = out.ReadAll();
  const std::string err_text = err.ReadAll();
  result.error_line = ErrorLine(err_text);
  if (WIFSIGNALED(status)) {
    return Unavailable("pgbackrest killed by signal " + std::to_string(WTERMSIG(status)));
  }
  result.exit_code = WEXITSTATUS(status);
  if (result.exit_code == 126 && err_text.empty()) {
    return Unavailable(std::string("pgbackrest: cannot switch to the user '") + kClusterOwner +
                       "'");
  }
  if (result.exit_code == 127 && err_text.empty()) {
    return Unavailable("pgbackrest: cannot execute " + *exe);
  }
  return result;
}

Result<std::string> RunOk(const config::BackupOptions& options,
                          const std::vector<std::string>& args, const std::string& what) {
  Result<Output> run = Run(options, args);
  if (!run.ok()) return run.error();
  if (run->exit_code != 0) {
    return Unavailable("pgbackrest " + what + " failed (exit " + std::to_string(run->exit_code) +
                       ")" + (run->error_line.empty() ? "" : ": " + run->error_line));
  }
  return std::move(run->out);
}

Result<std::unique_ptr<storage::Database>> OpenOneConnection(const config::Config& config) {
  const std::string& url = config.database.url;
  if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
    return InvalidArgument("backup.method",
                           "pgbackrest needs a PostgreSQL database.url; this one is not");
  }
  config::DatabaseOptions options = config.database;
  options.pool_size = 1;
  options.max_overflow = 0;
  return storage::OpenDatabase(options);
}

}  // namespace analytics::backup::pgbackrest

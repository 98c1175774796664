// Runs a child process with a time limit, a given stdin, and none of the
// service's secrets or descriptors: the one copy of this, used by the alerts'
// command targets (ops/command_target.cc) and backup.upload_command
// (backup/upload.cc).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace analytics {

struct SubprocessRequest {
  std::vector<std::string> argv;  // argv[0] is the program's path (no PATH search)
  // Added to the environment, replacing variables of the same name.
  std::vector<std::pair<std::string, std::string>> env;
  std::string input;  // the child's stdin
  std::chrono::milliseconds timeout{30'000};
  // true: stdout and stderr are captured together (the last line either
  // wrote); false: only stderr is captured and stdout is discarded.
  bool merge_output = true;
};

struct SubprocessOutcome {
  enum class Kind { kExited, kSignaled, kTimedOut, kNotStarted };
  Kind kind = Kind::kNotStarted;
  int exit_status = 0;      // kExited
  int signal = 0;           // kSignaled
  std::string last_line;    // the last non-empty captured line, at most 200 bytes
  std::string start_error;  // kNotStarted: why
  std::chrono::milliseconds timeout{0};

  bool ok() const { return kind == Kind::kExited && exit_status == 0; }
  // "exited with status 3: <last line>", "killed by signal 9", "timed out
  // after 300 ms", "could not be started: fork: …".
  std::string Describe() const;
};

// The variables a child never inherits (SPEC §1's secrets: the admin token,
// the database and Redis URLs with their passwords, the config path).
inline constexpr std::string_view kWithheldEnvironment[] = {"ANALYTICS_ADMIN_TOKEN", "DATABASE_URL",
                                                            "REDIS_URL", "ANALYTICS_CONFIG"};

// Runs `request.argv` in its own process group, with this process's
// environment minus kWithheldEnvironment plus `request.env`, and no
// descriptor but 0-2. Past the timeout the whole group is killed. Thread-safe.
SubprocessOutcome RunSubprocess(const SubprocessRequest& request);

// `text` quoted for /bin/sh: in single quotes, each ' written as '\''.
std::string ShellQuote(std::string_view text);

}  // namespace analytics

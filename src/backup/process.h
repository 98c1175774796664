// Runs a tool (pg_dump, pg_restore, psql) with an argv, no shell, internal to
// backup/: the process's environment without the service's secrets, plus
// `env`, stdin from a file or /dev/null, stdout streamed to a callback or
// discarded, stderr kept for the error message, and a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace analytics::backup {

// How long a pg_dump or pg_restore may run before it is killed: generous (a
// large database), but never forever.
inline constexpr std::chrono::seconds kToolTimeout = std::chrono::hours(6);
// How long a tool waits for a lock (pg_dump --lock-wait-timeout; pg_restore's
// and psql's lock_timeout through PGOPTIONS) before giving up: a restore's
// DROP waiting on a lock would queue every later query behind it.
inline constexpr const char* kLockTimeout = "60s";

struct ProcessSpec {
  std::vector<std::string> argv;                         // argv[0] is looked up on PATH
  std::vector<std::pair<std::string, std::string>> env;  // added or replacing
  std::string stdin_path;                                // "" = /dev/null
  // Gets stdout as it comes; an error stops reading, kills the process and
  // is returned. Null: stdout is discarded.
  std::function<Result<void>(std::string_view)> on_stdout;
  // The child runs in a process group of its own; when it has not exited
  // by then, the whole group is killed (SIGKILL) and RunProcess fails.
  std::chrono::milliseconds timeout = kToolTimeout;
  // false: the child stays in the caller's process group, so the terminal's
  // Ctrl-C reaches it too (an interrupted whole-database pg_restore rolls
  // back instead of committing after the command is gone); a deadline then
  // kills the child only.
  bool own_group = true;
};

// Ok when the process exits with status 0. Errors: kUnavailable "<tool>
// exited with status N: <last line of stderr>" (or killed by signal N, or
// could not be started, or "did not finish within …s and was killed"), or
// the error on_stdout returned.
Result<void> RunProcess(const ProcessSpec& spec);

// The environment RunProcess gives the child ("NAME=value"): this process's,
// without the service's secrets (ANALYTICS_ADMIN_TOKEN, DATABASE_URL,
// REDIS_URL, ANALYTICS_CONFIG), with spec.env added or replacing, and for
// pg_restore and psql PGOPTIONS carrying `-c lock_timeout=<kLockTimeout>`
// unless spec.env sets PGOPTIONS.
std::vector<std::string> ChildEnvironment(const ProcessSpec& spec);

// The first line a tool prints for `--version` ("pg_dump (PostgreSQL) 15.18"),
// or the tool's name when it cannot be run.
std::string ToolVersion(const std::string& tool);

}  // namespace analytics::backup

// Runs a tool (pg_dump, pg_restore, psql) with an argv, no shell, internal to
// backup/: the process's environment plus `env`, stdin from a file or
// /dev/null, stdout streamed to a callback or discarded, stderr kept for the
// error message.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace analytics::backup {

struct ProcessSpec {
  std::vector<std::string> argv;                         // argv[0] is looked up on PATH
  std::vector<std::pair<std::string, std::string>> env;  // added or replacing
  std::string stdin_path;                                // "" = /dev/null
  // Gets stdout as it comes; an error stops reading, kills the process and
  // is returned. Null: stdout is discarded.
  std::function<Result<void>(std::string_view)> on_stdout;
};

// Ok when the process exits with status 0. Errors: kUnavailable "<tool>
// exited with status N: <last line of stderr>" (or killed by signal N, or
// could not be started), or the error on_stdout returned.
Result<void> RunProcess(const ProcessSpec& spec);

// The first line a tool prints for `--version` ("pg_dump (PostgreSQL) 15.18"),
// or the tool's name when it cannot be run.
std::string ToolVersion(const std::string& tool);

}  // namespace analytics::backup

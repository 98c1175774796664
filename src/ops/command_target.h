// Runs a notification target that is a command: /bin/sh -c COMMAND with extra
// environment variables and a given stdin, within a time limit.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace analytics::ops {

// Runs `command` through /bin/sh -c with the process's environment plus `env`
// (replacing variables of the same name) and `input` on stdin. Ok when it
// exits with status 0. Errors: kUnavailable naming the exit status, the
// signal, the timeout (the command and its process group are killed) or the
// failure to start, with the last line the command wrote to stderr/stdout.
// Thread-safe.
Result<void> RunCommandTarget(const std::string& command,
                              const std::vector<std::pair<std::string, std::string>>& env,
                              const std::string& input, std::chrono::milliseconds timeout);

}  // namespace analytics::ops

// SPEC §7 exit codes: 0 success, 1 check failed, 2 usage error, other
// non-zero for errors. ExitCodeFor is the one mapping from an Error to an
// exit code: every command's error exit goes through it (via Fail).
#pragma once

#include "base/error.h"

namespace analytics::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 3;       // the configuration is invalid
inline constexpr int kExitUnavailable = 4;  // the database (or another dependency) is down
inline constexpr int kExitFailed = 5;       // anything else: not found, conflict, internal

// Where a command stopped: opening what it needs (its configuration, and the
// log files, database and cache that configuration names), or doing its
// work. The stage says whose input a kInvalidArgument is about: the
// configuration's (exit 3) or the command line's (exit 2).
enum class Stage { kOpen, kWork };

int ExitCodeFor(const Error& error, Stage stage = Stage::kWork);

}  // namespace analytics::cli

// SPEC §7 exit codes: 0 success, 1 check failed, 2 usage error, other
// non-zero for errors. Each ErrorCode maps to one code here.
#pragma once

#include "base/error.h"

namespace analytics::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConfig = 3;       // the configuration is invalid
inline constexpr int kExitUnavailable = 4;  // the database (or another dependency) is down
inline constexpr int kExitFailed = 5;       // anything else: not found, conflict, internal

int ExitCodeFor(const Error& error);

}  // namespace analytics::cli

// Reading the server's logs back (SPEC §8): error.log and access.log with
// their rotated copies, for `doctor` and the reports. The line formats are
// logging/log.cc's (error.log) and api/access_log.cc's (access.log).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace analytics::ops {

// The files of one log in `dir`: `<base>.log` and its rotated copies,
// spdlog's `<base>.N.log` and logrotate's `<base>.log.N`, oldest first
// (highest N first, the live file last). Compressed copies (.gz) are listed
// in `compressed` and not read.
struct LogFiles {
  std::vector<std::string> paths;
  std::vector<std::string> compressed;
};
LogFiles FindLogFiles(const std::string& dir, std::string_view base);

// Calls `line_fn` with every line of `files`, in order. A file that vanished
// since it was listed (rotated meanwhile) is skipped.
// Errors: kUnavailable naming a file that exists but cannot be read.
Result<void> ForEachLine(const LogFiles& files,
                         const std::function<void(std::string_view line)>& line_fn);

// error.log lines at or after `since`: "<ISO time> ERROR <event> {fields}".
struct ErrorLogCount {
  std::int64_t errors = 0;              // ERROR lines in the window
  std::int64_t undated = 0;             // ERROR lines whose time could not be read
  std::string last;                     // the newest ERROR line in the window
  std::vector<std::string> compressed;  // rotated copies not read
};
Result<ErrorLogCount> CountErrorLines(const std::string& dir, Time since);

// One access.log line, parsed.
struct AccessLine {
  std::string remote;
  Time at;
  std::string method;
  std::string path;  // the target without its query
  int status = 0;
  double latency_s = 0;
  std::string note;  // RateLimitExceeded, InternalError, or ""
};
// Parses a line of api::FormatAccessLine; nullopt for anything else.
std::optional<AccessLine> ParseAccessLine(std::string_view line);

}  // namespace analytics::ops

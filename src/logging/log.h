// Structured logs (SPEC §8): analytics.log (JSON lines), error.log (lines with
// ERROR), access.log (combined format + latency + request id), and one file per
// job. Logging is process-wide: Setup once at start-up; before Setup (and in
// tests) lines go to stderr at warn level and above.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/result.h"
#include "config/config.h"

namespace analytics::logging {

using FieldValue = std::variant<std::string, std::int64_t, double, bool>;
using Field = std::pair<std::string_view, FieldValue>;

// Creates the log folder and the three files, with size-based rotation
// (options.max_file_bytes, options.max_files), and the job log folder
// `jobs_log_dir` (config jobs.log_dir; empty means "<options.dir>/jobs").
// Lines at options.level and above are written (unknown level: info). Files
// are flushed every second and at once on an error line. Calling it again
// replaces the previous files.
// Errors: kUnavailable naming the folder when it cannot be created or written.
Result<void> Setup(const config::LoggingOptions& options, const std::string& jobs_log_dir = {});
// Flushes and closes the files; later lines go to stderr again.
void Shutdown();
// Writes buffered lines to the files now (tests, before a crash report).
void Flush();

// One JSON line in analytics.log: {"ts":…,"level":…,"event":…, fields…}.
// Cheap when the level is off (one atomic load). Thread-safe, as is all of this file.
void Debug(std::string_view event, std::initializer_list<Field> fields = {});
void Info(std::string_view event, std::initializer_list<Field> fields = {});
void Warn(std::string_view event, std::initializer_list<Field> fields = {});
// Also written to error.log as "<ts> ERROR <event> <fields as JSON>".
void Error(std::string_view event, std::initializer_list<Field> fields = {});

// One already formatted line in access.log, whatever the level; CR and LF in
// it are written as \r and \n. Dropped when logging is not set up.
void Access(std::string_view line);

// One JSON line in <jobs_log_dir>/<job>.log (created on first use), with a
// "job" field; characters outside [A-Za-z0-9_-] in the file name become '_'.
// Written whatever the level; dropped when logging is not set up.
void Job(std::string_view job, std::string_view event, std::initializer_list<Field> fields = {});

// JSON-escapes `text` (quotes not included); invalid UTF-8 becomes U+FFFD.
std::string JsonEscape(std::string_view text);

}  // namespace analytics::logging

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

// Creates the log folder and the three files, with size-based rotation.
// Errors: kUnavailable naming the folder when it cannot be created or written.
Result<void> Setup(const config::LoggingOptions& options);
// Flushes and closes the files; later lines go to stderr again.
void Shutdown();

// One JSON line in analytics.log: {"ts":…,"level":…,"event":…, fields…}.
void Debug(std::string_view event, std::initializer_list<Field> fields = {});
void Info(std::string_view event, std::initializer_list<Field> fields = {});
void Warn(std::string_view event, std::initializer_list<Field> fields = {});
// Also written to error.log as "<ts> ERROR <event> <fields as JSON>".
void Error(std::string_view event, std::initializer_list<Field> fields = {});

// One already formatted line in access.log.
void Access(std::string_view line);

// One JSON line in <jobs_log_dir>/<job>.log (created on first use).
void Job(std::string_view job, std::string_view event, std::initializer_list<Field> fields = {});

// JSON-escapes `text` (quotes not included); invalid UTF-8 becomes U+FFFD.
std::string JsonEscape(std::string_view text);

}  // namespace analytics::logging

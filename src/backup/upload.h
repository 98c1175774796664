// backup.upload_command (docs/backup.md): a shell command template run once
// per file of a finished backup, in order, with {file} (the file's absolute
// path), {name} ("<id>/<file name>") and {id} replaced, each value quoted for
// the shell. The first failing file stops the upload.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "backup/backup.h"
#include "base/clock.h"

namespace analytics::backup {

// How long one file's command may run before it (and its process group) is
// killed and the upload fails.
inline constexpr std::chrono::milliseconds kUploadTimeout = std::chrono::minutes(30);

// Runs `command_template` for each of `files` (names inside `backup_path`,
// the backup folder whose name is `id`). Never fails as a call: the record
// says what happened (ok, or the failing file, exit status and the last
// line of its stderr). The command gets the service's environment without
// its secrets (base/subprocess.h), so credentials it needs (AWS_*) come from
// there; `timeout` applies per file.
UploadRecord Upload(const std::string& command_template, const std::string& backup_path,
                    const std::string& id, const std::vector<std::string>& files,
                    const Clock& clock, std::chrono::milliseconds timeout = kUploadTimeout);

// `command_template` with {file}, {name} and {id} replaced by the shell-quoted
// values, in one pass (a value that contains "{id}" is not replaced again).
// `command` as it may be kept and shown (the manifest, logs): the values of
// NAME=value words whose NAME speaks of a key, secret, token or password,
// and the user information of URLs, are replaced by "***".
std::string RedactCommand(const std::string& command);

std::string ExpandUploadCommand(const std::string& command_template, const std::string& file,
                                const std::string& name, const std::string& id);

}  // namespace analytics::backup

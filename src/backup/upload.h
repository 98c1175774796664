// backup.upload_command (docs/backup.md): a shell command template run once
// per file of a finished backup, in order, with {file} (the file's absolute
// path), {name} ("<id>/<file name>") and {id} replaced, each value quoted for
// the shell. The first failing file stops the upload.
#pragma once

#include <string>
#include <vector>

#include "backup/backup.h"
#include "base/clock.h"

namespace analytics::backup {

// Runs `command_template` for each of `files` (names inside `backup_path`,
// the backup folder whose name is `id`). Never fails as a call: the record
// says what happened (ok, or the failing file, exit status and the last
// line of its stderr).
UploadRecord Upload(const std::string& command_template, const std::string& backup_path,
                    const std::string& id, const std::vector<std::string>& files,
                    const Clock& clock);

}  // namespace analytics::backup

// Placeholder until the upload part of issue 14 lands.
#include "backup/upload.h"

namespace analytics::backup {

UploadRecord Upload(const std::string& command_template, const std::string&, const std::string&,
                    const std::vector<std::string>&, const Clock& clock) {
  UploadRecord record;
  record.command = command_template;
  record.finished_at = clock.Now();
  record.error = "upload is not built yet";
  return record;
}

}  // namespace analytics::backup

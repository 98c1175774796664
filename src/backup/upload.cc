#include "backup/upload.h"

#include <filesystem>
#include <string_view>

#include "base/subprocess.h"

namespace analytics::backup {

std::string ExpandUploadCommand(const std::string& command_template, const std::string& file,
                                const std::string& name, const std::string& id) {
  const std::pair<std::string_view, const std::string*> kFields[] = {
      {"{file}", &file}, {"{name}", &name}, {"{id}", &id}};
  std::string out;
  std::size_t at = 0;
  while (at < command_template.size()) {
    bool replaced = false;
    for (const auto& [field, value] : kFields) {
      if (std::string_view(command_template).substr(at).starts_with(field)) {
        out += ShellQuote(*value);
        at += field.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += command_template[at++];
  }
  return out;
}

UploadRecord Upload(const std::string& command_template, const std::string& backup_path,
                    const std::string& id, const std::vector<std::string>& files,
                    const Clock& clock, std::chrono::milliseconds timeout) {
  UploadRecord record;
  record.command = command_template;
  record.ok = true;
  std::error_code ec;
  const std::filesystem::path folder = std::filesystem::absolute(backup_path, ec);
  for (const std::string& file : files) {
    const std::string path = (ec ? std::filesystem::path(backup_path) : folder) / file;
    SubprocessRequest request;
    request.argv = {"/bin/sh", "-c",
                    ExpandUploadCommand(command_template, path, id + "/" + file, id)};
    request.timeout = timeout;
    // stderr alone: an uploader's progress goes to stdout, its reasons to stderr.
    request.merge_output = false;
    SubprocessOutcome outcome = RunSubprocess(request);
    if (!outcome.ok()) {
      record.ok = false;
      record.error = "upload of " + file + " " + outcome.Describe();
      break;
    }
    record.files.push_back(file);
  }
  record.finished_at = clock.Now();
  return record;
}

}  // namespace analytics::backup

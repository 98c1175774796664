#include "backup/upload.h"

#include <algorithm>
#include <cctype>
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

std::string RedactCommand(const std::string& command) {
  // Word by word (split on blanks; quotes are kept as they are).
  std::string out;
  std::size_t at = 0;
  while (at < command.size()) {
    const std::size_t blank = command.find_first_of(" \t", at);
    const std::size_t end = blank == std::string::npos ? command.size() : blank;
    std::string word = command.substr(at, end - at);
    const std::size_t equals = word.find('=');
    std::string name = equals == std::string::npos ? "" : word.substr(0, equals);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    for (const char* secret : {"KEY", "SECRET", "TOKEN", "PASSWORD", "PASS", "CREDENTIAL"}) {
      if (name.find(secret) != std::string::npos) {
        word = word.substr(0, equals + 1) + "***";
        break;
      }
    }
    // scheme://user:password@host: the user information goes.
    const std::size_t scheme = word.find("://");
    const std::size_t userinfo =
        scheme == std::string::npos ? std::string::npos : word.find('@', scheme + 3);
    if (userinfo != std::string::npos && word.find('/', scheme + 3) > userinfo) {
      word = word.substr(0, scheme + 3) + "***" + word.substr(userinfo);
    }
    out += word;
    if (blank == std::string::npos) break;
    out += command[blank];
    at = blank + 1;
  }
  return out;
}

UploadRecord Upload(const std::string& command_template, const std::string& backup_path,
                    const std::string& id, const std::vector<std::string>& files,
                    const Clock& clock, std::chrono::milliseconds timeout) {
  UploadRecord record;
  record.command = RedactCommand(command_template);
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

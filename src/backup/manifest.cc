// manifest.json (docs/backup.md "Logical backups"): ManifestJson and
// ParseManifest, whose errors name the field that is missing or wrong.
#include <nlohmann/json.hpp>

#include "backup/backup.h"

namespace analytics::backup {
namespace {

using Json = nlohmann::ordered_json;

Json UploadJson(const UploadRecord& u) {
  return Json{{"command", u.command},
              {"finished_at", FormatTime(u.finished_at)},
              {"ok", u.ok},
              {"error", u.error},
              {"files", u.files}};
}

Error Bad(const std::string& field, const std::string& what) {
  return InvalidArgument(field, "manifest.json: " + field + " " + what);
}

// Reads json[key] as T, naming `prefix + key` when it is missing or of another type.
template <typename T>
Result<T> Field(const Json& json, const std::string& key, const std::string& prefix = "") {
  const std::string name = prefix + key;
  if (!json.is_object() || !json.contains(key)) return Bad(name, "is missing");
  const Json& v = json.at(key);
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return Bad(name, "must be a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) return Bad(name, "must be true or false");
  } else {
    if (!v.is_number_integer()) return Bad(name, "must be an integer");
    if constexpr (std::is_unsigned_v<T>) {
      if (!v.is_number_unsigned()) return Bad(name, "must not be negative");
    }
  }
  return v.get<T>();
}

Result<Time> TimeField(const Json& json, const std::string& key, const std::string& prefix = "") {
  auto text = Field<std::string>(json, key, prefix);
  if (!text.ok()) return text.error();
  std::optional<Time> time = ParseTime(*text);
  if (!time) return Bad(prefix + key, "must be an ISO 8601 time");
  return *time;
}

#define ANALYTICS_TAKE(target, expr)       \
  {                                        \
    auto taken = (expr);                   \
    if (!taken.ok()) return taken.error(); \
    target = std::move(*taken);            \
  }

Result<std::vector<FileEntry>> ParseFiles(const Json& json) {
  if (!json.contains("files") || !json["files"].is_array()) return Bad("files", "must be a list");
  std::vector<FileEntry> files;
  for (std::size_t i = 0; i < json["files"].size(); ++i) {
    const std::string prefix = "files[" + std::to_string(i) + "].";
    const Json& f = json["files"][i];
    FileEntry entry;
    ANALYTICS_TAKE(entry.name, Field<std::string>(f, "name", prefix));
    ANALYTICS_TAKE(entry.bytes, Field<std::uint64_t>(f, "bytes", prefix));
    ANALYTICS_TAKE(entry.sha256, Field<std::string>(f, "sha256", prefix));
    if (entry.name.empty() || entry.name.find('/') != std::string::npos || entry.name[0] == '.') {
      return Bad(prefix + "name", "must be a plain file name");
    }
    files.push_back(std::move(entry));
  }
  return files;
}

Result<std::vector<TableEntry>> ParseTables(const Json& json) {
  if (!json.contains("tables") || !json["tables"].is_array()) {
    return Bad("tables", "must be a list");
  }
  std::vector<TableEntry> tables;
  for (std::size_t i = 0; i < json["tables"].size(); ++i) {
    const std::string prefix = "tables[" + std::to_string(i) + "].";
    const Json& t = json["tables"][i];
    TableEntry entry;
    ANALYTICS_TAKE(entry.name, Field<std::string>(t, "name", prefix));
    ANALYTICS_TAKE(entry.rows, Field<std::int64_t>(t, "rows", prefix));
    ANALYTICS_TAKE(entry.checksum, Field<std::string>(t, "checksum", prefix));
    tables.push_back(std::move(entry));
  }
  return tables;
}

Result<UploadRecord> ParseUpload(const Json& u) {
  UploadRecord record;
  ANALYTICS_TAKE(record.command, Field<std::string>(u, "command", "upload."));
  ANALYTICS_TAKE(record.finished_at, TimeField(u, "finished_at", "upload."));
  ANALYTICS_TAKE(record.ok, Field<bool>(u, "ok", "upload."));
  ANALYTICS_TAKE(record.error, Field<std::string>(u, "error", "upload."));
  if (!u.contains("files") || !u["files"].is_array()) return Bad("upload.files", "must be a list");
  for (const Json& f : u["files"]) {
    if (!f.is_string()) return Bad("upload.files", "must be a list of names");
    record.files.push_back(f.get<std::string>());
  }
  return record;
}

}  // namespace

std::string ManifestJson(const Manifest& m) {
  Json files = Json::array();
  for (const FileEntry& f : m.files) {
    files.push_back(Json{{"name", f.name}, {"bytes", f.bytes}, {"sha256", f.sha256}});
  }
  Json tables = Json::array();
  for (const TableEntry& t : m.tables) {
    tables.push_back(Json{{"name", t.name}, {"rows", t.rows}, {"checksum", t.checksum}});
  }
  Json json{{"format_version", m.format_version},
            {"id", m.id},
            {"kind", m.kind},
            {"method", m.method},
            {"source", m.source},
            {"database", m.database},
            {"schema_version", m.schema_version},
            {"tool", m.tool},
            {"host", m.host},
            {"started_at", FormatTime(m.started_at)},
            {"finished_at", FormatTime(m.finished_at)},
            {"files", files},
            {"tables", tables},
            {"upload", m.upload ? UploadJson(*m.upload) : Json(nullptr)}};
  return json.dump(2) + "\n";
}

Result<Manifest> ParseManifest(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return InvalidArgument("manifest.json", "manifest.json is not a JSON object");
  }
  Manifest m;
  ANALYTICS_TAKE(m.format_version, Field<int>(json, "format_version"));
  if (m.format_version != kManifestFormat) {
    return Bad("format_version", "is " + std::to_string(m.format_version) +
                                     "; this version reads " + std::to_string(kManifestFormat));
  }
  ANALYTICS_TAKE(m.id, Field<std::string>(json, "id"));
  ANALYTICS_TAKE(m.kind, Field<std::string>(json, "kind"));
  ANALYTICS_TAKE(m.method, Field<std::string>(json, "method"));
  ANALYTICS_TAKE(m.source, Field<std::string>(json, "source"));
  if (m.source != "sqlite" && m.source != "postgresql") {
    return Bad("source", "must be sqlite or postgresql");
  }
  ANALYTICS_TAKE(m.database, Field<std::string>(json, "database"));
  ANALYTICS_TAKE(m.schema_version, Field<int>(json, "schema_version"));
  ANALYTICS_TAKE(m.tool, Field<std::string>(json, "tool"));
  ANALYTICS_TAKE(m.host, Field<std::string>(json, "host"));
  ANALYTICS_TAKE(m.started_at, TimeField(json, "started_at"));
  ANALYTICS_TAKE(m.finished_at, TimeField(json, "finished_at"));
  ANALYTICS_TAKE(m.files, ParseFiles(json));
  ANALYTICS_TAKE(m.tables, ParseTables(json));
  if (json.contains("upload") && !json["upload"].is_null()) {
    ANALYTICS_TAKE(m.upload, ParseUpload(json["upload"]));
  }
  return m;
}

}  // namespace analytics::backup

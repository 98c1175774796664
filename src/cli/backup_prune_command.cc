// backup prune [--dry-run]: removes backups past backup.retention_days, never
// the newest verified one, and stale partial folders; with backup.method
// pgbackrest also runs pgbackrest expire (docs/backup.md "Jobs, upload and
// retention").
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "backup/retention.h"
#include "cli/command.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

Json EntriesJson(const std::vector<backup::PruneEntry>& entries) {
  Json list = Json::array();
  for (const backup::PruneEntry& e : entries) {
    list.push_back(Json{{"id", e.id},
                        {"path", e.path},
                        {"at", FormatTime(e.at)},
                        {"bytes", e.bytes},
                        {"reason", e.reason}});
  }
  return list;
}

void PrintReport(const Context& context, const backup::PruneReport& report) {
  if (context.json) {
    std::cout << Json{{"dry_run", report.dry_run},
                      {"removed", EntriesJson(report.plan.remove)},
                      {"kept", EntriesJson(report.plan.keep)},
                      {"pgbackrest_expired", report.pgbackrest_expired},
                      {"pgbackrest_note", report.pgbackrest_note.empty()
                                              ? Json(nullptr)
                                              : Json(report.pgbackrest_note)}}
                     .dump()
              << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows;
  const std::string removed = report.dry_run ? "would remove" : "removed";
  for (const auto& e : report.plan.remove) {
    rows.push_back({removed, e.id, FormatTime(e.at), std::to_string(e.bytes), e.reason});
  }
  for (const auto& e : report.plan.keep) {
    rows.push_back({"keep", e.id, FormatTime(e.at), std::to_string(e.bytes), e.reason});
  }
  for (const auto& label : report.pgbackrest_expired) {
    rows.push_back({"expired", label, "-", "-", "pgbackrest expire"});
  }
  PrintTable({"ACTION", "BACKUP", "AT", "BYTES", "REASON"}, rows);
  if (!report.pgbackrest_note.empty()) std::cout << report.pgbackrest_note << '\n';
}

int BackupPrune(const Context& context, bool dry_run) {
  OpenOptions config_only;
  config_only.app = false;
  auto opened = Open(context, config_only);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto report = backup::Prune(opened->config, SystemClock().Now(), dry_run);
  if (!report.ok()) return Fail(report.error());
  PrintReport(context, *report);
  return kExitOk;
}

}  // namespace

void AddBackupPruneCommand(CLI::App& backup, Context& context) {
  auto dry_run = std::make_shared<bool>(false);
  auto* prune = backup.add_subcommand(
      "prune", "remove backups past backup.retention_days (never the newest verified one)");
  prune->add_flag("--dry-run", *dry_run, "say what would be removed; remove nothing");
  prune->callback([&context, dry_run] { context.code = BackupPrune(context, *dry_run); });
}

}  // namespace analytics::cli

// backup create | list | verify [FILE] | restore FILE [--table T] [--yes]
// (docs/backup.md): logical backups (backup.method dump) and, with
// backup.method pgbackrest, pgBackRest's full/diff/incr backups and
// point-in-time restore (--to).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "backup/backup.h"
#include "backup/pgbackrest.h"
#include "cli/command.h"
#include "ops/cache_admin.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

struct BackupArgs {
  std::string type = "full";
  std::string method;  // backup create --method: "" = backup.method
  std::string file;
  std::string table;
  std::string to;
  bool yes = false;
};

bool IsPgBackRest(const config::Config& config) { return config.backup.method == "pgbackrest"; }

std::string Age(Time then, Time now) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string Expires(Time started, const config::Config& config) {
  return FormatDay(DayOf(started + std::chrono::days(config.backup.retention_days)));
}

std::string VerifiedText(const backup::BackupInfo& b) {
  if (!b.verification) return "no";
  return b.verification->ok ? "yes" : "FAILED";
}

std::string UploadedText(const backup::BackupInfo& b) {
  if (!b.manifest.upload) return "-";
  return b.manifest.upload->ok ? "yes" : "FAILED";
}

// Progress for the operator: warnings only (a backup complete but its
// folder not synced, a verification not recorded); the steps go to the log.
void WarnOnStderr(const std::string& event, const std::string& detail) {
  if (event == "warning") std::fprintf(stderr, "analytics: warning: %s\n", detail.c_str());
}

backup::Env EnvOf(app::App& app) {
  return backup::Env{app.db(), app.config(), app.clock(), &app.cache()};
}

int BackupCreate(const Context& context, const BackupArgs& args) {
  if (!args.method.empty() && args.method != "dump" && args.method != "pgbackrest") {
    return Fail(InvalidArgument("--method",
                                "--method must be dump or pgbackrest, got '" + args.method + "'"));
  }
  // --method dump with backup.method pgbackrest: a logical dump beside the
  // physical backups (one table's restore, a move to another machine).
  auto opened = Open(context, OpenOptions{[&args](config::Config& config) {
                                            if (!args.method.empty()) {
                                              config.backup.method = args.method;
                                            }
                                          },
                                          false, true});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  if (IsPgBackRest(opened->config) && opened->config.database.url.rfind("sqlite://", 0) == 0) {
    return Fail(InvalidArgument("--method", "--method pgbackrest needs a PostgreSQL database.url"));
  }
  if (!IsPgBackRest(opened->config) && args.type != "full") {
    return Fail(InvalidArgument("--type", "--type " + args.type +
                                              " needs backup.method: pgbackrest (dump backups "
                                              "are always full)"));
  }
  if (IsPgBackRest(opened->config)) {
    auto made = backup::PgBackRestCreate(opened->config, args.type);
    if (!made.ok()) return Fail(made.error());
    if (context.json) {
      std::cout
          << Json{{"label", made->label}, {"type", made->type}, {"bytes", made->repo_bytes}}.dump()
          << '\n';
    } else {
      std::cout << "created pgBackRest " << made->type << " backup " << made->label << '\n';
    }
    return kExitOk;
  }
  const auto start = std::chrono::steady_clock::now();
  auto made = backup::Create(EnvOf(*opened->app), WarnOnStderr);
  if (!made.ok()) return Fail(made.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.2fs", seconds);
  if (context.json) {
    std::cout << Json{{"id", made->manifest.id},
                      {"path", made->path},
                      {"bytes", made->bytes},
                      {"tables", made->manifest.tables.size()},
                      {"duration_s", seconds}}
                     .dump()
              << '\n';
  } else {
    PrintTable({"ID", "SIZE", "TABLES", "DURATION"},
               {{made->manifest.id, HumanBytes(made->bytes),
                 std::to_string(made->manifest.tables.size()), duration}});
  }
  return kExitOk;
}

Json ListJson(const backup::BackupInfo& b, const config::Config& config) {
  Json verified = nullptr;
  if (b.verification) {
    verified = Json{{"at", FormatTime(b.verification->at)},
                    {"ok", b.verification->ok},
                    {"detail", b.verification->detail}};
  }
  Json uploaded = nullptr;
  if (b.manifest.upload) {
    uploaded = Json{{"ok", b.manifest.upload->ok}, {"error", b.manifest.upload->error}};
  }
  return Json{{"id", b.manifest.id},
              {"kind", b.manifest.kind},
              {"method", b.manifest.method},
              {"source", b.manifest.source},
              {"bytes", b.bytes},
              {"started_at", FormatTime(b.manifest.started_at)},
              {"finished_at", FormatTime(b.manifest.finished_at)},
              {"verified", verified},
              {"upload", uploaded},
              {"expires", Expires(b.manifest.started_at, config)},
              {"path", b.path}};
}

int BackupList(const Context& context) {
  auto opened = Open(context, OpenOptions{{}, false, /*app=*/false});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const config::Config& config = opened->config;
  auto dumps = backup::List(config.backup.dir);
  if (!dumps.ok()) return Fail(dumps.error());
  std::vector<backup::PgBackRestBackup> physical;
  if (IsPgBackRest(config)) {
    auto listed = backup::PgBackRestList(config);
    if (listed.ok()) {
      physical = std::move(*listed);
    } else {
      std::fprintf(stderr, "analytics: warning: pgBackRest backups not listed: %s\n",
                   listed.error().message.c_str());
    }
  }
  const Time now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  if (context.json) {
    Json out = Json::array();
    for (const auto& b : *dumps) out.push_back(ListJson(b, config));
    for (const auto& p : physical) {
      out.push_back(Json{{"id", p.label},
                         {"kind", p.type},
                         {"method", "pgbackrest"},
                         {"bytes", p.repo_bytes},
                         {"started_at", FormatTime(p.started_at)},
                         {"finished_at", FormatTime(p.finished_at)},
                         {"prior", p.prior},
                         {"expires", Expires(p.started_at, config)}});
    }
    std::cout << out.dump() << '\n';
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : *dumps) {
    rows.push_back({b.manifest.id, b.manifest.kind, b.manifest.method, HumanBytes(b.bytes),
                    Age(b.manifest.started_at, now), VerifiedText(b), UploadedText(b),
                    Expires(b.manifest.started_at, config)});
  }
  for (const auto& p : physical) {
    rows.push_back({p.label, p.type, "pgbackrest", HumanBytes(p.repo_bytes), Age(p.started_at, now),
                    "-", "-", Expires(p.started_at, config)});
  }
  PrintTable({"ID", "KIND", "METHOD", "SIZE", "AGE", "VERIFIED", "UPLOADED", "EXPIRES"}, rows);
  return kExitOk;
}

// --to as UTC: "YYYY-MM-DD HH:MM:SS" or ISO 8601 (with Z or an offset).
Result<Time> ParseTo(const std::string& text) {
  if (std::optional<Time> t = ParseTime(text)) return *t;
  std::string iso = text;
  if (iso.size() == 19 && iso[10] == ' ') iso[10] = 'T';
  if (std::optional<Time> t = ParseTime(iso + "Z")) return *t;
  return InvalidArgument("--to", "--to '" + text +
                                     "' is not a time: use \"YYYY-MM-DD HH:MM:SS\" (UTC) or ISO "
                                     "8601");
}

// The backup FILE names, or the newest when FILE is empty.
Result<backup::BackupInfo> Pick(const config::Config& config, const std::string& file) {
  if (!file.empty()) return backup::Find(config.backup.dir, file);
  auto all = backup::List(config.backup.dir);
  if (!all.ok()) return all.error();
  if (all->empty()) return NotFound("no backups in " + config.backup.dir);
  return all->front();
}

int BackupVerify(const Context& context, const BackupArgs& args) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  if (args.file.empty() && IsPgBackRest(opened->config)) {
    auto summary = backup::PgBackRestVerify(opened->config);
    if (!summary.ok()) {
      Fail(summary.error());
      return summary.error().code == ErrorCode::kUnprocessable ? kExitCheckFailed
                                                               : ExitCodeFor(summary.error());
    }
    std::cout << *summary << '\n';
    return kExitOk;
  }
  auto target = Pick(opened->config, args.file);
  if (!target.ok()) return Fail(target.error());
  auto v = backup::Verify(EnvOf(*opened->app), *target, WarnOnStderr);
  if (!v.ok()) return Fail(v.error());
  if (context.json) {
    std::cout << Json{{"id", target->manifest.id}, {"ok", v->ok}, {"detail", v->detail}}.dump()
              << '\n';
  } else {
    std::cout << target->manifest.id << ": " << (v->ok ? "ok: " : "FAILED: ") << v->detail << '\n';
  }
  if (!v->ok) {
    std::fprintf(stderr, "analytics: backup %s failed verification: %s\n",
                 target->manifest.id.c_str(), v->detail.c_str());
    return kExitCheckFailed;
  }
  return kExitOk;
}

void PrintPlan(const Context& context, const backup::RestorePlan& plan, bool done) {
  if (context.json) {
    Json tables = Json::array();
    for (const auto& t : plan.tables) {
      tables.push_back(
          Json{{"name", t.name}, {"current_rows", t.current_rows}, {"backup_rows", t.backup_rows}});
    }
    std::cout << Json{{"id", plan.id},
                      {"table", plan.table},
                      {"restored", done},
                      {"tables", tables},
                      {"refresh_views", plan.refresh_views},
                      {"verification", plan.verification.detail}}
                     .dump()
              << '\n';
    return;
  }
  std::cout << "backup " << plan.id << " verified: " << plan.verification.detail << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : plan.tables) {
    rows.push_back({t.name, t.current_rows < 0 ? "(absent)" : std::to_string(t.current_rows),
                    std::to_string(t.backup_rows)});
  }
  PrintTable({"TABLE", "ROWS NOW", "ROWS IN BACKUP"}, rows);
  std::cout << (done ? "restored" : "would restore")
            << (plan.table.empty() ? " the whole database" : " table " + plan.table)
            << (plan.refresh_views ? "; then the stats views are refreshed (refresh_views)" : "")
            << "; then the analytics cache is emptied\n";
}

int PgBackRestRestoreTo(const Context& context, const config::Config& config,
                        const BackupArgs& args) {
  if (!IsPgBackRest(config)) {
    return Fail(InvalidArgument("--to", "--to needs backup.method: pgbackrest"));
  }
  if (!args.file.empty() || !args.table.empty()) {
    return Fail(
        InvalidArgument("--to", "--to restores the whole cluster: give no FILE or --table"));
  }
  auto target = ParseTo(args.to);
  if (!target.ok()) return Fail(target.error());
  auto done = backup::PgBackRestRestore(config, *target, /*dry_run=*/!args.yes);
  if (!done.ok()) return Fail(done.error());
  std::cout << *done << '\n';
  if (!args.yes) {
    std::fprintf(stderr, "analytics: re-run with --yes to restore the cluster to %s\n",
                 FormatTime(*target).c_str());
    return kExitUsage;
  }
  (void)context;
  return kExitOk;
}

// Memory cache: the numbers live in the running server, which is asked to
// drop them (a server that is not running holds none).
void FlushServerCache(const config::Config& config) {
  if (config.cache.url != "memory") return;
  auto asked = ops::AskServer(config, "POST", "/api/v1/admin/cache/invalidate", "");
  if (!asked.ok()) {
    std::fprintf(stderr, "analytics: warning: the server's in-process cache was not flushed: %s\n",
                 asked.error().message.c_str());
  }
}

int BackupRestore(const Context& context, const BackupArgs& args) {
  auto opened = Open(context, OpenOptions{{}, false, /*app=*/false});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  if (!args.to.empty()) return PgBackRestRestoreTo(context, opened->config, args);
  if (args.file.empty()) {
    return Fail(InvalidArgument("FILE", "backup restore needs FILE (a backup id or folder)"));
  }
  auto target = backup::Find(opened->config.backup.dir, args.file);
  if (!target.ok()) return Fail(target.error());
  auto app = app::App::Build(opened->config);
  if (!app.ok()) return Fail(app.error(), Stage::kOpen);
  const backup::Env env = EnvOf(**app);
  auto plan = backup::PlanRestore(env, *target, args.table, WarnOnStderr);
  if (!plan.ok()) {
    Fail(plan.error());
    return plan.error().code == ErrorCode::kUnprocessable ? kExitCheckFailed
                                                          : ExitCodeFor(plan.error());
  }
  if (!args.yes) {
    PrintPlan(context, *plan, false);
    std::fprintf(stderr, "analytics: re-run with --yes to replace %s with backup %s\n",
                 args.table.empty() ? "the whole database" : ("table " + args.table).c_str(),
                 plan->id.c_str());
    return kExitUsage;
  }
  Result<void> done = backup::ApplyRestore(env, *target, *plan, WarnOnStderr);
  // Asked on every path: a restore that committed and then failed a later
  // step has changed the data all the same.
  FlushServerCache(opened->config);
  if (!done.ok()) return Fail(done.error());
  PrintPlan(context, *plan, true);
  return kExitOk;
}

}  // namespace

void AddBackupCommands(CLI::App& cli, Context& context) {
  auto args = std::make_shared<BackupArgs>();
  auto* group = cli.add_subcommand("backup", "create, list, verify and restore backups");
  group->require_subcommand(1);
  auto* create = group->add_subcommand("create", "make a backup now");
  create->add_option("--type", args->type, "full, diff or incr (backup.method pgbackrest)");
  create->add_option("--method", args->method,
                     "dump or pgbackrest (default backup.method; dump with pgbackrest configured "
                     "makes a logical dump for one table's restore)");
  create->callback([&context, args] { context.code = BackupCreate(context, *args); });
  auto* list = group->add_subcommand("list", "list backups, newest first");
  list->callback([&context] { context.code = BackupList(context); });
  auto* verify = group->add_subcommand(
      "verify", "check a backup's files and restore it into a scratch database (exit 1 if bad)");
  verify->add_option("FILE", args->file, "backup id or folder (default: the newest)");
  verify->callback([&context, args] { context.code = BackupVerify(context, *args); });
  auto* restore = group->add_subcommand("restore", "restore a backup (verified first)");
  restore->add_option("FILE", args->file, "backup id or folder");
  restore->add_option("--table", args->table, "restore only this table");
  restore->add_option("--to", args->to,
                      "point in time, UTC \"YYYY-MM-DD HH:MM:SS\" (backup.method pgbackrest)");
  restore->add_flag("--yes", args->yes, "replace the data (without it: only say what)");
  restore->callback([&context, args] { context.code = BackupRestore(context, *args); });
  AddBackupPruneCommand(*group, context);  // backup_prune_command.cc
}

}  // namespace analytics::cli

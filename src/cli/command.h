// What every command group shares: the global options, the one way to fail
// (a reason on stderr, the exit code from ExitCodeFor), table output, and
// Open, which opens what a command needs. Internal to cli/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "base/result.h"
#include "cli/exit_code.h"
#include "config/config.h"

namespace CLI {
class App;
}

namespace analytics::cli {

// The global options, and the exit code the command that ran leaves.
struct Context {
  std::string config_path;  // --config
  bool json = false;        // --json
  int code = kExitOk;
};

// Prints "analytics: <reason>" on stderr; returns ExitCodeFor(error, stage).
int Fail(const Error& error, Stage stage = Stage::kWork);

// "512 B", "1.5 KiB", "3.2 GiB": sizes in tables.
std::string HumanBytes(std::uint64_t bytes);

// Columns padded to their widest cell, two spaces apart, header first.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// What a command opens before its work, in this order: the configuration
// (always), `adjust` (flags that override it), the log files, the app.
struct OpenOptions {
  std::function<void(config::Config&)> adjust;
  bool logs = false;  // logging::Setup; the command calls logging::Shutdown
  bool app = true;    // App::Build: database (migrations applied), cache, services
};

struct Opened {
  config::Config config;
  std::unique_ptr<app::App> app;  // null unless OpenOptions::app
};

// Errors (report them with Fail(error, Stage::kOpen)): kInvalidArgument (the
// configuration), kUnavailable (logs, database or cache).
Result<Opened> Open(const Context& context, const OpenOptions& options = {});

// Who runs the command, for created_by columns: $USER, or "cli" when unset.
std::string OperatorName();

// The command groups, one file each; cli.cc lists them in --help order.
void AddServeCommands(CLI::App& cli, Context& context);   // serve, demo
void AddMigrateCommand(CLI::App& cli, Context& context);  // migrate
void AddUsersCommands(CLI::App& cli, Context& context);   // users create|list|rotate-token
void AddJobCommands(CLI::App& cli, Context& context);     // job run|status|schedule
void AddDoctorCommand(CLI::App& cli, Context& context);   // doctor
void AddReportCommands(CLI::App& cli, Context& context);  // report performance|daily
void AddAlertsCommands(CLI::App& cli,
                       Context& context);  // alerts check|silence|unsilence|export|watch

// incident create|list|resolve; notify; cache stats|invalidate|flush|warm; anomalies.
void AddIncidentCommands(CLI::App& cli, Context& context);
void AddNotifyCommand(CLI::App& cli, Context& context);
void AddCacheCommands(CLI::App& cli, Context& context);
void AddAnomaliesCommand(CLI::App& cli, Context& context);
// backup create|list|verify|restore (backup_commands.cc; prune: backup_prune_command.cc).
void AddBackupCommands(CLI::App& cli, Context& context);
void AddBackupPruneCommand(CLI::App& backup, Context& context);  // backup prune
void AddAuditCommands(CLI::App& cli, Context& context);          // audit list
void AddTasksCommands(CLI::App& cli, Context& context);          // tasks undelete

}  // namespace analytics::cli

// Dispatch: the global options, the command groups (one file each, listed
// in kCommandGroups), the parse, and the exit code of the command that ran.
#include "cli/cli.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>

#include "cli/command.h"

namespace analytics::cli {
namespace {

// Every command group, in the order --help lists them (one a line, so that
// adding one is a one-line change).
// clang-format off
constexpr void (*kCommandGroups[])(CLI::App&, Context&) = {
    AddServeCommands,
    AddMigrateCommand,
    AddUsersCommands,
    AddJobCommands,
    AddDoctorCommand,
    AddReportCommands,
    AddAlertsCommands,
    AddIncidentCommands,
    AddNotifyCommand,
    AddCacheCommands,
    AddAnomaliesCommand,
    AddBackupCommands,
};
// clang-format on

// The first word given where a command was expected that names none, with
// the command line to ask for help: CLI11 itself only says "A subcommand is
// required".
std::optional<std::pair<std::string, std::string>> UnknownCommand(CLI::App& cli, int argc,
                                                                  char** argv) {
  CLI::App* level = &cli;
  std::string path = "analytics";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0) {
      if (arg == "--config") ++i;  // its value is not a command
      continue;
    }
    auto subs = level->get_subcommands([&](CLI::App* sub) { return sub->get_name() == arg; });
    if (!subs.empty()) {
      level = subs.front();
      path += " " + arg;
      continue;
    }
    if (level->get_require_subcommand_min() > 0) return std::pair{arg, path};
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

int Run(int argc, char** argv) {
  // What this process creates (the SQLite file and its WAL, logs, job logs,
  // backups, and the folders that hold them) holds users' data or tokens:
  // readable by its owner only, 0600 and 0700, whatever umask it inherited.
  ::umask(077);
  CLI::App cli{"Task Analytics: per-user analytics over a task database, with its ops tooling",
               "analytics"};
  cli.require_subcommand(1);
  // Subcommands accept the global options too: `analytics users list --json`.
  cli.fallthrough();
  Context context;
  cli.add_option("--config", context.config_path,
                 "YAML config file (else $ANALYTICS_CONFIG, else /etc/analytics/config.yml)");
  cli.add_flag("--json", context.json, "print JSON instead of a table");
  for (auto add : kCommandGroups) add(cli, context);

  if (auto unknown = UnknownCommand(cli, argc, argv)) {
    std::fprintf(stderr, "analytics: unknown command '%s' (see '%s --help')\n",
                 unknown->first.c_str(), unknown->second.c_str());
    return kExitUsage;
  }
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return kExitUsage;
  }
  return context.code;
}

}  // namespace analytics::cli

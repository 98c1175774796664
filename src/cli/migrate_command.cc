// migrate: apply pending schema migrations (App::Build applies them).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"

namespace analytics::cli {
namespace {

int Migrate(const Context& context) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  std::string database = opened->app->db().description();
  if (context.json) {
    std::cout << nlohmann::ordered_json{{"database", database}, {"status", "up to date"}}.dump()
              << '\n';
  } else {
    std::cout << "migrations applied: " << database << " is up to date\n";
  }
  return kExitOk;
}

}  // namespace

void AddMigrateCommand(CLI::App& cli, Context& context) {
  auto* migrate = cli.add_subcommand("migrate", "apply pending schema migrations");
  migrate->callback([&context] { context.code = Migrate(context); });
}

}  // namespace analytics::cli

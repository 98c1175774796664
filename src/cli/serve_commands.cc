// serve and demo: start the HTTP API (demo seeds data first) until a signal.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "app/demo.h"
#include "cli/command.h"
#include "logging/log.h"
#include "users/token.h"

namespace analytics::cli {
namespace {

struct ServeFlags {
  int port = -1;
  int workers = 0;
  app::DemoOptions demo;
};

// `generated_admin_token`: demo made the admin token up for this run, so it
// may show it; a configured one is a real secret and is never printed.
void PrintDemoBanner(const config::Config& config, app::App& app, const app::DemoSummary& summary,
                     int port, bool generated_admin_token) {
  std::string base = "http://" + config.server.host + ":" + std::to_string(port);
  std::string uid = summary.sample_user;
  std::string auth = "-H 'Authorization: Bearer " + summary.sample_user_token + "'";
  std::cout << "Task Analytics demo on " << base << "\n"
            << "  database: " << app.db().description() << "\n"
            << (summary.seeded ? "  seeded " + std::to_string(summary.users) + " users, " +
                                     std::to_string(summary.tasks) + " tasks\n"
                               : "  demo data already present (kept)\n")
            << "  logs:     " << config.logging.dir << "\n"
            << "  admin token: "
            << (generated_admin_token ? config.auth.admin_token
                                      : std::string("(the configured auth.admin_token)"))
            << "\n"
            << "  user " << uid << " token: " << summary.sample_user_token << "\n\n"
            << "Try:\n"
            << "  curl " << base << "/health\n"
            << "  curl " << auth << " " << base << "/api/v1/users/" << uid
            << "/analytics/overview\n"
            << "  curl " << auth << " '" << base << "/api/v1/users/" << uid
            << "/analytics/trends?granularity=month'\n"
            << "  curl " << auth << " '" << base << "/api/v1/users/" << uid << "/tasks?limit=5'\n"
            << "  curl " << auth << " '" << base << "/api/v1/users/" << uid
            << "/export?format=csv'\n"
            << "  curl " << base << "/metrics\n\n"
            << "Press Ctrl-C to stop." << std::endl;
}

int Serve(const Context& context, const ServeFlags& flags, bool demo) {
  // Before logging starts its flusher thread: only sigwait may take them.
  app::App::BlockTerminationSignals();
  bool generated_admin_token = false;
  OpenOptions options;
  options.logs = true;
  options.adjust = [&](config::Config& config) {
    if (flags.port >= 0) config.server.port = flags.port;
    if (flags.workers > 0) config.server.workers = flags.workers;
    generated_admin_token = demo && config.auth.admin_token.empty();
    if (generated_admin_token) config.auth.admin_token = users::NewToken();
  };
  auto opened = Open(context, options);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const config::Config& config = opened->config;
  app::App& app = *opened->app;
  std::optional<app::DemoSummary> summary;
  if (demo) {
    auto seeded = app::SeedDemo(app, flags.demo);
    if (!seeded.ok()) return Fail(seeded.error());
    summary = *seeded;
  }
  // The banner waits for the bound port: with --port 0 it names the real one,
  // and a port in use fails before anything is printed.
  auto served = app.ServeUntilSignal([&](int bound) {
    if (summary) PrintDemoBanner(config, app, *summary, bound, generated_admin_token);
  });
  logging::Shutdown();
  if (!served.ok()) return Fail(served.error());
  return kExitOk;
}

}  // namespace

void AddServeCommands(CLI::App& cli, Context& context) {
  // One set of flags: serve and demo share --port.
  auto flags = std::make_shared<ServeFlags>();
  auto* serve = cli.add_subcommand("serve", "serve the HTTP API");
  serve->add_option("--port", flags->port, "port to listen on (default from config: 8080)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--workers", flags->workers, "handler threads (also $WORKERS)")
      ->check(CLI::Range(1, 1024));
  serve->callback([&context, flags] { context.code = Serve(context, *flags, false); });

  auto* demo = cli.add_subcommand("demo", "seed realistic demo data, then serve");
  demo->add_option("--users", flags->demo.users, "demo users (default 30)")
      ->check(CLI::Range(1, 10000));
  demo->add_option("--tasks", flags->demo.tasks, "demo tasks over all users (default 6000)")
      ->check(CLI::Range(0, 10'000'000));
  demo->add_option("--port", flags->port, "port to listen on (default from config: 8080)")
      ->check(CLI::Range(0, 65535));
  demo->callback([&context, flags] { context.code = Serve(context, *flags, true); });
}

}  // namespace analytics::cli

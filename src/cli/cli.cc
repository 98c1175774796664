#include "cli/cli.h"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/demo.h"
#include "cli/exit_code.h"
#include "config/config.h"
#include "logging/log.h"
#include "users/token.h"

namespace analytics::cli {

int ExitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument: return kExitUsage;
    case ErrorCode::kUnavailable: return kExitUnavailable;
    default: return kExitFailed;
  }
}

namespace {

using Json = nlohmann::ordered_json;

struct Globals {
  std::string config_path;
  bool json = false;
};

int Fail(const Error& error, int code) {
  std::string field = error.field.empty() ? "" : " (" + error.field + ")";
  std::fprintf(stderr, "analytics: %s%s\n", error.message.c_str(), field.c_str());
  return code;
}

Result<config::Config> LoadConfig(const Globals& g) {
  auto loaded = config::Load(g.config_path, config::Environment::FromProcess());
  if (!loaded.ok()) return loaded.error();
  return loaded->config;
}

// Builds the app from config; on failure prints the reason and sets `code`.
std::unique_ptr<app::App> BuildApp(const config::Config& config, int& code) {
  auto built = app::App::Build(config);
  if (!built.ok()) {
    code = Fail(built.error(), built.error().code == ErrorCode::kInvalidArgument
                                   ? kExitConfig
                                   : ExitCodeFor(built.error()));
    return nullptr;
  }
  return std::move(*built);
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print(header);
  for (const auto& row : rows) print(row);
}

int Serve(const Globals& g, int port, int workers, bool demo, const app::DemoOptions& demo_opts) {
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  if (port >= 0) config->server.port = port;
  if (workers > 0) config->server.workers = workers;
  if (demo && config->auth.admin_token.empty()) config->auth.admin_token = users::NewToken();
  auto logs = logging::Setup(config->logging, config->jobs.log_dir);
  if (!logs.ok()) return Fail(logs.error(), kExitUnavailable);
  int code = kExitOk;
  auto app = BuildApp(*config, code);
  if (!app) return code;
  if (demo) {
    auto summary = app::SeedDemo(*app, demo_opts);
    if (!summary.ok()) return Fail(summary.error(), ExitCodeFor(summary.error()));
    std::string base = "http://" + config->server.host + ":" + std::to_string(config->server.port);
    std::string uid = summary->sample_user;
    std::string auth = "-H 'Authorization: Bearer " + summary->sample_user_token + "'";
    std::cout << "Task Analytics demo on " << base << "\n"
              << "  database: " << app->db().description() << "\n"
              << (summary->seeded ? "  seeded " + std::to_string(summary->users) + " users, " +
                                        std::to_string(summary->tasks) + " tasks\n"
                                  : "  demo data already present (kept)\n")
              << "  logs:     " << config->logging.dir << "\n"
              << "  admin token: " << config->auth.admin_token << "\n"
              << "  user " << uid << " token: " << summary->sample_user_token << "\n\n"
              << "Try:\n"
              << "  curl " << base << "/health\n"
              << "  curl " << auth << " " << base << "/api/v1/users/" << uid
              << "/analytics/overview\n"
              << "  curl " << auth << " '" << base << "/api/v1/users/" << uid
              << "/analytics/trends?granularity=month'\n"
              << "  curl " << auth << " '" << base << "/api/v1/users/" << uid
              << "/tasks?limit=5'\n"
              << "  curl " << auth << " '" << base << "/api/v1/users/" << uid
              << "/export?format=csv'\n"
              << "  curl " << base << "/metrics\n\n"
              << "Press Ctrl-C to stop." << std::endl;
  }
  auto served = app->ServeUntilSignal();
  logging::Shutdown();
  if (!served.ok()) return Fail(served.error(), ExitCodeFor(served.error()));
  return kExitOk;
}

int Migrate(const Globals& g) {
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  int code = kExitOk;
  auto app = BuildApp(*config, code);  // Build applies pending migrations
  if (!app) return code;
  if (g.json) {
    std::cout << Json{{"database", app->db().description()}, {"status", "up to date"}}.dump()
              << '\n';
  } else {
    std::cout << "migrations applied: " << app->db().description() << " is up to date\n";
  }
  return kExitOk;
}

int UsersCreate(const Globals& g, const std::string& id, bool rotate) {
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  int code = kExitOk;
  auto app = BuildApp(*config, code);
  if (!app) return code;
  auto issued = rotate ? app->users().RotateToken(id) : app->users().Create(id);
  if (!issued.ok()) return Fail(issued.error(), ExitCodeFor(issued.error()));
  if (g.json) {
    std::cout << Json{{"id", issued->user.id},
                      {"created_at", FormatTime(issued->user.created_at)},
                      {"token", issued->token}}
                     .dump()
              << '\n';
  } else {
    PrintTable({"ID", "CREATED_AT", "TOKEN"},
               {{issued->user.id, FormatTime(issued->user.created_at), issued->token}});
    std::cerr << "Keep the token: it is stored only as a hash and cannot be shown again.\n";
  }
  return kExitOk;
}

int UsersList(const Globals& g) {
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  int code = kExitOk;
  auto app = BuildApp(*config, code);
  if (!app) return code;
  std::vector<model::User> all;
  std::string after;
  constexpr int kPage = 1000;
  while (true) {
    auto page = app->users().List(after, kPage);
    if (!page.ok()) return Fail(page.error(), ExitCodeFor(page.error()));
    all.insert(all.end(), page->begin(), page->end());
    if (static_cast<int>(page->size()) < kPage) break;
    after = page->back().id;
  }
  if (g.json) {
    Json list = Json::array();
    for (const auto& u : all) {
      list.push_back(Json{{"id", u.id}, {"created_at", FormatTime(u.created_at)}});
    }
    std::cout << list.dump() << '\n';
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : all) rows.push_back({u.id, FormatTime(u.created_at)});
    PrintTable({"ID", "CREATED_AT"}, rows);
  }
  return kExitOk;
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App cli{"Task Analytics: per-user analytics over a task database, with its ops tooling",
               "analytics"};
  cli.require_subcommand(1);
  Globals g;
  cli.add_option("--config", g.config_path,
                 "YAML config file (else $ANALYTICS_CONFIG, else /etc/analytics/config.yml)");
  cli.add_flag("--json", g.json, "print JSON instead of a table");
  int code = kExitOk;

  int port = -1, workers = 0;
  auto* serve = cli.add_subcommand("serve", "serve the HTTP API");
  serve->add_option("--port", port, "port to listen on (default from config: 8080)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--workers", workers, "handler threads (also $WORKERS)")
      ->check(CLI::Range(1, 1024));
  serve->callback([&] { code = Serve(g, port, workers, false, {}); });

  app::DemoOptions demo_opts;
  auto* demo = cli.add_subcommand("demo", "seed realistic demo data, then serve");
  demo->add_option("--users", demo_opts.users, "demo users (default 30)")
      ->check(CLI::Range(1, 10000));
  demo->add_option("--tasks", demo_opts.tasks, "demo tasks over all users (default 6000)")
      ->check(CLI::Range(0, 10'000'000));
  demo->add_option("--port", port, "port to listen on (default from config: 8080)")
      ->check(CLI::Range(0, 65535));
  demo->callback([&] { code = Serve(g, port, workers, true, demo_opts); });

  auto* migrate = cli.add_subcommand("migrate", "apply pending schema migrations");
  migrate->callback([&] { code = Migrate(g); });

  auto* users = cli.add_subcommand("users", "manage users and their tokens");
  users->require_subcommand(1);
  std::string user_id;
  auto* create = users->add_subcommand("create", "create a user and print its token");
  create->add_option("ID", user_id, "user id: 1-64 of [A-Za-z0-9_.-]")->required();
  create->callback([&] { code = UsersCreate(g, user_id, false); });
  auto* list = users->add_subcommand("list", "list users");
  list->callback([&] { code = UsersList(g); });
  auto* rotate = users->add_subcommand("rotate-token", "replace a user's token; print the new one");
  rotate->add_option("ID", user_id, "user id")->required();
  rotate->callback([&] { code = UsersCreate(g, user_id, true); });

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
  return code;
}

}  // namespace analytics::cli

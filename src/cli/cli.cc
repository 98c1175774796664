#include "cli/cli.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/app.h"
#include "app/demo.h"
#include "base/cron.h"
#include "cli/exit_code.h"
#include "config/config.h"
#include "jobs/status.h"
#include "logging/log.h"
#include "users/token.h"

namespace analytics::cli {

int ExitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitFailed;
  }
}

namespace {

using Json = nlohmann::ordered_json;

struct Globals {
  std::string config_path;
  bool json = false;
};

int Fail(const Error& error, int code) {
  bool named = error.field.empty() || error.message.find(error.field) != std::string::npos;
  std::string field = named ? "" : " (" + error.field + ")";
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

int Serve(const Globals& g, int port, int workers, bool demo, const app::DemoOptions& demo_opts) {
  // Before logging starts its flusher thread: only sigwait may take them.
  app::App::BlockTerminationSignals();
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  if (port >= 0) config->server.port = port;
  if (workers > 0) config->server.workers = workers;
  const bool generated_admin_token = demo && config->auth.admin_token.empty();
  if (generated_admin_token) config->auth.admin_token = users::NewToken();
  auto logs = logging::Setup(config->logging, config->jobs.log_dir);
  if (!logs.ok()) return Fail(logs.error(), kExitUnavailable);
  int code = kExitOk;
  auto app = BuildApp(*config, code);
  if (!app) return code;
  std::optional<app::DemoSummary> summary;
  if (demo) {
    auto seeded = app::SeedDemo(*app, demo_opts);
    if (!seeded.ok()) return Fail(seeded.error(), ExitCodeFor(seeded.error()));
    summary = *seeded;
  }
  // The banner waits for the bound port: with --port 0 it names the real one,
  // and a port in use fails before anything is printed.
  auto served = app->ServeUntilSignal([&](int bound) {
    if (summary) PrintDemoBanner(*config, *app, *summary, bound, generated_admin_token);
  });
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

Result<std::optional<Day>> DayOption(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<Day>{};
  auto day = ParseDay(text);
  if (!day) return InvalidArgument(flag, std::string(flag) + " must be a date YYYY-MM-DD");
  return std::optional<Day>{*day};
}

struct JobRunFlags {
  std::string name, date, from, to;
  int top_users = 0;
};

int JobRun(const Globals& g, const JobRunFlags& f) {
  jobs::JobArgs args;
  for (auto [text, flag, target] :
       {std::tuple{&f.date, "--date", &args.date}, std::tuple{&f.from, "--from", &args.from},
        std::tuple{&f.to, "--to", &args.to}}) {
    auto day = DayOption(*text, flag);
    if (!day.ok()) return Fail(day.error(), kExitUsage);
    *target = *day;
  }
  if (f.top_users > 0) args.top_users = f.top_users;
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  auto logs = logging::Setup(config->logging, config->jobs.log_dir);
  if (!logs.ok()) return Fail(logs.error(), kExitUnavailable);
  int code = kExitOk;
  auto app = BuildApp(*config, code);
  if (!app) return code;
  auto report = app->jobs().Run(f.name, args);
  logging::Shutdown();
  if (!report.ok()) {
    return Fail(report.error(), report.error().code == ErrorCode::kNotFound
                                    ? kExitUsage
                                    : ExitCodeFor(report.error()));
  }
  if (g.json) {
    std::cout << Json{{"run_id", report->run_id},
                      {"job", report->job},
                      {"status", report->succeeded ? "succeeded" : "failed"},
                      {"rows", report->result.rows},
                      {"summary", report->result.summary},
                      {"error", report->error},
                      {"duration_ms", report->duration.count()}}
                     .dump()
              << '\n';
  } else if (report->succeeded) {
    std::cout << report->job << " succeeded in " << report->duration.count()
              << " ms: " << report->result.summary << " (run " << report->run_id << ")\n";
  }
  if (!report->succeeded) {
    std::fprintf(stderr, "analytics: %s failed: %s (run %lld)\n", report->job.c_str(),
                 report->error.c_str(), static_cast<long long>(report->run_id));
    return kExitFailed;
  }
  return kExitOk;
}

std::string OptTimeText(const std::optional<Time>& t) { return t ? FormatTime(*t) : "-"; }

int JobStatus(const Globals& g, const std::string& name) {
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  int code = kExitOk;
  auto app = BuildApp(*config, code);
  if (!app) return code;
  auto statuses = jobs::Status(app->jobs(), name);
  if (!statuses.ok()) {
    return Fail(statuses.error(), statuses.error().code == ErrorCode::kNotFound
                                      ? kExitUsage
                                      : ExitCodeFor(statuses.error()));
  }
  bool attention = false;
  Json list = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : *statuses) {
    attention = attention || s.needs_attention();
    const auto& r = s.last_run;
    list.push_back(
        Json{{"job", s.job},
             {"state", jobs::ToString(s.state)},
             {"schedule", s.schedule},
             {"last_run_started_at", r ? Json(FormatTime(r->started_at)) : Json(nullptr)},
             {"last_run_status", r ? Json(r->status) : Json(nullptr)},
             {"last_run_rows", r ? Json(r->rows) : Json(nullptr)},
             {"last_run_error", r && !r->error.empty() ? Json(r->error) : Json(nullptr)},
             {"last_success", s.last_success ? Json(FormatTime(*s.last_success)) : Json(nullptr)},
             {"next_run", s.next_run ? Json(FormatTime(*s.next_run)) : Json(nullptr)}});
    rows.push_back({s.job, std::string(jobs::ToString(s.state)),
                    r ? FormatTime(r->started_at) : "-", r ? r->status : "-",
                    r ? std::to_string(r->rows) : "-", OptTimeText(s.next_run),
                    r && !r->error.empty() ? r->error : ""});
  }
  if (g.json) {
    std::cout << list.dump() << '\n';
  } else {
    PrintTable({"JOB", "STATE", "LAST_RUN", "STATUS", "ROWS", "NEXT_RUN", "ERROR"}, rows);
  }
  return attention ? kExitCheckFailed : kExitOk;
}

int JobSchedule(const Globals& g) {
  auto config = LoadConfig(g);
  if (!config.ok()) return Fail(config.error(), kExitConfig);
  Time now = SystemClock().Now();
  Json list = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const jobs::JobDefinition& def : jobs::Catalog()) {
    auto it = config->jobs.schedules.find(def.name);
    std::string expr = it == config->jobs.schedules.end() ? "" : it->second;
    std::optional<Time> next;
    if (!expr.empty()) {
      auto cron = CronSchedule::Parse(expr);
      if (!cron.ok()) return Fail(cron.error(), kExitConfig);
      next = cron->Next(now);
    }
    list.push_back(Json{{"job", def.name},
                        {"schedule", expr},
                        {"next_run", next ? Json(FormatTime(*next)) : Json(nullptr)}});
    rows.push_back({def.name, expr.empty() ? "-" : expr, OptTimeText(next)});
  }
  if (g.json) {
    std::cout << list.dump() << '\n';
  } else {
    PrintTable({"JOB", "SCHEDULE (UTC)", "NEXT_RUN"}, rows);
  }
  return kExitOk;
}

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

  auto* job = cli.add_subcommand("job", "run background jobs and check on them");
  job->require_subcommand(1);
  JobRunFlags run_flags;
  auto* run = job->add_subcommand("run", "run a job now and record it in job_runs");
  run->add_option("NAME", run_flags.name,
                  "daily_aggregation, cache_warming, refresh_views, archive, maintenance")
      ->required();
  auto* date_opt = run->add_option("--date", run_flags.date,
                                   "one day, YYYY-MM-DD (daily_aggregation; default yesterday)");
  auto* from_opt =
      run->add_option("--from", run_flags.from, "first day of a range (daily_aggregation)");
  auto* to_opt = run->add_option("--to", run_flags.to, "last day of a range (daily_aggregation)");
  from_opt->needs(to_opt);
  to_opt->needs(from_opt);
  date_opt->excludes(from_opt)->excludes(to_opt);
  run->add_option("--top-users", run_flags.top_users, "at most N users (cache_warming)")
      ->check(CLI::Range(1, 1'000'000));
  run->callback([&] { code = JobRun(g, run_flags); });
  std::string status_job;
  auto* status =
      job->add_subcommand("status", "last runs; exit 1 if a run failed, is orphaned or is overdue");
  status->add_option("NAME", status_job, "one job (default: all)");
  status->callback([&] { code = JobStatus(g, status_job); });
  auto* schedule = job->add_subcommand("schedule", "the next run of each scheduled job");
  schedule->callback([&] { code = JobSchedule(g); });

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
  return code;
}

}  // namespace analytics::cli

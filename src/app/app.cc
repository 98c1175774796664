#include "app/app.h"

#include <csignal>
#include <filesystem>

#include "app/metrics_sources.h"
#include "app/timed_database.h"
#include "cache/open_cache.h"
#include "jobs/scheduler.h"
#include "logging/log.h"
#include "stats/invalidation_replayer.h"
#include "storage/open_database.h"

namespace analytics::app {

App::App(config::Config config) : config_(std::move(config)) {}

App::~App() {
  // The sampler's thread reads the cache and the database: stopped first.
  sampler_.reset();
  // The cache first, so that its GET batcher has answered or dropped every
  // fast-path read before anything else goes. Not a rule the fast path needs:
  // those callbacks hold only the server's answer, metrics_ and the clock,
  // which are built before the cache and so outlive it anyway
  // (StatsService::CachedAsync).
  cache_.reset();
}

namespace {
// The sampler's settings: disk_usage covers the SQLite file's directory (a
// PostgreSQL server's disk is not ours to see), the logs, job logs and backups.
ops::SamplerOptions SamplerOptionsOf(const config::Config& config) {
  ops::SamplerOptions options;
  options.interval = std::chrono::seconds(config.alerts.sample_interval_s);
  options.retention_days = config.alerts.retention_days;
  constexpr std::string_view kSqlite = "sqlite:///";
  if (config.database.url.starts_with(kSqlite)) {
    const std::filesystem::path file(config.database.url.substr(kSqlite.size()));
    options.disk_dirs.push_back(file.has_parent_path() ? file.parent_path().string() : ".");
  }
  options.disk_dirs.push_back(config.logging.dir);
  options.disk_dirs.push_back(config.jobs.log_dir);
  options.disk_dirs.push_back(config.backup.dir);
  return options;
}
}  // namespace

Result<std::unique_ptr<App>> App::Build(const config::Config& config, const Clock* clock) {
  std::unique_ptr<App> app(new App(config));
  if (clock != nullptr) app->clock_ = clock;
  app->metrics_ = std::make_unique<metrics::Metrics>();

  auto db = storage::OpenDatabase(config.database);
  if (!db.ok()) return db.error();
  // Every statement timed into analytics_db_query_duration_seconds.
  app->db_ = std::make_unique<TimedDatabase>(std::move(*db), *app->metrics_);
  auto migrated = storage::Migrate(*app->db_);
  if (!migrated.ok()) return migrated.error();
  if (*migrated > 0) logging::Info("migrations_applied", {{"count", std::int64_t{*migrated}}});

  auto cache = cache::OpenCache(config.cache, *app->clock_);
  if (!cache.ok()) return cache.error();
  app->cache_ = std::move(*cache);

  app->users_ = std::make_unique<users::UserService>(
      *app->db_, *app->clock_, config.auth.admin_token, users::TokenCacheOptions{});
  app->stats_ =
      std::make_unique<stats::StatsService>(*app->db_, *app->cache_, *app->clock_, config.cache);
  app->tasks_ = std::make_unique<tasks::TaskService>(*app->db_, *app->cache_, *app->clock_,
                                                     app->stats_.get());

  app->jobs_ = std::make_unique<jobs::JobRunner>(
      jobs::JobEnv{*app->db_, *app->cache_, *app->stats_, *app->clock_, app->config_});

  AddMetricsSources(*app->metrics_, *app->cache_, *app->db_, *app->clock_);
  app->signals_ = std::make_unique<ops::SignalStore>(*app->db_);
  app->sampler_ = std::make_unique<ops::SignalSampler>(
      ops::SamplerDeps{*app->db_, *app->cache_, *app->stats_, *app->metrics_, *app->clock_},
      SamplerOptionsOf(config));

  app->incidents_ = std::make_unique<ops::IncidentService>(*app->db_, *app->clock_);
  api::Services services{*app->users_, *app->tasks_, *app->stats_,   *app->metrics_,
                         *app->jobs_,  *app->clock_, *app->signals_, *app->incidents_};
  app->api_ = std::make_unique<api::Api>(
      services, api::ApiOptions{config.rate_limit, config.server.metrics_require_admin});
  return app;
}

Result<std::unique_ptr<http::Server>> App::StartServer() {
  http::ServerOptions options;
  options.host = config_.server.host;
  options.port = config_.server.port;
  options.workers = config_.server.workers;
  options.io_threads = config_.server.io_threads;
  options.limits.max_body_bytes = config_.limits.max_body_bytes;
  options.limits.max_header_bytes = config_.limits.max_header_bytes;
  options.limits.idle_timeout = config_.limits.idle_timeout;
  options.limits.request_timeout = config_.limits.request_timeout;
  options.limits.max_connections = static_cast<std::size_t>(config_.server.max_connections);
  options.limits.max_queued_requests = static_cast<std::size_t>(config_.server.max_queued_requests);
  // Only an authenticated tasks:batch may send more than max_body_bytes.
  options.body_limit = api_->MakeBodyLimit(config_.limits);
  api::Api* api = api_.get();
  auto server = std::make_unique<http::Server>(
      options, [api](http::Request& r) { return api->Handle(r); },
      [api](const http::Request& r, const http::Response& resp, std::size_t bytes,
            std::chrono::nanoseconds latency) { api->Complete(r, resp, bytes, latency); },
      [api](http::Request& r, http::FastAnswer answer) {
        return api->TryFast(r, std::move(answer));
      });
  auto started = server->Start();
  if (!started.ok()) return started.error();
  return server;
}

namespace {
sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}
}  // namespace

void App::BlockTerminationSignals() {
  sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

Result<void> App::StartAlerting() {
  if (alert_engine_) return Ok();
  auto rules = ops::LoadAlertRules(config_.alerts.rules_file);
  if (!rules.ok()) return rules.error();
  notifier_ = std::make_unique<ops::Notifier>(config_.alerts.targets);
  alert_engine_ = std::make_unique<ops::AlertEngine>(
      *db_, std::move(*rules), *notifier_,
      3 * std::chrono::seconds(config_.alerts.sample_interval_s));
  const auto window = std::chrono::duration_cast<std::chrono::microseconds>(
      2 * std::chrono::seconds(config_.alerts.sample_interval_s));
  // Every instance judges the same numbers: the store's latest samples of
  // all instances, combined per signal kind (SignalRepository::Latest), over
  // this process's own where the store has them. With the database down the
  // read fails and the process's own values (db_up 0 among them) decide.
  sampler_->AddListener([this, window](Time now, const ops::SignalValues& own) {
    ops::SignalValues values = own;
    auto latest = signals_->Latest(now - window);
    if (latest.ok()) {
      for (const auto& [name, point] : *latest) values[name] = point.value;
    }
    auto evaluated = alert_engine_->Evaluate(now, values);
    const bool ok = evaluated.ok();
    if (ok != alerts_evaluated_) {
      if (ok) {
        logging::Info("alerts_evaluation_recovered", {});
      } else {
        logging::Warn("alerts_evaluation_failed", {{"error", evaluated.error().message}});
      }
      alerts_evaluated_ = ok;
    }
  });
  return Ok();
}

Result<void> App::ServeUntilSignal(const std::function<void(int port)>& on_started) {
  // Blocked before any server thread exists, so that only this thread
  // receives them (via sigwait) and the others never do.
  BlockTerminationSignals();
  sigset_t signals = TerminationSignals();
  auto alerting = StartAlerting();
  if (!alerting.ok()) return alerting.error();
  auto server = StartServer();
  if (!server.ok()) return server.error();
  std::unique_ptr<jobs::Scheduler> scheduler;
  if (config_.jobs.scheduler_enabled) {
    scheduler = std::make_unique<jobs::Scheduler>(*jobs_);
    scheduler->Start();
  }
  stats::InvalidationReplayer replayer(*stats_);
  replayer.Start();
  sampler_->Start();
  logging::Info("server_started", {{"host", config_.server.host},
                                   {"port", std::int64_t{(*server)->port()}},
                                   {"workers", std::int64_t{config_.server.workers}},
                                   {"database", db_->description()},
                                   {"cache", std::string(cache_->name())}});
  if (on_started) on_started((*server)->port());
  int received = 0;
  sigwait(&signals, &received);
  logging::Info("server_stopping", {{"signal", std::int64_t{received}}});
  if (scheduler) scheduler->Stop();
  replayer.Stop();
  sampler_->Stop();
  (*server)->Stop();
  logging::Info("server_stopped");
  return Ok();
}

}  // namespace analytics::app

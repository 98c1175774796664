// The composition root: builds every object from Config and wires them
// together. No logic of its own beyond start-up and shutdown order.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/api.h"
#include "base/clock.h"
#include "base/result.h"
#include "cache/cache.h"
#include "config/config.h"
#include "http/server.h"
#include "jobs/runner.h"
#include "metrics/metrics.h"
#include "ops/alert_engine.h"
#include "ops/incident_service.h"
#include "ops/notifier.h"
#include "ops/signal_sampler.h"
#include "ops/signal_store.h"
#include "stats/stats_service.h"
#include "storage/database.h"
#include "tasks/task_service.h"
#include "users/user_service.h"

namespace analytics::app {

// Owns everything. Not copyable; thread-safe once built.
class App {
 public:
  // Opens the database (applying migrations) and the cache, builds services.
  // `clock` may be null (the system clock); tests pass a FakeClock that must
  // outlive the App. Errors: kInvalidArgument (config), kUnavailable.
  static Result<std::unique_ptr<App>> Build(const config::Config& config,
                                            const Clock* clock = nullptr);
  ~App();

  // Starts an HTTP server on config.server (port 0 picks a free one).
  Result<std::unique_ptr<http::Server>> StartServer();
  // Serves (and, with jobs.scheduler_enabled, runs the job scheduler) until
  // SIGINT or SIGTERM, then stops cleanly. `on_started` gets the bound port
  // once the server accepts connections.
  Result<void> ServeUntilSignal(const std::function<void(int port)>& on_started = {});
  // Blocks SIGINT and SIGTERM in the calling thread, and so in every thread
  // it starts later: call it first thing in main's thread, before any thread
  // (logging's flusher included) exists, so only sigwait ever takes them.
  static void BlockTerminationSignals();
  // Loads alerts.rules_file (or the built-in rules) and has the signal
  // sampler evaluate them after each sample. ServeUntilSignal calls it first;
  // a second call does nothing. Errors: kInvalidArgument naming the rules
  // file's line and rule.
  Result<void> StartAlerting();

  const config::Config& config() const { return config_; }
  storage::Database& db() { return *db_; }
  cache::Cache& cache() { return *cache_; }
  metrics::Metrics& metrics() { return *metrics_; }
  users::UserService& users() { return *users_; }
  tasks::TaskService& tasks() { return *tasks_; }
  stats::StatsService& stats() { return *stats_; }
  jobs::JobRunner& jobs() { return *jobs_; }
  api::Api& api() { return *api_; }
  ops::IncidentService& incidents() { return *incidents_; }
  const Clock& clock() const { return *clock_; }
  // Samples the signals every alerts.sample_interval_s while ServeUntilSignal
  // serves; listeners (alerts) attach before that.
  ops::SignalSampler& signal_sampler() { return *sampler_; }
  ops::SignalStore& signals() { return *signals_; }

 private:
  explicit App(config::Config config);

  config::Config config_;
  SystemClock system_clock_;
  const Clock* clock_ = &system_clock_;
  std::unique_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<users::UserService> users_;
  std::unique_ptr<tasks::TaskService> tasks_;
  std::unique_ptr<stats::StatsService> stats_;
  std::unique_ptr<jobs::JobRunner> jobs_;
  std::unique_ptr<ops::SignalStore> signals_;
  std::unique_ptr<ops::SignalSampler> sampler_;
  // Built by ServeUntilSignal (a bad rules file stops `serve`, not every
  // command); evaluated after each sample.
  std::unique_ptr<ops::Notifier> notifier_;
  std::unique_ptr<ops::AlertEngine> alert_engine_;
  bool alerts_evaluated_ = true;  // the last evaluation's outcome, logged on change
  std::unique_ptr<ops::IncidentService> incidents_;
  std::unique_ptr<api::Api> api_;
};

}  // namespace analytics::app

// The HTTP API of SPEC §4: the request pipeline (access log and metrics, rate
// limit, authentication, router) over the route table of routes.cc.
#pragma once

#include <memory>

#include "base/clock.h"
#include "cache/cache.h"
#include "config/config.h"
#include "http/server.h"
#include "jobs/runner.h"
#include "metrics/metrics.h"
#include "stats/stats_service.h"
#include "storage/database.h"
#include "tasks/task_service.h"
#include "users/user_service.h"

namespace analytics::api {

// What the handlers use; all owned by app/, which outlives the Api.
struct Services {
  users::UserService& users;
  tasks::TaskService& tasks;
  stats::StatsService& stats;
  storage::Database& db;
  cache::Cache& cache;
  metrics::Metrics& metrics;
  jobs::JobRunner& jobs;
  const Clock& clock;
};

struct ApiOptions {
  config::RateLimitOptions rate_limit;
  bool metrics_require_admin = false;
};

// Thread-safe.
class Api {
 public:
  Api(Services services, ApiOptions options);
  ~Api();

  // The handler the server calls for every request.
  http::Response Handle(http::Request& request);
  // The server's fast path (http::FastPath): a cached overview or stat read
  // whose token is known in memory is answered straight from the cache,
  // without a worker; everything else (and a miss) goes on to Handle.
  bool TryFast(http::Request& request, http::FastAnswer answer);
  // Writes the access-log line and the request metrics of one exchange.
  void Complete(const http::Request& request, const http::Response& response,
                std::size_t body_bytes, std::chrono::nanoseconds latency);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace analytics::api

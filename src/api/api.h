// The HTTP API of SPEC §4: the request pipeline (router, authentication, rate
// limit, access check, handler; then the access log and metrics) over the
// route table of routes.cc.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "config/config.h"
#include "http/server.h"
#include "jobs/runner.h"
#include "metrics/metrics.h"
#include "ops/incident_service.h"
#include "ops/signal_store.h"
#include "stats/stats_service.h"
#include "tasks/task_service.h"
#include "users/user_service.h"

namespace analytics::api {

// What the handlers use: services only, never the database or the cache
// themselves. All owned by app/, which outlives the Api.
struct Services {
  users::UserService& users;
  tasks::TaskService& tasks;
  stats::StatsService& stats;
  metrics::Metrics& metrics;
  jobs::JobRunner& jobs;
  const Clock& clock;
  ops::SignalStore& signals;
  ops::IncidentService& incidents;
};

struct ApiOptions {
  config::RateLimitOptions rate_limit;
  bool metrics_require_admin = false;
};

class Router;
class RateLimiter;

// The one route whose body may exceed limits.max_body_bytes (BodyLimit).
inline constexpr std::string_view kTasksBatchRoute = "/api/v1/users/{uid}/tasks:batch";

// The API's http::BodyLimit (body_limit.cc). A body larger than
// limits.max_body_bytes is allowed, up to limits.max_batch_body_bytes, only on
// the exact route POST /api/v1/users/{uid}/tasks:batch and only with a bearer
// token that may write to {uid} (its owner's, or the admin's); any other
// request gets max_body_bytes, so the server answers 413 without reading the
// body. Blocks: authenticating reads the database on a token-cache miss, so
// the server calls it on a worker; a token not known in memory is looked up
// only while the client address's failed_auth bucket has room, as in the
// pipeline (AuthenticateGated). Made by Api::MakeBodyLimit. Thread-safe;
// `users` and `failed_auth` must outlive it.
class BodyLimit {
 public:
  BodyLimit(users::UserService& users, RateLimiter& failed_auth,
            const config::LimitOptions& limits);

  std::size_t operator()(const http::Request& head) const;

 private:
  users::UserService& users_;
  RateLimiter& failed_auth_;
  std::size_t max_body_bytes_;
  std::size_t max_batch_body_bytes_;
  std::shared_ptr<const Router> batch_route_;  // a router of that one route
};

// Thread-safe.
class Api {
 public:
  Api(Services services, ApiOptions options);
  ~Api();

  // The handler the server calls for every request.
  http::Response Handle(http::Request& request);
  // The server's body-limit callback, drawing on this Api's failed_auth
  // buckets. Valid while this Api lives (the server is stopped first).
  BodyLimit MakeBodyLimit(const config::LimitOptions& limits);
  // The server's fast path (http::FastPath): a cached overview or stat read
  // whose token is known in memory is answered straight from the cache,
  // without a worker; everything else (and a miss) goes on to Handle.
  bool TryFast(http::Request& request, http::FastAnswer answer);
  // The route pattern of the table that `method` `path` (a target as the
  // access log holds it; a query is ignored) matches, as /metrics labels it:
  // "unmatched" when none does (reports, ops/reports.h).
  std::string RouteOf(std::string_view method, std::string_view path) const;
  // Writes the access-log line and the request metrics of one exchange.
  void Complete(const http::Request& request, const http::Response& response,
                std::size_t body_bytes, std::chrono::nanoseconds latency);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace analytics::api

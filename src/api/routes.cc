// The whole API in one table (SPEC §4), and the pipeline every request takes:
// request id and limits (http::Server) → fast path (TryFast) or a worker →
// router (404/405) → authenticate → rate limit → access check → handler; then
// the access log and metrics (Complete), once per exchange.
#include <memory>
#include <optional>

#include "api/access_log.h"
#include "api/admin_stats_handler.h"
#include "api/api.h"
#include "api/exchange.h"
#include "api/handlers.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "logging/log.h"

namespace analytics::api {
namespace {

using http::Method;

std::vector<Route> BuildRoutes(UsersHandler& users, TasksHandler& tasks, StatsHandler& stats,
                               ExportHandler& exports, JobsHandler& jobs, OpsHandler& ops,
                               AlertsHandler& alerts, AdminStatsHandler& admin_stats) {
  auto bind = [](auto& handler, auto method) {
    return [&handler, method](http::Request& r, const model::Caller& c) {
      return (handler.*method)(r, c);
    };
  };
  const std::string u = "/api/v1/users/{uid}";
  // First match wins: the fixed analytics paths stand before {metric}.
  return {
      {Method::kGet, "/health", Access::kAnyone, bind(ops, &OpsHandler::Health)},
      {Method::kGet, "/metrics", Access::kAnyone, bind(ops, &OpsHandler::Metrics)},
      {Method::kPost, "/api/v1/users", Access::kAdmin, bind(users, &UsersHandler::Create)},
      {Method::kGet, "/api/v1/users", Access::kAdmin, bind(users, &UsersHandler::List)},
      {Method::kGet, u, Access::kOwner, bind(users, &UsersHandler::Get)},
      {Method::kPost, u + "/tokens", Access::kOwner, bind(users, &UsersHandler::RotateToken)},
      {Method::kPost, u + "/tasks", Access::kOwner, bind(tasks, &TasksHandler::Create)},
      {Method::kGet, u + "/tasks", Access::kOwner, bind(tasks, &TasksHandler::List)},
      {Method::kPost, std::string(kTasksBatchRoute), Access::kOwner,
       bind(tasks, &TasksHandler::CreateBatch)},
      {Method::kGet, u + "/tasks/{id}", Access::kOwner, bind(tasks, &TasksHandler::Get)},
      {Method::kPatch, u + "/tasks/{id}", Access::kOwner, bind(tasks, &TasksHandler::Update)},
      {Method::kDelete, u + "/tasks/{id}", Access::kOwner, bind(tasks, &TasksHandler::Delete)},
      {Method::kPost, u + "/tasks/{id}/restore", Access::kOwner,
       bind(tasks, &TasksHandler::Restore)},
      {Method::kGet, u + "/analytics/overview", Access::kOwner,
       bind(stats, &StatsHandler::Overview), /*fast=*/true},
      {Method::kGet, u + "/analytics/trends", Access::kOwner, bind(stats, &StatsHandler::Trends)},
      {Method::kGet, u + "/analytics/daily", Access::kOwner, bind(stats, &StatsHandler::Daily)},
      {Method::kGet, u + "/analytics/{metric}", Access::kOwner, bind(stats, &StatsHandler::Stat),
       /*fast=*/true},
      {Method::kGet, u + "/export", Access::kOwner, bind(exports, &ExportHandler::Export),
       /*fast=*/false, /*cost=*/10},
      {Method::kPost, "/api/v1/admin/users/{uid}/undelete", Access::kAdmin,
       bind(tasks, &TasksHandler::Undelete)},
      {Method::kPost, "/api/v1/admin/cache/invalidate", Access::kAdmin,
       bind(ops, &OpsHandler::InvalidateCache)},
      {Method::kGet, "/api/v1/admin/jobs", Access::kAdmin, bind(jobs, &JobsHandler::Status)},
      {Method::kPost, "/api/v1/admin/jobs/{name}/run", Access::kAdmin,
       bind(jobs, &JobsHandler::Run)},
      {Method::kGet, "/api/v1/admin/alerts", Access::kAdmin, bind(alerts, &AlertsHandler::List)},
      {Method::kGet, "/api/v1/admin/stats", Access::kAdmin,
       bind(admin_stats, &AdminStatsHandler::Stats)},
      {Method::kGet, "/api/v1/admin/incidents", Access::kAdmin,
       bind(ops, &OpsHandler::ListIncidents)},
      {Method::kPost, "/api/v1/admin/incidents", Access::kAdmin,
       bind(ops, &OpsHandler::CreateIncident)},
      {Method::kPost, "/api/v1/admin/incidents/{id}/resolve", Access::kAdmin,
       bind(ops, &OpsHandler::ResolveIncident)},
  };
}

// Paths that load balancers and scrapers poll: never rate limited.
bool IsExempt(const std::string& path) { return path == "/health" || path == "/metrics"; }

}  // namespace

struct Api::State {
  State(Services s, ApiOptions o)
      : services(s),
        options(std::move(o)),
        users(services, options.rate_limit),
        tasks(services),
        stats(services),
        exports(services),
        jobs(services),
        ops(services),
        alerts(services),
        admin_stats(services),
        limiter(options.rate_limit),
        failed_auth(options.rate_limit.enabled, options.rate_limit.failed_auth_per_second,
                    options.rate_limit.failed_auth_burst),
        router(BuildRoutes(users, tasks, stats, exports, jobs, ops, alerts, admin_stats)) {}

  Services services;
  ApiOptions options;
  UsersHandler users;
  TasksHandler tasks;
  StatsHandler stats;
  ExportHandler exports;
  JobsHandler jobs;
  OpsHandler ops;
  AlertsHandler alerts;
  AdminStatsHandler admin_stats;
  RateLimiter limiter;      // requests, per principal or client address
  RateLimiter failed_auth;  // bearer tokens that matched nobody, per client address
  Router router;

  // A 429 when `key`'s bucket holds fewer than `cost` tokens; draws them otherwise.
  std::optional<http::Response> OverLimit(std::string_view key, double cost = 1) {
    return TooMany(limiter.Take(key, std::chrono::steady_clock::now(), cost));
  }

  static std::optional<http::Response> TooMany(const RateDecision& decision) {
    if (decision.allowed) return std::nullopt;
    http::Response response = http::ProblemResponse(
        http::status::kTooManyRequests, "rate limit exceeded; retry after the Retry-After delay");
    response.SetHeader("Retry-After", std::to_string(decision.retry_after.count()));
    response.log_note = "RateLimitExceeded";
    return response;
  }
};

namespace {

// Who pays for a request: the principal, never the token (a token in a map
// key is a token in memory for as long as the bucket lives, and each new
// token would be a fresh bucket). Anonymous and unauthenticated requests pay
// by client address.
std::string PrincipalKey(const model::Caller& caller) {
  return caller.is_admin ? std::string("admin") : "u:" + caller.user_id;
}
// A request's cost: its route's, plus one token per 64 KiB of body, so a
// 10,000-task batch (about 1.7 MB) costs what some 28 small requests do.
constexpr double kBodyBytesPerToken = 64 * 1024;
double CostOf(const Route& route, const http::Request& request) {
  return route.cost + static_cast<double>(request.body.size()) / kBodyBytesPerToken;
}

}  // namespace

Api::Api(Services services, ApiOptions options)
    : state_(std::make_unique<State>(services, std::move(options))) {}

Api::~Api() = default;

BodyLimit Api::MakeBodyLimit(const config::LimitOptions& limits) {
  return BodyLimit(state_->services.users, state_->failed_auth, limits);
}

http::Response Api::Handle(http::Request& request) {
  State& s = *state_;
  Exchange& exchange = ExchangeOf(request);
  std::string_view token = BearerToken(request);
  // A request the fast path passed on has been charged already.
  bool limited = !IsExempt(request.path) && !exchange.rate_charged;
  auto over_limit = [&](const std::string& key, double cost) -> std::optional<http::Response> {
    if (!limited) return std::nullopt;
    return s.OverLimit(key, cost);
  };
  const std::string address = AddressKey(request.remote_address);

  Match match = s.router.Find(request);
  if (match.route == nullptr) {
    if (auto limit = over_limit(address, 1)) return *limit;
    http::Response response = match.status == http::status::kMethodNotAllowed
                                  ? http::ProblemResponse(match.status, "method not allowed")
                                  : http::ProblemResponse(match.status, "no such resource");
    if (!match.allow.empty()) response.SetHeader("Allow", match.allow);
    return response;
  }
  const Route& route = *match.route;
  exchange.route = route.pattern;

  model::Caller caller;
  bool needs_token = route.access != Access::kAnyone ||
                     (route.pattern == "/metrics" && s.options.metrics_require_admin);
  if (!needs_token) {
    if (auto limit = over_limit(address, CostOf(route, request))) return *limit;
    return route.handler(request, caller);
  }
  // A made-up token costs a lookup only while the address's failed_auth
  // bucket has room (AuthenticateGated).
  RateDecision refused;
  Result<model::Caller> authenticated =
      AuthenticateGated(s.services.users, s.failed_auth, limited, token, address, refused);
  if (auto limit = State::TooMany(refused)) return *limit;
  if (!authenticated.ok() && authenticated.error().code == ErrorCode::kUnauthenticated) {
    if (auto limit = over_limit(address, 1)) return *limit;
  }
  if (!authenticated.ok()) return http::ProblemResponse(authenticated.error());
  caller = *authenticated;
  if (auto limit = over_limit(PrincipalKey(caller), CostOf(route, request))) return *limit;
  exchange.user = caller.is_admin ? "admin" : caller.user_id;
  // kAnyone routes ask for a token only when they are admin-only by config.
  bool allowed =
      route.access == Access::kOwner ? caller.MayAccess(request.PathParam("uid")) : caller.is_admin;
  if (!allowed) {
    return http::ProblemResponse(Error{ErrorCode::kPermissionDenied,
                                       route.access == Access::kAdmin
                                           ? "this endpoint needs the admin token"
                                           : "this token may not access that user's data",
                                       {}});
  }
  return route.handler(request, caller);
}

bool Api::TryFast(http::Request& request, http::FastAnswer answer) {
  State& s = *state_;
  if (request.method != http::Method::kGet) return false;
  Match match = s.router.Find(request);
  if (match.route == nullptr || !match.route->fast) return false;
  std::string_view token = BearerToken(request);
  std::optional<model::Caller> caller = s.services.users.CachedCaller(token);
  if (!caller || !caller->MayAccess(request.PathParam("uid"))) return false;
  std::string metric(request.PathParam("metric"));  // empty for the overview
  if (!s.services.stats.IsCached(metric)) return false;

  Exchange& exchange = ExchangeOf(request);
  exchange.route = match.route->pattern;
  exchange.user = caller->is_admin ? "admin" : caller->user_id;
  if (s.options.rate_limit.enabled) {
    exchange.rate_charged = true;
    if (auto limit = s.OverLimit(PrincipalKey(*caller))) {
      answer(std::move(*limit));
      return true;
    }
  }
  // The lifetime rule of this seam: the callback may run on the cache's
  // thread after the server and this Api are gone (the cache answers the
  // reads still queued when it is destroyed, and App destroys the cache
  // after the Api). So it holds only `answer` (harmless once the server is
  // gone: http's FastAnswers), and the Metrics and the Clock, which App
  // builds before the cache and so destroys after it; never `s`.
  s.services.stats.CachedAsync(std::string(request.PathParam("uid")), metric,
                               [&metrics = s.services.metrics, &clock = s.services.clock, metric,
                                answer = std::move(answer)](std::optional<stats::StatsBody> hit) {
                                 if (!hit) return answer(std::nullopt);
                                 answer(CachedStatsAnswer(std::move(*hit), metric, metrics, clock));
                               });
  return true;
}

std::string Api::RouteOf(std::string_view method, std::string_view path) const {
  http::Request request;
  request.method = http::Method::kOther;
  for (auto m : {http::Method::kGet, http::Method::kHead, http::Method::kPost, http::Method::kPut,
                 http::Method::kPatch, http::Method::kDelete, http::Method::kOptions}) {
    if (http::ToString(m) == method) request.method = m;
  }
  request.path = std::string(path.substr(0, path.find('?')));
  Match match = state_->router.Find(request);
  return match.route == nullptr ? "unmatched" : match.route->pattern;
}

void Api::Complete(const http::Request& request, const http::Response& response,
                   std::size_t body_bytes, std::chrono::nanoseconds latency) {
  State& s = *state_;
  logging::Access(FormatAccessLine(request, ExchangeOf(request).user, response, body_bytes, latency,
                                   s.services.clock.Now()));
  // Labels come from fixed sets only: a raw method or path would let anyone
  // add series, and memory, without limit (issue 11). Methods we do not know
  // are OTHER; paths are route patterns, or "unmatched".
  const std::string_view method =
      request.method == http::Method::kOther ? "OTHER" : http::ToString(request.method);
  const Exchange& exchange = ExchangeOf(request);
  s.services.metrics.ObserveRequest(exchange.route.empty() ? "unmatched" : exchange.route, method,
                                    response.status, latency);
  if (response.status == http::status::kTooManyRequests) s.services.metrics.CountRateLimited();
  // The server's own 503s for load it shed (no route was matched) are in the
  // access log with their reason; an error.log line each would let a flood
  // of refused connections flood that log too.
  const bool shed = response.status == http::status::kUnavailable && exchange.route.empty();
  if (response.status >= 500) {
    s.services.metrics.CountError("http_" + std::to_string(response.status));
  }
  // Something the server recovered from (the fast path or the body limit
  // threw, a stream failed after its head): the request was answered, or
  // cut short, anyway, but the cause is an error to see.
  if (!request.server_note.empty()) {
    logging::Error("request_recovered",
                   {{"request_id", request.request_id}, {"detail", request.server_note}});
  }
  if (response.status >= 500 && !shed) {
    logging::Error("request_failed", {{"request_id", request.request_id},
                                      {"route", exchange.route},
                                      {"status", std::int64_t{response.status}},
                                      {"detail", response.log_note}});
  }
}

}  // namespace analytics::api

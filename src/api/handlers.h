// The handlers of the route table (routes.cc), one class per resource. Each
// method parses and validates into typed input, calls a service and renders
// JSON; none holds SQL or cache keys.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/api.h"
#include "api/rate_limiter.h"
#include "base/refreshed.h"
#include "http/request.h"
#include "http/response.h"
#include "model/caller.h"

namespace analytics::api {

using http::Request;
using http::Response;
using model::Caller;

class UsersHandler {
 public:
  UsersHandler(Services& s, const config::RateLimitOptions& limits);
  Response Create(Request& request, const Caller& caller);
  Response Get(Request& request, const Caller& caller);
  Response List(Request& request, const Caller& caller);
  // Rotations have a bucket of their own per user (rate_limit.rotations_*):
  // each one drops cached tokens on every instance.
  Response RotateToken(Request& request, const Caller& caller);

 private:
  Services& s_;
  RateLimiter rotations_;
};

class TasksHandler {
 public:
  explicit TasksHandler(Services& s) : s_(s) {}
  Response Create(Request& request, const Caller& caller);
  Response CreateBatch(Request& request, const Caller& caller);
  Response List(Request& request, const Caller& caller);
  Response Get(Request& request, const Caller& caller);
  Response Update(Request& request, const Caller& caller);
  Response Delete(Request& request, const Caller& caller);
  Response Restore(Request& request, const Caller& caller);
  // POST /api/v1/admin/users/{uid}/undelete?since=&until=&dry_run= (TaskService::Undelete).
  Response Undelete(Request& request, const Caller& caller);

 private:
  Services& s_;
};

class StatsHandler {
 public:
  explicit StatsHandler(Services& s) : s_(s) {}
  Response Overview(Request& request, const Caller& caller);
  Response Stat(Request& request, const Caller& caller);
  Response Trends(Request& request, const Caller& caller);
  Response Daily(Request& request, const Caller& caller);

 private:
  Services& s_;
};

// The answer for a cached answer of `stat` ("" for the overview), exactly as
// StatsHandler::Overview and Stat give a hit. A free function that uses only
// `metrics` and `clock`: the fast path calls it on the cache's thread
// (Api::TryFast states why that matters).
Response CachedStatsAnswer(stats::StatsBody hit, std::string_view stat, metrics::Metrics& metrics,
                           const Clock& clock);

class ExportHandler {
 public:
  explicit ExportHandler(Services& s) : s_(s) {}
  Response Export(Request& request, const Caller& caller);

 private:
  Services& s_;
};

class JobsHandler {
 public:
  explicit JobsHandler(Services& s) : s_(s) {}
  Response Status(Request& request, const Caller& caller);
  Response Run(Request& request, const Caller& caller);

 private:
  Services& s_;
};

// GET /api/v1/admin/alerts: alert states, silences and history (?since=).
class AlertsHandler {
 public:
  explicit AlertsHandler(Services& s) : s_(s) {}
  Response List(Request& request, const Caller& caller);

 private:
  Services& s_;
};

class OpsHandler {
 public:
  explicit OpsHandler(Services& s);
  // GET /health, from checks at most a second old: anyone may call it as often
  // as they like, and a flood of calls costs one database ping a second.
  Response Health(Request& request, const Caller& caller);
  Response Metrics(Request& request, const Caller& caller);
  Response InvalidateCache(Request& request, const Caller& caller);
  // /api/v1/admin/incidents (incidents_handler.cc).
  Response ListIncidents(Request& request, const Caller& caller);
  Response CreateIncident(Request& request, const Caller& caller);
  Response ResolveIncident(Request& request, const Caller& caller);

 private:
  struct HealthReport {
    std::string json;
    bool database_up = false;
  };
  HealthReport CheckHealth();

  Services& s_;
  Refreshed<HealthReport> health_;
  bool database_was_up_ = true;  // guarded by health_'s one computation at a time
};

// Shared by handlers (common.cc).
// The token of "Authorization: Bearer <token>" (scheme in any case), or "".
std::string_view BearerToken(const http::Request& request);
// The rate-limit key of a client address: "a:<address>".
std::string AddressKey(std::string_view address);
// The caller `token` names, as the pipeline and the body limit both ask it.
// A token known in memory costs no query. Any other is looked up, unless
// `gated` and `address_key`'s failed_auth bucket is empty: then `refused`
// says until when, and kRateLimited comes back without a query. A non-empty
// token that matched nobody draws on that bucket (when `gated`). So a flood
// of made-up tokens costs the database at most failed_auth_per_second
// lookups a second (and repeats of one bad token none: UserService
// remembers it).
Result<model::Caller> AuthenticateGated(users::UserService& users, RateLimiter& failed_auth,
                                        bool gated, std::string_view token,
                                        const std::string& address_key, RateDecision& refused);
Response Problem(const Error& error);
// 415 problem+json for a body that is not declared application/json.
Response UnsupportedMediaType();
// A positive 64-bit task id from the {id} path parameter. Errors name "id".
Result<std::int64_t> ParseTaskId(std::string_view text);
// The `limit` query parameter: an integer from 1 to tasks::kMaxPageSize
// (1000), or `fallback` when absent. Errors name "limit".
Result<int> LimitParam(const Request& request, int fallback);
// A day query parameter ("from", "to") as YYYY-MM-DD (or a full ISO time), or
// `fallback` when absent. Errors name the parameter.
Result<Day> DayParam(const Request& request, const char* name, Day fallback);
// An optional bool query parameter ("true"/"false"/"1"/"0"). Errors name it.
Result<bool> BoolParam(const Request& request, const char* name, bool fallback);

}  // namespace analytics::api

// Per-user stats (SPEC §3), read through the cache and computed from storage
// on a miss. Cached values are the exact JSON bodies the API sends, so a hit
// costs one cache lookup and no re-encoding.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cache/cache.h"
#include "config/config.h"
#include "model/stats.h"
#include "storage/database.h"
#include "storage/task_repository.h"

namespace analytics::stats {

struct StatsBody {
  std::string json;
  bool cache_hit = false;
  Time as_of;  // when the numbers were computed
};

// What GET /health reports of the two stores stats read.
struct StoresHealth {
  Result<void> database;                                          // Ping's answer
  std::chrono::duration<double, std::milli> database_latency{0};  // of the ping
  std::string_view database_backend;                              // "sqlite" or "postgresql"
  bool cache_up = false;
  std::string_view cache_backend;  // "memory" or "redis"
};

inline constexpr int kMaxRangeDays = 3653;  // SPEC §4: ranges capped at 10 years

// Thread-safe.
class StatsService {
 public:
  StatsService(storage::Database& db, cache::Cache& cache, const Clock& clock,
               const config::CacheOptions& options);
  ~StatsService();

  // {user_id, as_of, task_totals, completion_rate, priority_distribution,
  //  status_distribution, productivity_score}. Errors: kNotFound, kUnavailable.
  Result<StatsBody> Overview(const std::string& user_id);
  // {user_id, as_of, <stat>: value}. REQUIRES: cache::IsStatName(stat).
  Result<StatsBody> Stat(const std::string& user_id, std::string_view stat);
  // Whether the answers of Overview ("" for `stat`) or Stat(stat) are cached
  // at all: false for a TTL of 0 or a `stat` that names no stat.
  bool IsCached(std::string_view stat) const;
  // The fast path's read (api's Api::TryFast): the cached answer of Overview
  // ("" for `stat`) or Stat, looked up without blocking. Calls `done` once,
  // on any thread (Redis: its GET batcher's), with the hit as data
  // (cache_hit, and as_of read from the body) or nullopt on a miss or a
  // cache failure; it never reads the database. REQUIRES: IsCached(stat).
  // Lifetime: `done` may run while the App is being torn down (a cache
  // answers the reads still queued when it is destroyed), so the lookup
  // holds nothing of this service, only the Clock, which is built before
  // the cache and so outlives it; `done` must hold only what outlives the
  // cache too.
  void CachedAsync(const std::string& user_id, std::string_view stat,
                   std::function<void(std::optional<StatsBody>)> done) const;
  // Computed from storage, bypassing the cache.
  Result<model::Overview> ComputeOverview(const std::string& user_id);
  // Periods covering [from, to] (whole days, weeks from Monday, or months).
  // Errors: kInvalidArgument (from > to, range over 10 years), kNotFound.
  Result<std::vector<model::TrendPoint>> Trends(const std::string& user_id,
                                                model::Granularity granularity, Day from, Day to);
  // daily_analytics rows (archive included) for days in [from, to].
  Result<std::vector<model::DailyStats>> Daily(const std::string& user_id, Day from, Day to);
  // Computes and caches the given stats (and the overview) for one user;
  // returns how many keys were written.
  Result<int> Warm(const std::string& user_id, const std::vector<std::string>& stats);

  // The write-through of task writes (tasks::TaskService), so that the next
  // read of the user's overview, the writer's or anyone's, is a hit.
  // Before a write that can tell the user's state after it: a ticket, or
  // nullopt when the overview is not cached.
  std::optional<cache::Ticket> BeforeWrite(const std::string& user_id);
  // After a write committed: with `ticket` and the state the write left
  // (`after`), invalidates and caches the overview from it in one cache call;
  // otherwise invalidates, then computes and caches the overview (Warm).
  // When the shared cache could not be reached for the invalidation, the
  // user is recorded in the database (pending_invalidations), so that the
  // invalidation outlives this process; ReplayQueuedInvalidations applies it.
  void AfterWrite(const std::string& user_id, const std::optional<cache::Ticket>& ticket,
                  const std::optional<storage::UserState>& after);
  // Pings the database and asks the cache whether it answers. Blocks for the
  // ping (bounded by the database's connect timeout).
  StoresHealth CheckStores();
  // Drops every cached value of `user_id` (the admin's cache invalidation).
  void InvalidateCached(const std::string& user_id);
  // Drops every cached value of every user.
  void InvalidateAllCached();

  // Invalidates the users recorded in pending_invalidations (by any
  // instance) while the cache is reachable, and forgets each one done.
  // Returns how many were done. Errors: kUnavailable (database).
  Result<int> ReplayQueuedInvalidations();

 private:
  class Flights;
  std::optional<std::string> CacheKey(const std::string& user_id, std::string_view stat) const;
  void QueueIfUnreachable(const std::string& user_id);
  void ReportWarm(const std::string& user_id, const Result<int>& warmed);
  Result<StatsBody> Cached(const std::string& user_id, const std::string& key,
                           std::chrono::seconds ttl, std::string_view stat);

  storage::Database& db_;
  cache::Cache& cache_;
  const Clock& clock_;
  config::CacheOptions options_;
  std::unique_ptr<Flights> flights_;
  std::atomic<bool> warm_failing_{false};  // the last AfterWrite's Warm failed
};

// The overview of a user in `state`.
model::Overview OverviewOf(const std::string& user_id, const storage::UserState& state);

// JSON bodies (stats_json.cc).
std::string OverviewJson(const model::Overview& overview);
// {user_id, as_of, <stat>: …} from a computed overview.
std::string StatJson(const model::Overview& overview, std::string_view stat);
// The as_of of a body OverviewJson or StatJson wrote, read from the head
// both write ({"user_id":…,"as_of":"…"); nullopt for any other text.
std::optional<Time> AsOfOfBody(std::string_view json);

}  // namespace analytics::stats

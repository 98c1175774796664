#include "stats/stats_service.h"

#include "cache/keys.h"
#include "cache/single_flight.h"
#include "logging/log.h"
#include "storage/invalidation_repository.h"
#include "storage/stats_repository.h"
#include "storage/task_repository.h"

namespace analytics::stats {

class StatsService::Flights {
 public:
  cache::SingleFlight<Result<StatsBody>> flights;
};

StatsService::StatsService(storage::Database& db, cache::Cache& cache, const Clock& clock,
                           const config::CacheOptions& options)
    : db_(db),
      cache_(cache),
      clock_(clock),
      options_(options),
      flights_(std::make_unique<Flights>()) {}

StatsService::~StatsService() = default;

namespace {

// A cached body as data. One without as_of (not one we wrote) counts as
// computed now, as it always has.
StatsBody HitOf(std::string json, const Clock& clock) {
  const std::optional<Time> as_of = AsOfOfBody(json);
  return StatsBody{std::move(json), true, as_of ? *as_of : clock.Now()};
}

}  // namespace

model::Overview OverviewOf(const std::string& user_id, const storage::UserState& state) {
  const model::UserAggregates& a = state.aggregates;
  model::Overview o;
  o.user_id = user_id;
  o.as_of = state.as_of;
  o.task_totals.overdue = state.overdue;
  o.task_totals.todo = o.status_distribution.todo = a.todo;
  o.task_totals.in_progress = o.status_distribution.in_progress = a.in_progress;
  o.task_totals.done = o.status_distribution.done = a.done;
  o.task_totals.cancelled = o.status_distribution.cancelled = a.cancelled;
  o.task_totals.total = a.todo + a.in_progress + a.done + a.cancelled;
  o.priority_distribution = {a.low, a.medium, a.high, a.urgent};
  o.completion_rate = model::Percent(a.done, o.task_totals.total - a.cancelled);
  // weight_done_x2 carries f(t) doubled (1 or 2) to stay an integer.
  o.productivity_score = model::Percent(a.weight_done_x2 / 2.0, a.weight_total);
  return o;
}

Result<model::Overview> StatsService::ComputeOverview(const std::string& user_id) {
  // One statement, so on PostgreSQL one round trip (no BEGIN/COMMIT).
  auto state = storage::ReadStatementValue(db_, [&](storage::Transaction& tx) {
    return storage::TaskRepository(tx).LoadAggregatesAndOverdue(user_id, clock_.Now());
  });
  if (!state.ok()) return state.error();
  return OverviewOf(user_id, *state);
}

Result<StatsBody> StatsService::Cached(const std::string& user_id, const std::string& key,
                                       std::chrono::seconds ttl, std::string_view stat) {
  auto compute = [&](const cache::Ticket* ticket) -> Result<StatsBody> {
    auto overview = ComputeOverview(user_id);
    if (!overview.ok()) return overview.error();
    StatsBody body{stat.empty() ? OverviewJson(*overview) : StatJson(*overview, stat), false,
                   overview->as_of};
    if (ticket != nullptr) cache_.Put(key, body.json, ttl, *ticket);
    return body;
  };
  if (ttl.count() <= 0) return compute(nullptr);

  if (auto hit = cache_.Get(key)) return HitOf(std::move(*hit), clock_);
  // The ticket is taken before the database read, and a flight is shared only
  // by callers holding the same generation: a reader that arrives after a
  // write's invalidation never joins a computation begun before that write.
  cache::Ticket ticket = cache_.BeginCompute(user_id);
  return flights_->flights.Do(key + "#" + ticket.generation,
                              [&]() -> Result<StatsBody> { return compute(&ticket); });
}

Result<StatsBody> StatsService::Overview(const std::string& user_id) {
  return Cached(user_id, cache::OverviewKey(user_id), options_.ttl_overview, "");
}

std::optional<std::string> StatsService::CacheKey(const std::string& user_id,
                                                  std::string_view stat) const {
  if (!IsCached(stat)) return std::nullopt;
  return stat.empty() ? cache::OverviewKey(user_id) : cache::StatKey(stat, user_id);
}

bool StatsService::IsCached(std::string_view stat) const {
  if (stat.empty()) return options_.ttl_overview.count() > 0;
  return cache::IsStatName(stat) && options_.ttl_metrics.count() > 0;
}

void StatsService::CachedAsync(const std::string& user_id, std::string_view stat,
                               std::function<void(std::optional<StatsBody>)> done) const {
  const std::optional<std::string> key = CacheKey(user_id, stat);
  ANALYTICS_CHECK(key.has_value()) << "CachedAsync of a stat that is not cached: " << stat;
  // Holds the Clock, never `this` (see the header).
  cache_.GetAsync(*key, [&clock = clock_, done = std::move(done)](std::optional<std::string> hit) {
    if (!hit) return done(std::nullopt);
    done(HitOf(std::move(*hit), clock));
  });
}

StoresHealth StatsService::CheckStores() {
  StoresHealth health;
  const auto started = std::chrono::steady_clock::now();
  health.database = db_.Ping();
  health.database_latency = std::chrono::steady_clock::now() - started;
  health.database_backend = db_.dialect().name();
  health.cache_up = cache_.healthy();
  health.cache_backend = cache_.name();
  return health;
}

void StatsService::InvalidateCached(const std::string& user_id) { cache_.InvalidateUser(user_id); }

void StatsService::InvalidateAllCached() { cache_.Flush(); }

Result<StatsBody> StatsService::Stat(const std::string& user_id, std::string_view stat) {
  ANALYTICS_CHECK(cache::IsStatName(stat)) << "unknown stat " << stat;
  return Cached(user_id, cache::StatKey(stat, user_id), options_.ttl_metrics, stat);
}

Result<int> StatsService::Warm(const std::string& user_id, const std::vector<std::string>& stats) {
  if (options_.ttl_overview.count() <= 0 && options_.ttl_metrics.count() <= 0) return 0;
  cache::Ticket ticket = cache_.BeginCompute(user_id);
  auto overview = ComputeOverview(user_id);
  if (!overview.ok()) return overview.error();
  int written = 0;
  if (options_.ttl_overview.count() > 0) {
    cache_.Put(cache::OverviewKey(user_id), OverviewJson(*overview), options_.ttl_overview, ticket);
    ++written;
  }
  if (options_.ttl_metrics.count() > 0) {
    for (const std::string& stat : stats) {
      if (!cache::IsStatName(stat)) continue;
      cache_.Put(cache::StatKey(stat, user_id), StatJson(*overview, stat), options_.ttl_metrics,
                 ticket);
      ++written;
    }
  }
  return written;
}

std::optional<cache::Ticket> StatsService::BeforeWrite(const std::string& user_id) {
  if (options_.ttl_overview.count() <= 0) return std::nullopt;
  return cache_.BeginCompute(user_id);
}

void StatsService::AfterWrite(const std::string& user_id,
                              const std::optional<cache::Ticket>& ticket,
                              const std::optional<storage::UserState>& after) {
  if (ticket && after) {
    cache_.InvalidateUserAndPut(user_id, *ticket, cache::OverviewKey(user_id),
                                OverviewJson(OverviewOf(user_id, *after)), options_.ttl_overview);
  } else {
    cache_.InvalidateUser(user_id);
    ReportWarm(user_id, Warm(user_id, {}));
  }
  QueueIfUnreachable(user_id);
}

// The write stands whatever Warm says: a failure (the database gone since
// the commit, the user deleted meanwhile) only leaves the next read to
// compute the overview. Logged when warming starts failing and when it works
// again, not at every write.
void StatsService::ReportWarm(const std::string& user_id, const Result<int>& warmed) {
  if (!warmed.ok()) {
    if (!warm_failing_.exchange(true)) {
      logging::Warn("overview_warm_failed",
                    {{"user_id", user_id}, {"error", warmed.error().message}});
    }
  } else if (warm_failing_.exchange(false)) {
    logging::Info("overview_warm_recovered", {{"user_id", user_id}});
  }
}

// Runs after every write's invalidation: a cache that is not healthy now
// may have dropped it (RedisCache then also remembers it in memory, which a
// crash would lose). A spurious record costs one more invalidation later.
void StatsService::QueueIfUnreachable(const std::string& user_id) {
  if (cache_.healthy()) return;
  auto queued = db_.WriteStatement([&](storage::Transaction& tx) -> Result<void> {
    return storage::InvalidationRepository(tx).Queue(user_id, clock_.Now());
  });
  if (!queued.ok()) {
    logging::Warn("invalidation_not_recorded",
                  {{"user_id", user_id}, {"error", queued.error().message}});
  }
}

Result<int> StatsService::ReplayQueuedInvalidations() {
  constexpr int kPerRound = 100;
  auto queued = storage::ReadStatementValue(db_, [&](storage::Transaction& tx) {
    return storage::InvalidationRepository(tx).Oldest(kPerRound);
  });
  if (!queued.ok()) return queued.error();
  int done = 0;
  for (const storage::QueuedInvalidation& q : *queued) {
    cache_.InvalidateUser(q.user_id);
    if (!cache_.healthy()) break;  // still unreachable: the row stays for the next round
    auto forgotten = db_.WriteStatement([&](storage::Transaction& tx) -> Result<void> {
      return storage::InvalidationRepository(tx).Forget(q);
    });
    if (!forgotten.ok()) return forgotten.error();
    ++done;
  }
  return done;
}

namespace {

using std::chrono::days;
using std::chrono::month;
using std::chrono::year_month_day;

Day PeriodStart(Day day, model::Granularity g) {
  switch (g) {
    case model::Granularity::kDay:
      return day;
    case model::Granularity::kWeek: {
      // ISO weeks start on Monday.
      std::chrono::weekday wd{day};
      return day - days{(wd.c_encoding() + 6) % 7};
    }
    case model::Granularity::kMonth: {
      year_month_day ymd{day};
      return Day{ymd.year() / ymd.month() / 1};
    }
  }
  return day;
}

Day NextPeriod(Day start, model::Granularity g) {
  switch (g) {
    case model::Granularity::kDay:
      return start + days{1};
    case model::Granularity::kWeek:
      return start + days{7};
    case model::Granularity::kMonth: {
      year_month_day ymd{start};
      return Day{(ymd.year() / ymd.month() / 1) + std::chrono::months{1}};
    }
  }
  return start + days{1};
}

Result<void> CheckRange(Day from, Day to) {
  if (from > to) return InvalidArgument("from", "from must not be after to");
  if ((to - from).count() > kMaxRangeDays) {
    return InvalidArgument("to", "the range from..to must not exceed 10 years");
  }
  return Ok();
}

}  // namespace

Result<std::vector<model::TrendPoint>> StatsService::Trends(const std::string& user_id,
                                                            model::Granularity granularity,
                                                            Day from, Day to) {
  ANALYTICS_RETURN_IF_ERROR(CheckRange(from, to));
  Day start = PeriodStart(from, granularity);
  Day end = NextPeriod(PeriodStart(to, granularity), granularity);
  auto read = storage::ReadValue(db_, [&](storage::Transaction& tx) -> Result<storage::DayCounts> {
    auto exists = storage::TaskRepository(tx).LoadAggregates(user_id);
    if (!exists.ok()) return exists.error();
    return storage::StatsRepository(tx, db_.dialect()).CountByDay(user_id, start, end);
  });
  if (!read.ok()) return read.error();
  const storage::DayCounts& counts = *read;

  std::vector<model::TrendPoint> points;
  std::int64_t total = counts.created_before, completed = counts.completed_before;
  auto created_it = counts.created.begin();
  auto completed_it = counts.completed.begin();
  for (Day p = start; p < end; p = NextPeriod(p, granularity)) {
    Day next = NextPeriod(p, granularity);
    model::TrendPoint point;
    point.period_start = p;
    for (; created_it != counts.created.end() && created_it->first < next; ++created_it) {
      point.tasks_created += created_it->second;
    }
    for (; completed_it != counts.completed.end() && completed_it->first < next; ++completed_it) {
      point.tasks_completed += completed_it->second;
    }
    total += point.tasks_created;
    completed += point.tasks_completed;
    point.completion_rate = model::Percent(completed, total);
    points.push_back(point);
  }
  return points;
}

Result<std::vector<model::DailyStats>> StatsService::Daily(const std::string& user_id, Day from,
                                                           Day to) {
  ANALYTICS_RETURN_IF_ERROR(CheckRange(from, to));
  return storage::ReadValue(
      db_, [&](storage::Transaction& tx) -> Result<std::vector<model::DailyStats>> {
        auto exists = storage::TaskRepository(tx).LoadAggregates(user_id);
        if (!exists.ok()) return exists.error();
        return storage::StatsRepository(tx, db_.dialect()).DailyRows(user_id, from, to + days{1});
      });
}

}  // namespace analytics::stats

#include "app/metrics_sources.h"

#include <memory>

#include "base/refreshed.h"
#include "jobs/job_metrics.h"

namespace analytics::app {
namespace {

using metrics::Sample;
constexpr auto kCounter = Sample::Type::kCounter;
constexpr auto kGauge = Sample::Type::kGauge;

std::vector<Sample> CacheSamples(const cache::CacheStats& c) {
  return {
      {"analytics_cache_hits_total",
       "Cache lookups that found a value.",
       kCounter,
       {},
       double(c.hits)},
      {"analytics_cache_misses_total",
       "Cache lookups that found nothing.",
       kCounter,
       {},
       double(c.misses)},
      {"analytics_cache_evictions_total",
       "Entries evicted to stay within bounds.",
       kCounter,
       {},
       double(c.evictions)},
      {"analytics_cache_entries", "Entries in the cache.", kGauge, {}, double(c.entries)},
      {"analytics_cache_up",
       "1 when the cache answers, 0 when degraded.",
       kGauge,
       {},
       c.healthy ? 1.0 : 0.0},
  };
}

std::vector<Sample> PoolSamples(const storage::PoolStats& p) {
  const char* connections = "Database connections by state.";
  return {
      {"analytics_db_pool_connections",
       connections,
       kGauge,
       {{"state", "in_use"}},
       double(p.in_use)},
      {"analytics_db_pool_connections", connections, kGauge, {{"state", "idle"}}, double(p.idle)},
      {"analytics_db_pool_waiting",
       "Callers waiting for a free database connection.",
       kGauge,
       {},
       double(p.waiting)},
      {"analytics_db_pool_max_connections",
       "Largest number of database connections.",
       kGauge,
       {},
       double(p.max)},
  };
}

}  // namespace

void AddMetricsSources(metrics::Metrics& metrics, cache::Cache& cache, storage::Database& db,
                       const Clock& clock) {
  metrics.AddSource([&cache, &db] {
    std::vector<Sample> samples = CacheSamples(cache.Stats());
    std::vector<Sample> pool = PoolSamples(db.pool_stats());
    samples.insert(samples.end(), pool.begin(), pool.end());
    return samples;
  });

  // Job runs, last successes and active users, read from the database at
  // most once a second however often /metrics is scraped (anyone may scrape
  // it): a few grouped queries a second at worst.
  auto database_samples =
      std::make_shared<Refreshed<std::vector<Sample>>>(std::chrono::seconds(1), [&db, &clock] {
        auto read = jobs::ReadDatabaseSamples(db, clock.Now());
        std::vector<Sample> samples = read.ok() ? std::move(*read) : std::vector<Sample>{};
        samples.push_back({"analytics_db_up",
                           "1 when the database answered this scrape.",
                           kGauge,
                           {},
                           read.ok() ? 1.0 : 0.0});
        return samples;
      });
  metrics.AddSource([database_samples] { return database_samples->Get(); });
}

}  // namespace analytics::app

// The sources /metrics reads at each scrape (SPEC §8), besides what the
// request path records: cache and pool figures, and what the database holds
// (job runs, active users). They only ask the objects that own the figures.
#pragma once

#include "base/clock.h"
#include "cache/cache.h"
#include "metrics/metrics.h"
#include "storage/database.h"

namespace analytics::app {

// Adds the sources to `metrics`. `cache`, `db` and `clock` must outlive it.
void AddMetricsSources(metrics::Metrics& metrics, cache::Cache& cache, storage::Database& db,
                       const Clock& clock);

}  // namespace analytics::app

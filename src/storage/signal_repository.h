// SQL for signal_samples (migration 8): the signal store that the sampler
// (ops/signal_sampler.h) writes every alerts.sample_interval_s and that
// alerts, reports and GET /api/v1/admin/stats read. Not thread-safe; lives
// inside one transaction. docs/signals.md describes the signals and units.
//
// Rows: (name, at, step_s, source, value). `source` names the server instance
// that sampled ("host:pid"); step_s is 0 for a raw sample and 300 for a
// 5-minute bucket that Downsample made from raw rows older than a day.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

// The signal names of issue 13, in the units they are stored in.
inline constexpr std::string_view kSignalHealth = "health";                // 1 up, 0 down
inline constexpr std::string_view kSignalDbUp = "db_up";                   // 1 up, 0 down
inline constexpr std::string_view kSignalRequestRate = "request_rate";     // requests/s
inline constexpr std::string_view kSignalErrorRate = "error_rate";         // % answered 5xx
inline constexpr std::string_view kSignalP50 = "p50_response_time";        // seconds
inline constexpr std::string_view kSignalP95 = "p95_response_time";        // seconds
inline constexpr std::string_view kSignalP99 = "p99_response_time";        // seconds
inline constexpr std::string_view kSignalCpu = "cpu_usage";                // % of machine CPUs
inline constexpr std::string_view kSignalMemoryRss = "memory_rss";         // bytes
inline constexpr std::string_view kSignalMemoryUsage = "memory_usage";     // % of machine memory
inline constexpr std::string_view kSignalCacheHitRate = "cache_hit_rate";  // %
inline constexpr std::string_view kSignalCacheEvicted = "cache_evicted_keys";  // per interval
inline constexpr std::string_view kSignalDbConnections = "db_connections";     // connections
inline constexpr std::string_view kSignalJobFailures = "job_failures";         // per interval
inline constexpr std::string_view kSignalDiskUsage = "disk_usage";             // % used, fullest

// Every signal above, in that order.
const std::vector<std::string>& SignalNames();
bool IsSignalName(std::string_view name);

// How samples of one signal combine into one point: first over time (the
// samples one source took within a bucket), then across sources (several
// server instances in the same bucket). docs/signals.md gives the reasons.
enum class SignalKind {
  kUp,     // health, db_up: min over time, min across sources (any down is down)
  kRate,   // request_rate: mean over time, summed across sources
  kCount,  // cache_evicted_keys, job_failures: summed over time, max across
           // sources (they count shared things: Redis, job_runs)
  kLevel,  // percentages, latencies, bytes, connections: mean over time, max
           // across sources (the worst instance)
  kScore,  // cache_hit_rate, where low is bad: mean over time, min across
           // sources (the worst instance)
};
// kLevel for a name that is not a known signal.
SignalKind KindOf(std::string_view name);

struct SignalPoint {
  Time at;  // the start of the point's bucket (Range) or the sample time (Latest)
  double value = 0;
};

// One signal's series; points in time order, buckets without samples omitted.
struct SignalSeries {
  std::string name;
  std::vector<SignalPoint> points;
};

// The raw-row resolution kept for a day, then 5-minute buckets.
inline constexpr std::chrono::seconds kDownsampleStep{300};
inline constexpr std::chrono::hours kRawKeptFor{24};

class SignalRepository {
 public:
  explicit SignalRepository(Transaction& tx) : tx_(tx) {}

  // Stores one raw sample per (name, value) at `at` from `source`. A second
  // Append with the same (name, at, source) replaces the value.
  Result<void> Append(Time at, const std::string& source,
                      const std::map<std::string, double>& values);

  // Each name's points in [from, to), in buckets of `step` aligned to `from`
  // (a point's `at` is its bucket's start), combined per KindOf. Reads raw
  // rows and 5-minute rows alike. Names without samples get an empty series.
  // REQUIRES: step > 0, from <= to.
  Result<std::vector<SignalSeries>> Range(const std::vector<std::string>& names, Time from, Time to,
                                          std::chrono::seconds step);

  // Each signal's latest value: per source its newest raw sample at or after
  // `not_before` (older sources are gone or stale), combined across sources
  // per KindOf; `at` is the newest of those samples. Signals with no such
  // sample are absent.
  Result<std::map<std::string, SignalPoint>> Latest(Time not_before);

  // Replaces raw rows older than `cutoff` (rounded down to a 5-minute
  // boundary, so only whole buckets are folded) with one step_s=300 row per
  // (name, source, bucket), combined over time per KindOf. Returns the number
  // of raw rows folded. Running it twice, or on two instances, is harmless.
  Result<std::int64_t> Downsample(Time cutoff);

  // Deletes every row (raw or downsampled) older than `cutoff`; returns how many.
  Result<std::int64_t> DeleteBefore(Time cutoff);

  // The sampler's reads of other tables, kept here with its SQL.
  // Failed job runs (job_runs) that finished in (from, to].
  Result<std::int64_t> CountFailedJobRuns(Time from, Time to);
  // PostgreSQL only: the connections to the current database, every client's
  // (pg_stat_activity).
  Result<std::int64_t> CountPostgresConnections();

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

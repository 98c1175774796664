// The signal sampler: every alerts.sample_interval_s it computes the signals
// of storage/signal_repository.h from what the process has (Metrics deltas,
// /proc, the cache's counters, the database, job_runs, statvfs), stores them
// in signal_samples, folds old rows (downsampling, retention) and hands the
// values to its listeners (the alerts engine). docs/signals.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cache/cache.h"
#include "metrics/metrics.h"
#include "stats/stats_service.h"
#include "storage/database.h"

namespace analytics::ops {

using SignalValues = std::map<std::string, double>;
// Called after each sample with its time and values (a signal without a
// value this interval, e.g. cache_hit_rate without lookups, is absent).
// Runs on the sampler's thread (or SampleOnce's caller); must not call back
// into the sampler.
using SignalListener = std::function<void(Time, const SignalValues&)>;

struct SamplerOptions {
  std::chrono::seconds interval{15};  // alerts.sample_interval_s
  int retention_days = 14;            // alerts.retention_days
  // The directories whose file systems disk_usage covers (data, logs, job
  // logs, backups); missing ones are skipped.
  std::vector<std::string> disk_dirs;
  std::string source;  // this instance's name in signal_samples; "" = "host:pid"
};

struct SamplerDeps {
  storage::Database& db;
  cache::Cache& cache;
  stats::StatsService& stats;
  metrics::Metrics& metrics;
  const Clock& clock;
};

// Thread-safe: SampleOnce calls are serialized.
class SignalSampler {
 public:
  // Takes the first baseline (request counters, CPU time, cache counters) at
  // `deps.clock.Now()`: the first sample's rates cover the time since.
  SignalSampler(SamplerDeps deps, SamplerOptions options);
  ~SignalSampler();  // Stops the thread.
  SignalSampler(const SignalSampler&) = delete;
  SignalSampler& operator=(const SignalSampler&) = delete;

  // REQUIRES: before Start.
  void AddListener(SignalListener listener);

  // Computes every signal over (previous sample, now], stores them, runs
  // downsampling and retention (at most once per 5 minutes), then calls the
  // listeners, also when storing failed (the database being down is when
  // alerts matter). Returns the values, or the error of storing them.
  Result<SignalValues> SampleOnce(Time now);
  // The values of the last SampleOnce (empty before the first).
  SignalValues Last() const;

  // A thread that calls SampleOnce(clock.Now()) every interval until Stop.
  void Start();
  void Stop();

 private:
  struct Baseline;
  SignalValues Compute(Time now);
  void Maintain(Time now);

  SamplerDeps deps_;
  SamplerOptions options_;
  std::vector<SignalListener> listeners_;

  mutable std::mutex mu_;  // guards the fields below; held through SampleOnce
  std::unique_ptr<Baseline> baseline_;
  SignalValues last_;
  std::optional<Time> last_maintenance_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace analytics::ops

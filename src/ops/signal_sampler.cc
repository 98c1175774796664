#include "ops/signal_sampler.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "logging/log.h"
#include "metrics/histogram_quantile.h"
#include "metrics/process_metrics.h"
#include "storage/signal_repository.h"

namespace analytics::ops {
namespace {

using storage::SignalRepository;

// What the sampler takes deltas of: the counters as they were at `at`.
struct Counters {
  Time at;
  metrics::RequestTotals requests;
  std::optional<double> cpu_seconds;
  cache::CacheStats cache;
};

std::optional<double> ProcessValue(const std::vector<metrics::Sample>& samples,
                                   std::string_view name) {
  for (const metrics::Sample& s : samples) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

double MachineMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0;
}

double MachineCpus() {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? double(cpus) : 1;
}

// `dir`, or its nearest existing ancestor: the file system a directory not
// made yet (no backup taken, no job logged) will be on.
std::filesystem::path Existing(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(dir, ec);
  while (!std::filesystem::exists(path, ec) && path.has_relative_path()) {
    path = path.parent_path();
  }
  return path;
}

// The % used of the fullest file system holding one of `dirs`, as df counts
// it (blocks reserved for root count as neither used nor available).
std::optional<double> FullestDisk(const std::vector<std::string>& dirs) {
  std::optional<double> fullest;
  for (const std::string& dir : dirs) {
    struct statvfs fs {};
    if (dir.empty() || statvfs(Existing(dir).c_str(), &fs) != 0) continue;
    const double used = double(fs.f_blocks - fs.f_bfree);
    const double usable = used + double(fs.f_bavail);
    if (usable <= 0) continue;
    fullest = std::max(fullest.value_or(0), 100.0 * used / usable);
  }
  return fullest;
}

// A counter's growth; 0 when it went backwards (a Redis restart resets its
// counters).
double Delta(double now, double before) { return now >= before ? now - before : 0; }

std::string DefaultSource() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

struct SignalSampler::Baseline {
  Counters counters;
};

namespace {

Counters ReadCounters(Time at, metrics::Metrics& metrics, cache::Cache& cache) {
  return Counters{at, metrics.SnapshotRequests(),
                  ProcessValue(metrics::ReadProcessMetrics(), "process_cpu_seconds_total"),
                  cache.Stats()};
}

// request_rate, error_rate and the percentiles over (before, now].
void RequestSignals(const Counters& before, const Counters& now, double seconds,
                    SignalValues& out) {
  const double requests = Delta(now.requests.requests, before.requests.requests);
  const double errors = Delta(now.requests.server_errors, before.requests.server_errors);
  out[std::string(storage::kSignalRequestRate)] = requests / seconds;
  out[std::string(storage::kSignalErrorRate)] = requests > 0 ? 100.0 * errors / requests : 0.0;
  std::vector<double> counts = now.requests.cumulative_counts;
  for (std::size_t i = 0; i < counts.size() && i < before.requests.cumulative_counts.size(); ++i) {
    counts[i] = Delta(counts[i], before.requests.cumulative_counts[i]);
  }
  const std::pair<std::string_view, double> quantiles[] = {
      {storage::kSignalP50, 0.50}, {storage::kSignalP95, 0.95}, {storage::kSignalP99, 0.99}};
  for (const auto& [name, q] : quantiles) {
    if (auto value = metrics::HistogramQuantile(q, now.requests.upper_bounds, counts)) {
      out[std::string(name)] = *value;
    }
  }
}

void ProcessSignals(const Counters& before, const Counters& now, double seconds,
                    SignalValues& out) {
  const std::vector<metrics::Sample> process = metrics::ReadProcessMetrics();
  if (before.cpu_seconds && now.cpu_seconds) {
    out[std::string(storage::kSignalCpu)] =
        100.0 * Delta(*now.cpu_seconds, *before.cpu_seconds) / seconds / MachineCpus();
  }
  if (auto rss = ProcessValue(process, "process_resident_memory_bytes")) {
    out[std::string(storage::kSignalMemoryRss)] = *rss;
    if (const double total = MachineMemoryBytes(); total > 0) {
      out[std::string(storage::kSignalMemoryUsage)] = 100.0 * *rss / total;
    }
  }
}

void CacheSignals(const Counters& before, const Counters& now, SignalValues& out) {
  const double hits = Delta(double(now.cache.hits), double(before.cache.hits));
  const double misses = Delta(double(now.cache.misses), double(before.cache.misses));
  if (hits + misses > 0)
    out[std::string(storage::kSignalCacheHitRate)] = 100.0 * hits / (hits + misses);
  out[std::string(storage::kSignalCacheEvicted)] =
      Delta(double(now.cache.evictions), double(before.cache.evictions));
}

}  // namespace

SignalSampler::SignalSampler(SamplerDeps deps, SamplerOptions options)
    : deps_(deps), options_(std::move(options)) {
  if (options_.source.empty()) options_.source = DefaultSource();
  baseline_ = std::make_unique<Baseline>(
      Baseline{ReadCounters(deps_.clock.Now(), deps_.metrics, deps_.cache)});
}

SignalSampler::~SignalSampler() { Stop(); }

void SignalSampler::AddListener(SignalListener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

SignalValues SignalSampler::Compute(Time now) {
  const Counters current = ReadCounters(now, deps_.metrics, deps_.cache);
  const Counters& before = baseline_->counters;
  double seconds = std::chrono::duration<double>(now - before.at).count();
  if (seconds <= 0) seconds = double(options_.interval.count());

  SignalValues out;
  const stats::StoresHealth stores = deps_.stats.CheckStores();
  const bool db_up = stores.database.ok();
  // /health answers 200 exactly when the database answers (SPEC §4).
  out[std::string(storage::kSignalHealth)] = db_up ? 1 : 0;
  out[std::string(storage::kSignalDbUp)] = db_up ? 1 : 0;
  RequestSignals(before, current, seconds, out);
  ProcessSignals(before, current, seconds, out);
  CacheSignals(before, current, out);
  if (auto disk = FullestDisk(options_.disk_dirs)) {
    out[std::string(storage::kSignalDiskUsage)] = *disk;
  }
  if (db_up) {
    if (deps_.db.dialect().name() == "postgresql") {
      auto count = storage::ReadStatementValue(deps_.db, [](storage::Transaction& tx) {
        return SignalRepository(tx).CountPostgresConnections();
      });
      if (count.ok()) out[std::string(storage::kSignalDbConnections)] = double(*count);
    } else {
      const storage::PoolStats pool = deps_.db.pool_stats();
      out[std::string(storage::kSignalDbConnections)] = double(pool.in_use + pool.idle);
    }
    auto failures = storage::ReadStatementValue(deps_.db, [&](storage::Transaction& tx) {
      return SignalRepository(tx).CountFailedJobRuns(before.at, now);
    });
    if (failures.ok()) out[std::string(storage::kSignalJobFailures)] = double(*failures);
  }
  baseline_->counters = current;
  return out;
}

void SignalSampler::Maintain(Time now) {
  if (last_maintenance_ && now - *last_maintenance_ < storage::kDownsampleStep) return;
  const Time raw_cutoff = now - storage::kRawKeptFor;
  const Time retention_cutoff = now - std::chrono::days(options_.retention_days);
  Result<void> done = deps_.db.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    SignalRepository signals(tx);
    auto folded = signals.Downsample(raw_cutoff);
    if (!folded.ok()) return folded.error();
    auto deleted = signals.DeleteBefore(retention_cutoff);
    if (!deleted.ok()) return deleted.error();
    return Ok();
  });
  if (done.ok()) {
    last_maintenance_ = now;
  } else {
    logging::Warn("signal_maintenance_failed", {{"error", done.error().message}});
  }
}

Result<SignalValues> SignalSampler::SampleOnce(Time now) {
  std::lock_guard lock(mu_);
  SignalValues values = Compute(now);
  last_ = values;
  Result<void> stored = deps_.db.WriteStatement([&](storage::Transaction& tx) {
    return SignalRepository(tx).Append(now, options_.source, values);
  });
  if (stored.ok()) Maintain(now);
  for (const SignalListener& listener : listeners_) listener(now, values);
  if (!stored.ok()) return stored.error();
  return values;
}

SignalValues SignalSampler::Last() const {
  std::lock_guard lock(mu_);
  return last_;
}

void SignalSampler::Start() {
  std::lock_guard lock(stop_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    bool failing = false;
    std::unique_lock lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
      lock.unlock();
      Result<SignalValues> sampled = SampleOnce(deps_.clock.Now());
      // Logged when storing starts or stops failing, not every interval.
      if (!sampled.ok() && !failing) {
        logging::Warn("signal_sample_not_stored", {{"error", sampled.error().message}});
      } else if (sampled.ok() && failing) {
        logging::Info("signal_sample_stored_again", {});
      }
      failing = !sampled.ok();
      lock.lock();
    }
  });
}

void SignalSampler::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace analytics::ops

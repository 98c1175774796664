// Prometheus metrics (SPEC §8), on prometheus-cpp's core registry. One
// Metrics object per process, built by app/ and passed to whoever records.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace analytics::metrics {

// A value read when /metrics is scraped (cache hits, pool use, …).
struct Sample {
  std::string name;  // full name, e.g. "analytics_cache_hits_total"
  std::string help;
  enum class Type { kCounter, kGauge } type = Type::kGauge;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};
using SampleSource = std::function<std::vector<Sample>()>;

// The request counters summed over every route, method and status since the
// process started: what the signal sampler takes deltas of.
struct RequestTotals {
  double requests = 0;       // analytics_http_requests_total
  double server_errors = 0;  // the part with a 5xx status
  // analytics_http_request_duration_seconds summed over routes: each bucket's
  // upper bound (the last is +Inf) and cumulative count.
  std::vector<double> upper_bounds;
  std::vector<double> cumulative_counts;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // analytics_http_requests_total{route,method,status} and
  // analytics_http_request_duration_seconds{route,method} (histogram).
  // `route` is the route pattern ("/api/v1/users/{uid}/tasks"), never the raw path.
  void ObserveRequest(std::string_view route, std::string_view method, int status,
                      std::chrono::nanoseconds latency);
  // analytics_rate_limited_requests_total
  void CountRateLimited();
  // analytics_db_query_duration_seconds{operation} (histogram)
  void ObserveQuery(std::string_view operation, std::chrono::nanoseconds latency);
  // analytics_errors_total{kind}
  void CountError(std::string_view kind);
  // analytics_stats_requests_total{stat} — analytics reads by stat (dashboard's Business panel)
  void CountStatsRequest(std::string_view stat);
  // analytics_export_requests_total{format}
  void CountExport(std::string_view format);

  // The totals above, read without stopping the recorders (a request being
  // recorded may be in the counter and not yet in the histogram).
  RequestTotals SnapshotRequests() const;

  // Adds a source read at every scrape (without any Metrics lock held). Its
  // samples are grouped by name under one # HELP/# TYPE taken from the first;
  // samples with an invalid name, or a name this class already exports, are
  // skipped so the exposition stays valid.
  void AddSource(SampleSource source);

  // The Prometheus text exposition (format 0.0.4), including process metrics
  // (process_cpu_seconds_total, process_resident_memory_bytes,
  // process_virtual_memory_bytes, process_open_fds, process_max_fds,
  // process_start_time_seconds).
  std::string Render() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace analytics::metrics

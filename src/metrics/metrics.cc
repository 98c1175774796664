#include "metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <unordered_map>

#include "base/check.h"
#include "metrics/process_metrics.h"
#include "metrics/text_format.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace analytics::metrics {
namespace {

// Request latency: 0.5 ms (a cache hit) to 10 s (past any sane timeout).
const prometheus::Histogram::BucketBoundaries kRequestBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
// Query latency: an indexed SQLite read takes well under a millisecond.
const prometheus::Histogram::BucketBoundaries kQueryBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

double Seconds(std::chrono::nanoseconds latency) {
  return std::chrono::duration<double>(latency).count();
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Maps label values to their series in one family. Family::Add locks the
// family and hashes a std::map of labels; this is a shared-lock lookup of one
// string, built in a per-thread buffer, so the hot path does not allocate.
template <typename M>
class SeriesCache {
 public:
  using Create = std::function<M&(const prometheus::Labels&)>;

  SeriesCache(std::vector<std::string> label_names, Create create)
      : label_names_(std::move(label_names)), create_(std::move(create)) {}

  // REQUIRES: values.size() == the number of label names.
  M& Get(std::initializer_list<std::string_view> values) {
    thread_local std::string key;
    key.clear();
    for (std::string_view value : values) {
      key.append(value);
      key.push_back('\0');  // cannot occur inside a label value we are given
    }
    {
      std::shared_lock lock(mu_);
      if (auto found = series_.find(std::string_view(key)); found != series_.end()) {
        return *found->second;
      }
    }
    prometheus::Labels labels;
    auto name = label_names_.begin();
    for (std::string_view value : values) labels.emplace(*name++, std::string(value));
    std::unique_lock lock(mu_);
    auto [it, inserted] = series_.try_emplace(key, nullptr);
    if (inserted) it->second = &create_(labels);
    return *it->second;
  }

 private:
  const std::vector<std::string> label_names_;
  const Create create_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, M*, StringHash, std::equal_to<>> series_;
};

// Every family this class registers, empty or not (the registry leaves out
// families without series, but a source must still not reuse their names).
const std::vector<std::string> kFamilyNames = {"analytics_http_requests_total",
                                               "analytics_http_request_duration_seconds",
                                               "analytics_rate_limited_requests_total",
                                               "analytics_db_query_duration_seconds",
                                               "analytics_errors_total",
                                               "analytics_stats_requests_total",
                                               "analytics_export_requests_total"};

template <typename M>
prometheus::Family<M>& Register(prometheus::detail::Builder<M> builder, prometheus::Registry& r,
                                const std::string& name, const std::string& help) {
  ANALYTICS_CHECK(std::find(kFamilyNames.begin(), kFamilyNames.end(), name) != kFamilyNames.end())
      << name << " is missing from kFamilyNames";
  return builder.Name(name).Help(help).Register(r);
}

}  // namespace

struct Metrics::State {
  prometheus::Registry registry;

  prometheus::Family<prometheus::Counter>& requests =
      Register(prometheus::BuildCounter(), registry, "analytics_http_requests_total",
               "HTTP requests by route pattern, method and status.");
  prometheus::Family<prometheus::Histogram>& request_duration =
      Register(prometheus::BuildHistogram(), registry, "analytics_http_request_duration_seconds",
               "HTTP request latency by route pattern and method.");
  prometheus::Counter& rate_limited =
      Register(prometheus::BuildCounter(), registry, "analytics_rate_limited_requests_total",
               "Requests refused with 429 by the rate limiter.")
          .Add({});
  prometheus::Family<prometheus::Histogram>& query_duration =
      Register(prometheus::BuildHistogram(), registry, "analytics_db_query_duration_seconds",
               "Database query latency by operation.");
  prometheus::Family<prometheus::Counter>& errors =
      Register(prometheus::BuildCounter(), registry, "analytics_errors_total", "Errors by kind.");
  prometheus::Family<prometheus::Counter>& stats_requests =
      Register(prometheus::BuildCounter(), registry, "analytics_stats_requests_total",
               "Analytics reads by stat.");
  prometheus::Family<prometheus::Counter>& export_requests =
      Register(prometheus::BuildCounter(), registry, "analytics_export_requests_total",
               "Export requests by format.");

  SeriesCache<prometheus::Counter> request_counters{
      {"route", "method", "status"},
      [this](const prometheus::Labels& l) -> prometheus::Counter& { return requests.Add(l); }};
  SeriesCache<prometheus::Histogram> request_histograms{
      {"route", "method"}, [this](const prometheus::Labels& l) -> prometheus::Histogram& {
        return request_duration.Add(l, kRequestBuckets);
      }};
  SeriesCache<prometheus::Histogram> query_histograms{
      {"operation"}, [this](const prometheus::Labels& l) -> prometheus::Histogram& {
        return query_duration.Add(l, kQueryBuckets);
      }};
  SeriesCache<prometheus::Counter> error_counters{
      {"kind"},
      [this](const prometheus::Labels& l) -> prometheus::Counter& { return errors.Add(l); }};
  SeriesCache<prometheus::Counter> stats_counters{
      {"stat"}, [this](const prometheus::Labels& l) -> prometheus::Counter& {
        return stats_requests.Add(l);
      }};
  SeriesCache<prometheus::Counter> export_counters{
      {"format"}, [this](const prometheus::Labels& l) -> prometheus::Counter& {
        return export_requests.Add(l);
      }};

  mutable std::mutex sources_mu;
  std::vector<SampleSource> sources;
};

Metrics::Metrics() : state_(std::make_unique<State>()) {}

Metrics::~Metrics() = default;

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             std::chrono::nanoseconds latency) {
  char status_text[16];
  auto [end, ec] = std::to_chars(status_text, status_text + sizeof(status_text), status);
  const std::string_view status_label(status_text, ec == std::errc() ? end - status_text : 0);
  state_->request_counters.Get({route, method, status_label}).Increment();
  state_->request_histograms.Get({route, method}).Observe(Seconds(latency));
}

void Metrics::CountRateLimited() { state_->rate_limited.Increment(); }

void Metrics::ObserveQuery(std::string_view operation, std::chrono::nanoseconds latency) {
  state_->query_histograms.Get({operation}).Observe(Seconds(latency));
}

void Metrics::CountError(std::string_view kind) { state_->error_counters.Get({kind}).Increment(); }

void Metrics::CountStatsRequest(std::string_view stat) {
  state_->stats_counters.Get({stat}).Increment();
}

void Metrics::CountExport(std::string_view format) {
  state_->export_counters.Get({format}).Increment();
}

RequestTotals Metrics::SnapshotRequests() const {
  RequestTotals totals;
  for (const prometheus::MetricFamily& family : state_->requests.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      totals.requests += metric.counter.value;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.name == "status" && label.value.size() == 3 && label.value[0] == '5') {
          totals.server_errors += metric.counter.value;
        }
      }
    }
  }
  totals.upper_bounds = kRequestBuckets;
  totals.upper_bounds.push_back(std::numeric_limits<double>::infinity());
  totals.cumulative_counts.assign(totals.upper_bounds.size(), 0);
  for (const prometheus::MetricFamily& family : state_->request_duration.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      const auto& buckets = metric.histogram.bucket;
      for (std::size_t i = 0; i < buckets.size() && i < totals.cumulative_counts.size(); ++i) {
        totals.cumulative_counts[i] += static_cast<double>(buckets[i].cumulative_count);
      }
    }
  }
  return totals;
}

void Metrics::AddSource(SampleSource source) {
  std::lock_guard lock(state_->sources_mu);
  state_->sources.push_back(std::move(source));
}

std::string Metrics::Render() const {
  const std::vector<prometheus::MetricFamily> families = state_->registry.Collect();
  std::ostringstream registry_text;
  prometheus::TextSerializer().Serialize(registry_text, families);
  std::string out = registry_text.str();

  std::vector<SampleSource> sources;
  {
    std::lock_guard lock(state_->sources_mu);
    sources = state_->sources;
  }
  // Sources run without the lock: they take their own (cache, pool) and may be slow.
  std::vector<Sample> samples;
  for (const SampleSource& source : sources) {
    std::vector<Sample> more = source();
    samples.insert(samples.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
  }
  std::vector<Sample> process = ReadProcessMetrics();
  samples.insert(samples.end(), std::make_move_iterator(process.begin()),
                 std::make_move_iterator(process.end()));

  AppendSamples(samples, kFamilyNames, out);
  return out;
}

}  // namespace analytics::metrics

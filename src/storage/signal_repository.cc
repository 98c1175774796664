#include "storage/signal_repository.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace analytics::storage {
namespace {

using std::chrono::microseconds;

// Rows per multi-row INSERT: 5 parameters each stays far under SQLite's
// smallest parameter limit (999).
constexpr std::size_t kRowsPerInsert = 150;

// The samples of one source within one bucket, as the kinds need them.
struct Accumulator {
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int count = 0;

  void Add(double v) {
    sum += v;
    min = std::min(min, v);
    max = std::max(max, v);
    ++count;
  }
  // Over time, one source.
  double OverTime(SignalKind kind) const {
    switch (kind) {
      case SignalKind::kUp:
        return min;
      case SignalKind::kCount:
        return sum;
      case SignalKind::kRate:
      case SignalKind::kLevel:
      case SignalKind::kScore:
        return sum / count;
    }
    return sum / count;
  }
};

// Across sources: `values` holds one value per source.
double AcrossSources(SignalKind kind, const std::vector<double>& values) {
  switch (kind) {
    case SignalKind::kUp:
    case SignalKind::kScore:
      return *std::min_element(values.begin(), values.end());
    case SignalKind::kRate: {
      double sum = 0;
      for (double v : values) sum += v;
      return sum;
    }
    case SignalKind::kCount:
    case SignalKind::kLevel:
      return *std::max_element(values.begin(), values.end());
  }
  return values.front();
}

Time FloorTo(Time t, microseconds step) {
  const auto us = t.time_since_epoch().count();
  auto floored = us - us % step.count();
  if (us % step.count() < 0) floored -= step.count();
  return Time{microseconds{floored}};
}

std::string Placeholders(int first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += "$" + std::to_string(first + static_cast<int>(i));
  }
  return out;
}

struct StoredRow {
  std::string name;
  Time at;
  std::int64_t step_s;
  std::string source;
  double value;
};

// Inserts `rows` in batches; `on_conflict` is the statement's ON CONFLICT clause.
Result<void> InsertRows(Transaction& tx, const std::vector<StoredRow>& rows,
                        std::string_view on_conflict) {
  for (std::size_t begin = 0; begin < rows.size(); begin += kRowsPerInsert) {
    const std::size_t end = std::min(rows.size(), begin + kRowsPerInsert);
    std::string sql = "INSERT INTO signal_samples (name, at, step_s, source, value) VALUES ";
    Params params;
    for (std::size_t i = begin; i < end; ++i) {
      const int n = static_cast<int>(params.size()) + 1;
      if (i > begin) sql += ", ";
      sql += "(" + Placeholders(n, 5) + ")";
      params.insert(params.end(),
                    {rows[i].name, rows[i].at, rows[i].step_s, rows[i].source, rows[i].value});
    }
    sql += " ";
    sql += on_conflict;
    auto done = tx.Execute(sql, params);
    if (!done.ok()) return done.error();
  }
  return Ok();
}

}  // namespace

const std::vector<std::string>& SignalNames() {
  static const std::vector<std::string> names = {
      std::string(kSignalHealth),        std::string(kSignalDbUp),
      std::string(kSignalRequestRate),   std::string(kSignalErrorRate),
      std::string(kSignalP50),           std::string(kSignalP95),
      std::string(kSignalP99),           std::string(kSignalCpu),
      std::string(kSignalMemoryRss),     std::string(kSignalMemoryUsage),
      std::string(kSignalCacheHitRate),  std::string(kSignalCacheEvicted),
      std::string(kSignalDbConnections), std::string(kSignalJobFailures),
      std::string(kSignalDiskUsage)};
  return names;
}

bool IsSignalName(std::string_view name) {
  const auto& names = SignalNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

SignalKind KindOf(std::string_view name) {
  if (name == kSignalHealth || name == kSignalDbUp) return SignalKind::kUp;
  if (name == kSignalRequestRate) return SignalKind::kRate;
  if (name == kSignalCacheEvicted || name == kSignalJobFailures) return SignalKind::kCount;
  if (name == kSignalCacheHitRate) return SignalKind::kScore;
  return SignalKind::kLevel;
}

Result<void> SignalRepository::Append(Time at, const std::string& source,
                                      const std::map<std::string, double>& values) {
  std::vector<StoredRow> rows;
  rows.reserve(values.size());
  for (const auto& [name, value] : values) rows.push_back({name, at, 0, source, value});
  return InsertRows(tx_, rows,
                    "ON CONFLICT (name, step_s, at, source) DO UPDATE SET value = excluded.value");
}

Result<std::vector<SignalSeries>> SignalRepository::Range(const std::vector<std::string>& names,
                                                          Time from, Time to,
                                                          std::chrono::seconds step) {
  std::vector<SignalSeries> out;
  for (const std::string& name : names) out.push_back({name, {}});
  if (names.empty() || from >= to) return out;
  const microseconds step_us = step;
  Params params{from, to};
  params.insert(params.end(), names.begin(), names.end());
  // (name index, bucket, source) -> accumulator; ordered, so points come out in time order.
  std::map<std::tuple<std::size_t, std::int64_t, std::string>, Accumulator> cells;
  auto done = tx_.ForEach(
      "SELECT name, at, source, value FROM signal_samples WHERE at >= $1 AND at < $2 AND "
      "name IN (" +
          Placeholders(3, names.size()) + ")",
      params, [&](const Row& r) {
        const std::string name = r.Text(0);
        const std::size_t index = std::find(names.begin(), names.end(), name) - names.begin();
        const std::int64_t bucket = (r.TimeAt(1) - from) / step_us;
        cells[{index, bucket, r.Text(2)}].Add(r.Double(3));
        return true;
      });
  if (!done.ok()) return done.error();

  // Cells of one (name, bucket) are adjacent: fold their sources into one point.
  std::vector<double> per_source;
  for (auto it = cells.begin(); it != cells.end();) {
    const auto [index, bucket, source] = it->first;
    const SignalKind kind = KindOf(names[index]);
    per_source.clear();
    for (; it != cells.end() && std::get<0>(it->first) == index && std::get<1>(it->first) == bucket;
         ++it) {
      per_source.push_back(it->second.OverTime(kind));
    }
    out[index].points.push_back({from + step_us * bucket, AcrossSources(kind, per_source)});
  }
  return out;
}

Result<std::map<std::string, SignalPoint>> SignalRepository::Latest(Time not_before) {
  // (name, source) -> newest sample.
  std::map<std::pair<std::string, std::string>, SignalPoint> newest;
  auto done = tx_.ForEach(
      "SELECT name, source, at, value FROM signal_samples WHERE step_s = 0 AND at >= $1",
      {not_before}, [&](const Row& r) {
        SignalPoint point{r.TimeAt(2), r.Double(3)};
        auto [it, inserted] = newest.try_emplace({r.Text(0), r.Text(1)}, point);
        if (!inserted && point.at > it->second.at) it->second = point;
        return true;
      });
  if (!done.ok()) return done.error();
  std::map<std::string, SignalPoint> out;
  std::vector<double> per_source;
  for (auto it = newest.begin(); it != newest.end();) {
    const std::string name = it->first.first;
    per_source.clear();
    Time at = it->second.at;
    for (; it != newest.end() && it->first.first == name; ++it) {
      per_source.push_back(it->second.value);
      at = std::max(at, it->second.at);
    }
    out[name] = {at, AcrossSources(KindOf(name), per_source)};
  }
  return out;
}

Result<std::int64_t> SignalRepository::Downsample(Time cutoff) {
  const microseconds step = kDownsampleStep;
  const Time boundary = FloorTo(cutoff, step);
  std::map<std::tuple<std::string, std::string, Time>, Accumulator> buckets;
  auto done =
      tx_.ForEach("SELECT name, source, at, value FROM signal_samples WHERE step_s = 0 AND at < $1",
                  {boundary}, [&](const Row& r) {
                    buckets[{r.Text(0), r.Text(1), FloorTo(r.TimeAt(2), step)}].Add(r.Double(3));
                    return true;
                  });
  if (!done.ok()) return done.error();
  std::vector<StoredRow> rows;
  rows.reserve(buckets.size());
  for (const auto& [key, acc] : buckets) {
    const auto& [name, source, at] = key;
    rows.push_back({name, at, kDownsampleStep.count(), source, acc.OverTime(KindOf(name))});
  }
  // A bucket already folded (another instance, a raw row that arrived late)
  // keeps its first value.
  auto inserted = InsertRows(tx_, rows, "ON CONFLICT (name, step_s, at, source) DO NOTHING");
  if (!inserted.ok()) return inserted.error();
  return tx_.Execute("DELETE FROM signal_samples WHERE step_s = 0 AND at < $1", {boundary});
}

Result<std::int64_t> SignalRepository::DeleteBefore(Time cutoff) {
  return tx_.Execute("DELETE FROM signal_samples WHERE at < $1", {cutoff});
}

Result<std::int64_t> SignalRepository::CountFailedJobRuns(Time from, Time to) {
  auto rows = tx_.Query(
      "SELECT COUNT(*) FROM job_runs WHERE status = 'failed' AND finished_at > $1 AND "
      "finished_at <= $2",
      {from, to});
  if (!rows.ok()) return rows.error();
  return rows->front().Int(0);
}

Result<std::int64_t> SignalRepository::CountPostgresConnections() {
  auto rows = tx_.Query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()");
  if (!rows.ok()) return rows.error();
  return rows->front().Int(0);
}

}  // namespace analytics::storage

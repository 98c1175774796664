// Request latencies summed up for percentiles in bounded memory: buckets 2 %
// wide on a log scale from 1 µs to about 100 s, so a percentile read back is
// within 2 % of the exact one (far inside one bucket of the server's
// /metrics histogram, whose buckets are 2 to 2.5 times wide).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace analytics::ops {

// Not thread-safe.
class LatencyHistogram {
 public:
  static constexpr double kMin = 1e-6;  // seconds; anything faster lands in bucket 0
  static constexpr double kRatio = 1.02;
  static constexpr int kBuckets = 935;  // kMin * kRatio^935 ≈ 106 s; slower lands in the last

  void Add(double seconds) {
    if (counts_.empty()) counts_.assign(kBuckets, 0);
    ++counts_[Index(seconds)];
    ++count_;
    min_ = count_ == 1 ? seconds : std::min(min_, seconds);
    max_ = count_ == 1 ? seconds : std::max(max_, seconds);
  }

  std::uint64_t count() const { return count_; }

  // The q-quantile (0 < q <= 1) by nearest rank: the upper bound of the
  // bucket holding the ceil(q * count)-th fastest latency, kept within the
  // observed minimum and maximum. 0 when empty.
  double Quantile(double q) const {
    if (count_ == 0) return 0;
    const auto rank = std::max<std::uint64_t>(1, std::uint64_t(std::ceil(q * double(count_))));
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(kMin * std::pow(kRatio, i + 1), min_, max_);
    }
    return max_;
  }

 private:
  static int Index(double seconds) {
    if (!(seconds > kMin)) return 0;
    const int i = int(std::floor(std::log(seconds / kMin) / std::log(kRatio)));
    return std::clamp(i, 0, kBuckets - 1);
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace analytics::ops

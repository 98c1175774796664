#include "metrics/histogram_quantile.h"

#include <cmath>

namespace analytics::metrics {

std::optional<double> HistogramQuantile(double q, const std::vector<double>& upper_bounds,
                                        const std::vector<double>& cumulative_counts) {
  if (upper_bounds.empty() || upper_bounds.size() != cumulative_counts.size()) return std::nullopt;
  if (!(q >= 0 && q <= 1)) return std::nullopt;
  const double total = cumulative_counts.back();
  if (total <= 0) return std::nullopt;
  const double rank = q * total;
  std::size_t i = 0;
  while (i + 1 < cumulative_counts.size() && cumulative_counts[i] < rank) ++i;
  if (std::isinf(upper_bounds[i])) {
    // Past every finite bound: the highest one is all that is known.
    return i > 0 ? upper_bounds[i - 1] : 0.0;
  }
  const double lower = i > 0 ? upper_bounds[i - 1] : 0.0;
  const double below = i > 0 ? cumulative_counts[i - 1] : 0.0;
  const double in_bucket = cumulative_counts[i] - below;
  if (in_bucket <= 0) return upper_bounds[i];
  return lower + (upper_bounds[i] - lower) * (rank - below) / in_bucket;
}

}  // namespace analytics::metrics

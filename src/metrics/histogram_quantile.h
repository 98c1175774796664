// The q-quantile of observations in a cumulative histogram, estimated as
// Prometheus's histogram_quantile does: find the bucket holding rank q*count
// and interpolate linearly within it, assuming its observations spread evenly
// between the bucket's lower and upper bounds (the first bucket's lower bound
// is 0). A rank in the +Inf bucket answers the highest finite bound. So the
// answer is within the bucket that holds the true quantile.
#pragma once

#include <optional>
#include <vector>

namespace analytics::metrics {

// `upper_bounds` ascending (the last may be +Inf); `cumulative_counts` the
// same length, non-decreasing. nullopt when there are no observations or q
// is outside [0, 1].
std::optional<double> HistogramQuantile(double q, const std::vector<double>& upper_bounds,
                                        const std::vector<double>& cumulative_counts);

}  // namespace analytics::metrics

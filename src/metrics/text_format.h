// Writes Samples in the Prometheus text exposition format (0.0.4), for the
// values prometheus-cpp's registry does not hold (sources, process metrics).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/metrics.h"

namespace analytics::metrics {

// Appends `samples` to `out`, grouped by name in first-seen order, each group
// led by its # HELP and # TYPE lines (help and type from the group's first
// sample). Samples with an invalid metric or label name are skipped, as are
// names in `taken` (already written by someone else), so the output stays
// parseable.
void AppendSamples(const std::vector<Sample>& samples, const std::vector<std::string>& taken,
                   std::string& out);

// A label value with \, " and newline escaped.
std::string EscapeLabelValue(std::string_view value);
// A sample value: shortest round-trip form, or NaN, +Inf, -Inf.
std::string FormatValue(double value);
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace analytics::metrics

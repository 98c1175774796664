// The standard process_* metrics, read from /proc/self (Linux).
#pragma once

#include <vector>

#include "metrics/metrics.h"

namespace analytics::metrics {

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds. A value that cannot be read is left out.
std::vector<Sample> ReadProcessMetrics();

}  // namespace analytics::metrics

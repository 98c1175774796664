#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace analytics::metrics {
namespace {

Sample Make(std::string name, std::string help, Sample::Type type, double value) {
  return Sample{std::move(name), std::move(help), type, {}, value};
}

// A decimal number, or nullopt when `text` is not one (a /proc line of an
// unexpected shape leaves its values out rather than failing the scrape).
std::optional<double> Number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Seconds since the epoch at which the machine booted (/proc/stat "btime").
std::optional<double> BootTime() {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("btime ")) return Number(std::string_view(line).substr(6));
  }
  return std::nullopt;
}

// proc(5): /proc/self/stat. The command name (field 2) is in parentheses and may
// contain spaces, so fields are counted from the last ')'.
void AppendStat(std::vector<Sample>& samples) {
  const std::optional<std::string> stat = ReadFile("/proc/self/stat");
  if (!stat) return;
  const std::size_t close = stat->rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat->substr(close + 1));
  std::vector<std::string> values;  // values[0] is field 3 (state)
  for (std::string field; fields >> field;) values.push_back(field);
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStartTime = 22 - 3, kVsize = 23 - 3,
                        kRss = 24 - 3;
  if (values.size() <= kRss) return;

  const std::optional<double> utime = Number(values[kUtime]), stime = Number(values[kStime]),
                              start = Number(values[kStartTime]), vsize = Number(values[kVsize]),
                              rss = Number(values[kRss]);
  if (!utime || !stime || !start || !vsize || !rss) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double cpu = (*utime + *stime) / ticks;
  samples.push_back(Make("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", Sample::Type::kCounter,
                         cpu));
  samples.push_back(Make("process_resident_memory_bytes", "Resident memory size in bytes.",
                         Sample::Type::kGauge, *rss * page));
  samples.push_back(Make("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         Sample::Type::kGauge, *vsize));
  if (const std::optional<double> boot = BootTime()) {
    samples.push_back(Make("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           Sample::Type::kGauge, *boot + *start / ticks));
  }
}

void AppendFds(std::vector<Sample>& samples) {
  std::error_code error;
  std::filesystem::directory_iterator fds("/proc/self/fd", error);
  if (!error) {
    double open = 0;
    for (auto it = fds; it != std::filesystem::directory_iterator(); it.increment(error)) {
      if (error) break;
      ++open;
    }
    if (!error) {
      samples.push_back(
          Make("process_open_fds", "Number of open file descriptors.", Sample::Type::kGauge, open));
    }
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    samples.push_back(Make("process_max_fds", "Maximum number of open file descriptors.",
                           Sample::Type::kGauge, static_cast<double>(limit.rlim_cur)));
  }
}

}  // namespace

std::vector<Sample> ReadProcessMetrics() {
  std::vector<Sample> samples;
  AppendStat(samples);
  AppendFds(samples);
  return samples;
}

}  // namespace analytics::metrics

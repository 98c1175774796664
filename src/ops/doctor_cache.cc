// The cache checks: reachable, and its memory under kMaxCacheMemoryPercent
// of its limit. Redis is asked directly (PING, INFO memory) on a connection
// of its own, so the answer is Redis's now, not a pool's memory of it. The
// in-process cache lives in the server, so its size is read from the
// server's /metrics.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cache/redis/redis_connection.h"
#include "cache/redis/redis_options.h"
#include "http/client.h"
#include "ops/doctor.h"

namespace analytics::ops {
namespace {

std::string PercentOf(double used, double limit) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * used / limit);
  return buf;
}

std::string MemoryThreshold() {
  char buf[48];
  std::snprintf(buf, sizeof buf, "< %.0f%% of limit", kMaxCacheMemoryPercent);
  return buf;
}

// used / limit against the threshold; the limit is maxmemory, or the
// machine's memory when Redis has none (maxmemory 0).
Check MemoryCheck(std::uint64_t used, std::uint64_t maxmemory) {
  Check check{"cache_memory", CheckStatus::kOk, "", MemoryThreshold(), ""};
  std::uint64_t limit = maxmemory;
  std::string of = "maxmemory";
  if (limit == 0) {
    limit = MachineMemoryBytes().value_or(0);
    of = "machine memory (no maxmemory)";
  }
  if (limit == 0) {
    check.status = CheckStatus::kWarn;
    check.value = HumanBytes(double(used));
    check.note = "no maxmemory and /proc/meminfo unreadable: no limit to compare with";
    return check;
  }
  check.value = HumanBytes(double(used)) + " / " + HumanBytes(double(limit)) + " (" +
                PercentOf(double(used), double(limit)) + ")";
  check.threshold += " (" + of + ")";
  if (100.0 * double(used) / double(limit) >= kMaxCacheMemoryPercent) {
    check.status = CheckStatus::kFail;
    check.note = "raise maxmemory or lower cache TTLs (runbook: Cache Monitoring)";
  }
  return check;
}

std::vector<Check> RedisChecks(const std::string& url) {
  Check reach{"cache", CheckStatus::kOk, "", "PING answers", ""};
  Check memory{"cache_memory", CheckStatus::kSkip, "unknown", MemoryThreshold(),
               "Redis is unreachable"};
  auto options = cache::ParseRedisUrl(url);
  if (!options.ok()) {
    reach.status = CheckStatus::kFail;
    reach.value = "bad cache.url";
    reach.note = options.error().message;
    return {reach, memory};
  }
  options->connect_timeout = std::chrono::seconds(2);
  options->command_timeout = std::chrono::seconds(2);
  const std::string where = options->host + ":" + std::to_string(options->port);
  auto connection = cache::RedisConnection::Open(*options);  // its PING is the check
  Result<cache::RedisReply> info =
      connection.ok() ? (*connection)->Run({"INFO", "memory"}) : connection.error();
  if (!info.ok() || info->is_error()) {
    reach.status = CheckStatus::kFail;
    reach.value = "unreachable (redis " + where + ")";
    reach.note = info.ok() ? info->text : info.error().message;
    return {reach, memory};
  }
  reach.value = "PONG (redis " + where + ")";
  auto used = cache::InfoField(info->text, "used_memory");
  if (!used) {
    memory.status = CheckStatus::kWarn;
    memory.note = "INFO memory has no used_memory";
    return {reach, memory};
  }
  return {reach, MemoryCheck(*used, cache::InfoField(info->text, "maxmemory").value_or(0))};
}

// The in-process cache: entries (analytics_cache_entries on the server's
// /metrics) against cache.memory_max_entries.
std::vector<Check> MemoryCacheChecks(const config::Config& config, const std::string& server_url) {
  const double max = double(config.cache.memory_max_entries);
  char threshold[64];
  std::snprintf(threshold, sizeof threshold, "< %.0f%% of %zu entries", kMaxCacheMemoryPercent,
                config.cache.memory_max_entries);
  Check reach{"cache", CheckStatus::kOk, "in-process (memory)", "in the server", ""};
  Check size{"cache_memory", CheckStatus::kWarn, "unknown", threshold, ""};
  http::ClientRequest request;
  request.url = server_url + "/metrics";
  // The admin token goes only to the configured server, never to a host
  // named on the command line (--url).
  if (!config.auth.admin_token.empty() && server_url == ServerUrl(config.server)) {
    request.headers.emplace_back("Authorization", "Bearer " + config.auth.admin_token);
  }
  auto response = http::Fetch(request);
  if (!response.ok() || response->status != 200) {
    size.note = "the in-process cache lives in the server, whose /metrics did not answer";
    return {reach, size};
  }
  std::istringstream lines(response->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("analytics_cache_entries ", 0) != 0) continue;
    const double entries = std::strtod(line.c_str() + 24, nullptr);
    size.value = std::to_string(std::int64_t(entries)) + "/" +
                 std::to_string(config.cache.memory_max_entries) + " entries (" +
                 PercentOf(entries, max) + ")";
    size.status =
        100.0 * entries / max >= kMaxCacheMemoryPercent ? CheckStatus::kFail : CheckStatus::kOk;
    if (size.status == CheckStatus::kFail) size.note = "raise cache.memory_max_entries";
    return {reach, size};
  }
  size.note = "the server's /metrics has no analytics_cache_entries";
  return {reach, size};
}

}  // namespace

std::optional<std::uint64_t> MachineMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string name; in >> name;) {
    std::uint64_t kib = 0;
    in >> kib;
    if (name == "MemTotal:") return kib * 1024;
    in.ignore(1 << 10, '\n');
  }
  return std::nullopt;
}

std::vector<Check> CheckCache(const config::Config& config, const std::string& server_url) {
  if (config.cache.url == "memory") return MemoryCacheChecks(config, server_url);
  return RedisChecks(config.cache.url);
}

}  // namespace analytics::ops

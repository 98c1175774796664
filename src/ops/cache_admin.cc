#include "ops/cache_admin.h"

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cache/keys.h"
#include "cache/redis/redis_connection.h"
#include "cache/redis/redis_options.h"
#include "http/client.h"
#include "ops/doctor.h"

namespace analytics::ops {
namespace {

constexpr std::chrono::seconds kTimeout{5};
constexpr const char* kScanCount = "1000";

void SetHitRate(CacheReport& report) {
  if (!report.hits || !report.misses) return;
  const double lookups = double(*report.hits) + double(*report.misses);
  if (lookups > 0) report.hit_rate = 100.0 * double(*report.hits) / lookups;
}

// Our keys, counted with SCAN (never KEYS: it blocks a shared Redis).
Result<std::uint64_t> CountOurKeys(cache::RedisConnection& connection) {
  const std::string pattern = std::string(cache::kPrefix) + "*";
  std::uint64_t count = 0;
  std::string cursor = "0";
  do {
    auto page = connection.Run({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount});
    if (!page.ok()) return page.error();
    if (page->type != cache::RedisReply::Type::kArray || page->elements.size() != 2) {
      return Unavailable("Redis answered SCAN with something other than a page");
    }
    cursor = page->elements[0].text;
    count += page->elements[1].elements.size();
  } while (cursor != "0" && !cursor.empty());
  return count;
}

Result<CacheReport> RedisReport(const std::string& url) {
  auto options = cache::ParseRedisUrl(url);
  if (!options.ok()) return options.error();
  options->connect_timeout = kTimeout;
  options->command_timeout = kTimeout;
  CacheReport report;
  report.backend = "redis";
  report.where =
      options->host + ":" + std::to_string(options->port) + "/" + std::to_string(options->db);
  auto connection = cache::RedisConnection::Open(*options);
  if (!connection.ok()) {
    return Unavailable("Redis at " + report.where + ": " + connection.error().message);
  }
  auto replies = (*connection)->RunAll({{"INFO", "memory"}, {"INFO", "stats"}, {"DBSIZE"}});
  if (!replies.ok())
    return Unavailable("Redis at " + report.where + ": " + replies.error().message);
  const std::string& memory = (*replies)[0].text;
  const std::string& stats = (*replies)[1].text;
  report.used_memory = cache::InfoField(memory, "used_memory");
  report.max_memory = cache::InfoField(memory, "maxmemory");
  report.hits = cache::InfoField(stats, "keyspace_hits");
  report.misses = cache::InfoField(stats, "keyspace_misses");
  report.evictions = cache::InfoField(stats, "evicted_keys");
  report.expired = cache::InfoField(stats, "expired_keys");
  if ((*replies)[2].type == cache::RedisReply::Type::kInteger) {
    report.all_keys = static_cast<std::uint64_t>(std::max<long long>((*replies)[2].integer, 0));
  }
  auto ours = CountOurKeys(**connection);
  if (!ours.ok()) return Unavailable("Redis at " + report.where + ": " + ours.error().message);
  report.keys = *ours;
  SetHitRate(report);
  return report;
}

// "name value" lines of a Prometheus text exposition (no labels).
std::optional<std::uint64_t> MetricValue(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) != 0) continue;
    const char* begin = line.data() + name.size() + 1;
    const char* end = line.data() + line.size();
    double value = 0;
    auto [at, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || at != end || !(value >= 0)) return std::nullopt;
    return static_cast<std::uint64_t>(value);
  }
  return std::nullopt;
}

Result<CacheReport> MemoryReport(const config::Config& config) {
  CacheReport report;
  report.backend = "memory";
  report.where = ServerUrl(config.server);
  http::ClientRequest request;
  request.url = report.where + "/metrics";
  request.timeout = kTimeout;
  if (!config.auth.admin_token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + config.auth.admin_token);
  }
  auto response = http::Fetch(request);
  if (!response.ok() || response->status != 200) {
    return Unavailable("the in-process cache lives in the server, and " + request.url + " " +
                       (response.ok() ? "answered " + std::to_string(response->status)
                                      : "did not answer: " + response.error().message));
  }
  report.keys = MetricValue(response->body, "analytics_cache_entries");
  report.hits = MetricValue(response->body, "analytics_cache_hits_total");
  report.misses = MetricValue(response->body, "analytics_cache_misses_total");
  report.evictions = MetricValue(response->body, "analytics_cache_evictions_total");
  SetHitRate(report);
  return report;
}

}  // namespace

Result<CacheReport> ReadCacheReport(const config::Config& config) {
  if (config.cache.url == "memory") return MemoryReport(config);
  return RedisReport(config.cache.url);
}

Result<std::string> AskServer(const config::Config& config, const std::string& method,
                              const std::string& path, const std::string& body) {
  const std::string url = ServerUrl(config.server) + path;
  if (config.auth.admin_token.empty()) {
    return Unavailable(
        "the in-process cache lives in the server; set auth.admin_token "
        "(ANALYTICS_ADMIN_TOKEN) so this command can ask it at " +
        url + ", or use Redis");
  }
  http::ClientRequest request;
  request.method = method;
  request.url = url;
  request.headers = {{"Authorization", "Bearer " + config.auth.admin_token},
                     {"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = std::chrono::minutes(10);  // a warm of many users takes a while
  auto response = http::Fetch(request);
  if (!response.ok()) {
    return Unavailable("the server at " + url + " did not answer: " + response.error().message);
  }
  if (response->status < 200 || response->status > 299) {
    auto problem = nlohmann::json::parse(response->body, nullptr, false);
    std::string detail = problem.is_object() ? problem.value("detail", "") : "";
    return Unavailable("the server at " + url + " answered " + std::to_string(response->status) +
                       (detail.empty() ? "" : ": " + detail));
  }
  return response->body;
}

}  // namespace analytics::ops

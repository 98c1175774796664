// Range checks for every key. Each error names the key path in `field` and
// says what is allowed ("server.workers must be from 1 to 1024, got 0").
#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "base/cron.h"
#include "config/config.h"

namespace analytics::config {
namespace {

constexpr long long kMaxPort = 65535;
constexpr long long kMaxWorkers = 1024;
constexpr long long kMaxIoThreads = 64;
// Each connection holds a file descriptor: the process's limit (ulimit -n)
// bounds it in practice; this only catches typos.
constexpr long long kMaxServerConnections = 1'000'000;
constexpr long long kMaxQueuedRequests = 1'000'000;
constexpr long long kMaxPoolSize = 1000;
constexpr long long kMaxTtlSeconds = 86400LL * 30;
constexpr long long kKiB = 1024;
constexpr long long kMiB = 1024 * kKiB;
constexpr long long kGiB = 1024 * kMiB;
constexpr std::array kLogLevels = {"trace", "debug", "info", "warn", "error"};
constexpr std::array kDatabaseSchemes = {"sqlite://", "postgresql://", "postgres://"};

Error OutOfRange(const std::string& key, const std::string& allowed, const std::string& got) {
  return InvalidArgument(key, key + " must be " + allowed + ", got " + got);
}

// One check per key keeps the list below readable as a table.
Result<void> InRange(const std::string& key, long long value, long long min, long long max) {
  if (value >= min && value <= max) return Ok();
  return OutOfRange(key, "from " + std::to_string(min) + " to " + std::to_string(max),
                    std::to_string(value));
}

Result<void> AtLeast(const std::string& key, long long value, long long min) {
  if (value >= min) return Ok();
  return OutOfRange(key, ">= " + std::to_string(min), std::to_string(value));
}

Result<void> Positive(const std::string& key, double value) {
  if (std::isfinite(value) && value > 0) return Ok();
  std::ostringstream shown;
  shown << value;
  return OutOfRange(key, "> 0", shown.str());
}

Result<void> NotEmpty(const std::string& key, const std::string& value) {
  if (!value.empty()) return Ok();
  return InvalidArgument(key, key + " must not be empty");
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Result<void> DatabaseUrl(const std::string& key, const std::string& url) {
  for (const char* scheme : kDatabaseSchemes) {
    if (StartsWith(url, scheme) && url.size() > std::string_view(scheme).size()) return Ok();
  }
  return InvalidArgument(key,
                         key + " must start with sqlite://, postgresql:// or postgres://, got '" +
                             RedactUrl(url) + "'");
}

Result<void> CacheUrl(const std::string& key, const std::string& url) {
  if (url == "memory" || (StartsWith(url, "redis://") && url.size() > 8)) return Ok();
  return InvalidArgument(
      key, key + " must be \"memory\" or a redis://host:port/N URL, got '" + RedactUrl(url) + "'");
}

// An empty schedule turns a job's schedule off.
Result<void> CronExpression(const std::string& key, const std::string& cron) {
  if (cron.empty()) return Ok();
  auto parsed = CronSchedule::Parse(cron);
  if (parsed.ok()) return Ok();
  return InvalidArgument(key, key + ": " + parsed.error().message + " (got '" + cron + "')");
}

Result<void> ValidateServer(const ServerOptions& s) {
  ANALYTICS_RETURN_IF_ERROR(NotEmpty("server.host", s.host));
  ANALYTICS_RETURN_IF_ERROR(InRange("server.port", s.port, 0, kMaxPort));
  ANALYTICS_RETURN_IF_ERROR(InRange("server.workers", s.workers, 1, kMaxWorkers));
  ANALYTICS_RETURN_IF_ERROR(InRange("server.io_threads", s.io_threads, 1, kMaxIoThreads));
  ANALYTICS_RETURN_IF_ERROR(
      InRange("server.max_connections", s.max_connections, 1, kMaxServerConnections));
  return InRange("server.max_queued_requests", s.max_queued_requests, 1, kMaxQueuedRequests);
}

Result<void> ValidateDatabase(const DatabaseOptions& d) {
  ANALYTICS_RETURN_IF_ERROR(DatabaseUrl("database.url", d.url));
  ANALYTICS_RETURN_IF_ERROR(InRange("database.pool_size", d.pool_size, 1, kMaxPoolSize));
  ANALYTICS_RETURN_IF_ERROR(InRange("database.max_overflow", d.max_overflow, 0, kMaxPoolSize));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("database.pool_recycle", d.pool_recycle.count(), 0));
  ANALYTICS_RETURN_IF_ERROR(
      AtLeast("database.statement_timeout_ms", d.statement_timeout.count(), 0));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("database.pool_timeout_ms", d.pool_timeout.count(), 0));
  for (std::size_t i = 0; i < d.replica_urls.size(); ++i) {
    ANALYTICS_RETURN_IF_ERROR(
        DatabaseUrl("database.replica_urls[" + std::to_string(i) + "]", d.replica_urls[i]));
  }
  return Ok();
}

Result<void> ValidateCache(const CacheOptions& c) {
  ANALYTICS_RETURN_IF_ERROR(CacheUrl("cache.url", c.url));
  ANALYTICS_RETURN_IF_ERROR(
      InRange("cache.ttl_overview", c.ttl_overview.count(), 0, kMaxTtlSeconds));
  ANALYTICS_RETURN_IF_ERROR(InRange("cache.ttl_metrics", c.ttl_metrics.count(), 0, kMaxTtlSeconds));
  return AtLeast("cache.memory_max_entries", static_cast<long long>(c.memory_max_entries), 1);
}

// The admin token acts on every user: a short or guessable one is refused at
// start-up rather than accepted (issue 11). "" means no admin token at all.
constexpr std::size_t kMinAdminTokenLength = 32;

Result<void> ValidateAuth(const AuthOptions& a) {
  const std::string& token = a.admin_token;
  if (token.empty()) return Ok();
  const bool token_like = std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
  });
  if (token.size() >= kMinAdminTokenLength && token_like) return Ok();
  // The token itself is never echoed: only its length.
  return InvalidArgument("auth.admin_token",
                         "auth.admin_token must be at least 32 characters of A-Z, a-z, 0-9 and "
                         "-._~+/= (got " +
                             std::to_string(token.size()) +
                             (token_like ? "" : ", with other characters") +
                             "); make one with: openssl rand -hex 32");
}

Result<void> AtLeastOne(const std::string& key, double value) {
  if (std::isfinite(value) && value >= 1) return Ok();
  std::ostringstream shown;
  shown << value;
  return OutOfRange(key, ">= 1", shown.str());
}

Result<void> ValidateRateLimit(const RateLimitOptions& r) {
  ANALYTICS_RETURN_IF_ERROR(Positive("rate_limit.requests_per_second", r.requests_per_second));
  ANALYTICS_RETURN_IF_ERROR(AtLeastOne("rate_limit.burst", r.burst));
  ANALYTICS_RETURN_IF_ERROR(
      Positive("rate_limit.failed_auth_per_second", r.failed_auth_per_second));
  ANALYTICS_RETURN_IF_ERROR(AtLeastOne("rate_limit.failed_auth_burst", r.failed_auth_burst));
  ANALYTICS_RETURN_IF_ERROR(Positive("rate_limit.rotations_per_minute", r.rotations_per_minute));
  return AtLeastOne("rate_limit.rotation_burst", r.rotation_burst);
}

Result<void> ValidateLimits(const LimitOptions& l) {
  // size_t values above LLONG_MAX wrap negative here and fail the range check.
  ANALYTICS_RETURN_IF_ERROR(
      InRange("limits.max_body_bytes", static_cast<long long>(l.max_body_bytes), 1, kGiB));
  ANALYTICS_RETURN_IF_ERROR(InRange("limits.max_batch_body_bytes",
                                    static_cast<long long>(l.max_batch_body_bytes), 1, kGiB));
  ANALYTICS_RETURN_IF_ERROR(
      InRange("limits.max_header_bytes", static_cast<long long>(l.max_header_bytes), kKiB, kMiB));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("limits.idle_timeout_s", l.idle_timeout.count(), 1));
  return AtLeast("limits.request_timeout_s", l.request_timeout.count(), 1);
}

Result<void> ValidateLogging(const LoggingOptions& l) {
  ANALYTICS_RETURN_IF_ERROR(NotEmpty("logging.dir", l.dir));
  if (std::find(kLogLevels.begin(), kLogLevels.end(), l.level) == kLogLevels.end()) {
    return InvalidArgument(
        "logging.level",
        "logging.level must be one of trace, debug, info, warn, error, got '" + l.level + "'");
  }
  ANALYTICS_RETURN_IF_ERROR(
      AtLeast("logging.max_file_bytes", static_cast<long long>(l.max_file_bytes), 1));
  return AtLeast("logging.max_files", l.max_files, 1);
}

Result<void> ValidateJobs(const JobOptions& j) {
  ANALYTICS_RETURN_IF_ERROR(NotEmpty("jobs.log_dir", j.log_dir));
  const JobOptions defaults;
  for (const auto& [job, cron] : j.schedules) {
    const std::string key = "jobs.schedules." + job;
    if (defaults.schedules.count(job) == 0) {
      return InvalidArgument(key, "unknown key '" + key + "': not a job");
    }
    ANALYTICS_RETURN_IF_ERROR(CronExpression(key, cron));
  }
  return Ok();
}

Result<void> ValidateCacheWarming(const CacheWarmingOptions& w) {
  ANALYTICS_RETURN_IF_ERROR(
      AtLeast("cache_warming.active_user_threshold_days", w.active_user_threshold_days, 1));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("cache_warming.batch_size", w.batch_size, 1));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("cache_warming.top_users", w.top_users, 1));
  for (const std::string& name : w.metrics_to_cache) {
    if (!model::IsStatName(name)) {
      return InvalidArgument("cache_warming.metrics_to_cache",
                             "cache_warming.metrics_to_cache: unknown stat '" + name +
                                 "'; expected any of " + model::StatNameList());
    }
  }
  return Ok();
}

Result<void> ValidateAlerts(const AlertOptions& a) {
  ANALYTICS_RETURN_IF_ERROR(InRange("alerts.sample_interval_s", a.sample_interval_s, 1, 86400));
  ANALYTICS_RETURN_IF_ERROR(InRange("alerts.retention_days", a.retention_days, 1, 3660));
  for (const auto& [name, target] : a.targets) {
    ANALYTICS_RETURN_IF_ERROR(NotEmpty("alerts.targets." + name, target));
  }
  return Ok();
}

Result<void> ValidateBackupMethod(const Config& config) {
  const std::string& method = config.backup.method;
  if (method != "dump" && method != "pgbackrest") {
    return InvalidArgument("backup.method",
                           "backup.method must be dump or pgbackrest, got '" + method + "'");
  }
  if (method == "pgbackrest" && config.database.url.rfind("sqlite://", 0) == 0) {
    return InvalidArgument("backup.method",
                           "backup.method pgbackrest needs a PostgreSQL database.url; "
                           "use dump with SQLite");
  }
  if (method == "pgbackrest") {
    ANALYTICS_RETURN_IF_ERROR(
        NotEmpty("backup.pgbackrest_stanza", config.backup.pgbackrest_stanza));
  }
  return Ok();
}

}  // namespace

Result<void> Validate(const Config& config) {
  ANALYTICS_RETURN_IF_ERROR(ValidateServer(config.server));
  ANALYTICS_RETURN_IF_ERROR(ValidateDatabase(config.database));
  ANALYTICS_RETURN_IF_ERROR(ValidateCache(config.cache));
  ANALYTICS_RETURN_IF_ERROR(ValidateAuth(config.auth));
  ANALYTICS_RETURN_IF_ERROR(ValidateRateLimit(config.rate_limit));
  ANALYTICS_RETURN_IF_ERROR(ValidateLimits(config.limits));
  ANALYTICS_RETURN_IF_ERROR(ValidateLogging(config.logging));
  ANALYTICS_RETURN_IF_ERROR(ValidateJobs(config.jobs));
  ANALYTICS_RETURN_IF_ERROR(ValidateCacheWarming(config.cache_warming));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("archive.retention_years", config.archive.retention_years, 1));
  ANALYTICS_RETURN_IF_ERROR(NotEmpty("backup.dir", config.backup.dir));
  ANALYTICS_RETURN_IF_ERROR(AtLeast("backup.retention_days", config.backup.retention_days, 1));
  ANALYTICS_RETURN_IF_ERROR(ValidateBackupMethod(config));
  return ValidateAlerts(config.alerts);
}

}  // namespace analytics::config

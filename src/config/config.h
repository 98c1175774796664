// The one configuration tree (SPEC §1): plain structs with in-class defaults.
// Each field's comment gives its YAML key and env override. Loaded once at
// start-up by config::Load (loader.cc); constructors take only their slice.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/stat_names.h"

namespace analytics::config {

struct ServerOptions {
  std::string host = "127.0.0.1";      // server.host
  int port = 8080;                     // server.port; flag --port
  int workers = 4;                     // server.workers; env WORKERS; flag --workers
  int io_threads = 1;                  // server.io_threads: threads doing socket I/O only
  int max_connections = 1024;          // server.max_connections: past it, 503 and close
  int max_queued_requests = 256;       // server.max_queued_requests: waiting for a worker
  bool metrics_require_admin = false;  // server.metrics_require_admin

  bool operator==(const ServerOptions&) const = default;
};

struct DatabaseOptions {
  std::string url = "sqlite:///./var/analytics.db";   // database.url; env DATABASE_URL
  int pool_size = 20;                                 // database.pool_size
  int max_overflow = 10;                              // database.max_overflow
  bool pool_pre_ping = true;                          // database.pool_pre_ping
  std::chrono::seconds pool_recycle{3600};            // database.pool_recycle
  std::chrono::milliseconds statement_timeout{5000};  // database.statement_timeout_ms
  std::chrono::milliseconds pool_timeout{2000};       // database.pool_timeout_ms
  std::vector<std::string> replica_urls;              // database.replica_urls

  bool operator==(const DatabaseOptions&) const = default;
};

struct CacheOptions {
  std::string url = "memory";  // cache.url; env REDIS_URL; "memory" or redis://host:port/N
  std::chrono::seconds ttl_overview{300};    // cache.ttl_overview; 0 = do not cache
  std::chrono::seconds ttl_metrics{300};     // cache.ttl_metrics; 0 = do not cache
  std::size_t memory_max_entries = 100'000;  // cache.memory_max_entries: in-process LRU bound

  bool operator==(const CacheOptions&) const = default;
};

struct AuthOptions {
  std::string admin_token;  // auth.admin_token; env ANALYTICS_ADMIN_TOKEN; empty = no admin token

  bool operator==(const AuthOptions&) const = default;
};

struct RateLimitOptions {
  bool enabled = true;              // rate_limit.enabled
  double requests_per_second = 50;  // rate_limit.requests_per_second
  double burst = 100;               // rate_limit.burst
  // Per client address, for bearer tokens that matched nobody: checked
  // before the database lookup, drawn on by each failure, so a flood of
  // made-up tokens costs at most this many queries a second.
  double failed_auth_per_second = 1;  // rate_limit.failed_auth_per_second
  double failed_auth_burst = 20;      // rate_limit.failed_auth_burst
  // Per user, for token rotations (each one drops cached tokens everywhere).
  double rotations_per_minute = 6;  // rate_limit.rotations_per_minute
  double rotation_burst = 5;        // rate_limit.rotation_burst

  bool operator==(const RateLimitOptions&) const = default;
};

struct LimitOptions {
  std::size_t max_body_bytes = 1 << 20;         // limits.max_body_bytes
  std::size_t max_batch_body_bytes = 16 << 20;  // limits.max_batch_body_bytes (tasks:batch)
  std::size_t max_header_bytes = 16 << 10;      // limits.max_header_bytes
  std::chrono::seconds idle_timeout{60};        // limits.idle_timeout_s
  std::chrono::seconds request_timeout{30};     // limits.request_timeout_s

  bool operator==(const LimitOptions&) const = default;
};

struct LoggingOptions {
  std::string dir = "./var/log";          // logging.dir
  std::string level = "info";             // logging.level: trace, debug, info, warn, error
  std::size_t max_file_bytes = 50 << 20;  // logging.max_file_bytes: rotate past this size
  int max_files = 5;                      // logging.max_files: rotated files kept

  bool operator==(const LoggingOptions&) const = default;
};

struct JobOptions {
  bool scheduler_enabled = true;           // jobs.scheduler_enabled
  std::string log_dir = "./var/log/jobs";  // jobs.log_dir
  std::map<std::string, std::string> schedules = {
      {"daily_aggregation", "30 0 * * *"},
      {"cache_warming", "0 */6 * * *"},
      {"refresh_views", "0 18 * * *"},
      {"maintenance", "0 2 * * 0"},
      {"archive", "0 2 * * 0#1"},
      {"backup", "0 3 * * *"},
      {"backup_incremental", "0 9,15,21 * * *"},
      {"restore_drill", "0 5 * * 0"},
  };  // jobs.schedules.<job>: cron, 5 fields, UTC ("" = not scheduled); 0#1 = first Sunday

  bool operator==(const JobOptions&) const = default;
};

struct CacheWarmingOptions {
  int active_user_threshold_days = 7;  // cache_warming.active_user_threshold_days
  int batch_size = 10;                 // cache_warming.batch_size
  int top_users = 1000;                // cache_warming.top_users
  // cache_warming.metrics_to_cache: any of these five stat names (SPEC §3)
  std::vector<std::string> metrics_to_cache =
      std::vector<std::string>(model::kStatNames.begin(), model::kStatNames.end());

  bool operator==(const CacheWarmingOptions&) const = default;
};

struct ArchiveOptions {
  int retention_years = 2;  // archive.retention_years

  bool operator==(const ArchiveOptions&) const = default;
};

struct BackupOptions {
  std::string dir = "./var/backups";  // backup.dir
  int retention_days = 30;            // backup.retention_days
  std::string upload_command;         // backup.upload_command
  std::string method = "dump";        // backup.method: dump | pgbackrest (PostgreSQL only)
  std::string pgbackrest_stanza = "analytics";  // backup.pgbackrest_stanza
  std::string pgbackrest_config;  // backup.pgbackrest_config: pgbackrest.conf ("" = its default)

  bool operator==(const BackupOptions&) const = default;
};

struct AlertOptions {
  std::string rules_file;                      // alerts.rules_file
  int sample_interval_s = 15;                  // alerts.sample_interval_s
  int retention_days = 14;                     // alerts.retention_days: signal samples kept
  std::map<std::string, std::string> targets;  // alerts.targets: action name -> URL or command

  bool operator==(const AlertOptions&) const = default;
};

struct Config {
  ServerOptions server;
  DatabaseOptions database;
  CacheOptions cache;
  AuthOptions auth;
  RateLimitOptions rate_limit;
  LimitOptions limits;
  LoggingOptions logging;
  JobOptions jobs;
  CacheWarmingOptions cache_warming;
  ArchiveOptions archive;
  BackupOptions backup;
  AlertOptions alerts;

  bool operator==(const Config&) const = default;
};

// Where the configuration came from, for the start-up log line.
struct LoadedConfig {
  Config config;
  std::string source;  // the YAML file read, or "built-in defaults"
};

// Environment variables that override the file (SPEC §1).
struct Environment {
  std::map<std::string, std::string> vars;  // only the names below are read
  static Environment FromProcess();         // DATABASE_URL, REDIS_URL, WORKERS,
                                            // ANALYTICS_ADMIN_TOKEN, ANALYTICS_CONFIG
};

// Loads defaults, then the YAML file (`explicit_path`, else ANALYTICS_CONFIG,
// else /etc/analytics/config.yml if it exists), then env overrides, then
// validates. Errors: kInvalidArgument naming the key path ("cache.ttl_overview:
// must be >= 0", "unknown key server.prot"), or the file that cannot be read.
Result<LoadedConfig> Load(const std::string& explicit_path, const Environment& env);

// Parses YAML text over the defaults (no env, no validation of files on disk).
Result<Config> ParseYaml(const std::string& yaml_text);

// Checks every value's range; the error names the key path.
Result<void> Validate(const Config& config);

// The effective configuration as YAML in the layout of config/config.example.yml
// (every key, section by section), for the start-up log and `config show`.
// Secrets are redacted: a non-empty auth.admin_token becomes "***", and so does
// the password of every URL (see RedactUrl). ParseYaml(Describe(c)) == c when
// `c` holds no secrets.
std::string Describe(const Config& config);

// `url` with the password replaced by "***": in the userinfo
// ("postgresql://app:***@db/x", "redis://:***@cache:6379/0") and in a
// "password=" query parameter. Anything that is not a URL comes back unchanged.
std::string RedactUrl(std::string_view url);

}  // namespace analytics::config

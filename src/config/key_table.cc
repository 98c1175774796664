#include "config/key_table.h"

#include <algorithm>
#include <numeric>

#include "config/yaml_codec.h"

namespace analytics::config::detail {
namespace {

template <auto kSection, auto kField>
constexpr KeySpec Key(std::string_view path) {
  return KeySpec{
      path,
      [](const YAML::Node& node, std::string_view p, Config& config) {
        return Decode(node, p, config.*kSection.*kField);
      },
      [](YAML::Emitter& out, const Config& config) { Encode(out, config.*kSection.*kField); }};
}

// jobs.schedules: a map of job name to cron text. Each entry replaces the
// default of that job only, so a file may name just the job it changes.
Result<void> DecodeSchedules(const YAML::Node& node, std::string_view path, Config& config) {
  std::map<std::string, std::string> given;
  ANALYTICS_RETURN_IF_ERROR(Decode(node, path, given));
  const std::map<std::string, std::string> defaults = JobOptions{}.schedules;
  std::vector<std::string> known;
  for (const auto& [job, cron] : defaults) known.push_back(std::string(path) + "." + job);
  for (auto& [job, cron] : given) {
    if (defaults.count(job) == 0) {
      const std::string job_path = std::string(path) + "." + job;
      return UnknownKey(job_path, node[job], Closest(job_path, known));
    }
    config.jobs.schedules[job] = std::move(cron);
  }
  return Ok();
}

constexpr KeySpec kKeys[] = {
    Key<&Config::server, &ServerOptions::host>("server.host"),
    Key<&Config::server, &ServerOptions::port>("server.port"),
    Key<&Config::server, &ServerOptions::workers>("server.workers"),
    Key<&Config::server, &ServerOptions::io_threads>("server.io_threads"),
    Key<&Config::server, &ServerOptions::max_connections>("server.max_connections"),
    Key<&Config::server, &ServerOptions::max_queued_requests>("server.max_queued_requests"),
    Key<&Config::server, &ServerOptions::metrics_require_admin>("server.metrics_require_admin"),
    Key<&Config::database, &DatabaseOptions::url>("database.url"),
    Key<&Config::database, &DatabaseOptions::pool_size>("database.pool_size"),
    Key<&Config::database, &DatabaseOptions::max_overflow>("database.max_overflow"),
    Key<&Config::database, &DatabaseOptions::pool_pre_ping>("database.pool_pre_ping"),
    Key<&Config::database, &DatabaseOptions::pool_recycle>("database.pool_recycle"),
    Key<&Config::database, &DatabaseOptions::statement_timeout>("database.statement_timeout_ms"),
    Key<&Config::database, &DatabaseOptions::pool_timeout>("database.pool_timeout_ms"),
    Key<&Config::database, &DatabaseOptions::replica_urls>("database.replica_urls"),
    Key<&Config::cache, &CacheOptions::url>("cache.url"),
    Key<&Config::cache, &CacheOptions::ttl_overview>("cache.ttl_overview"),
    Key<&Config::cache, &CacheOptions::ttl_metrics>("cache.ttl_metrics"),
    Key<&Config::cache, &CacheOptions::memory_max_entries>("cache.memory_max_entries"),
    Key<&Config::auth, &AuthOptions::admin_token>("auth.admin_token"),
    Key<&Config::rate_limit, &RateLimitOptions::enabled>("rate_limit.enabled"),
    Key<&Config::rate_limit, &RateLimitOptions::requests_per_second>(
        "rate_limit.requests_per_second"),
    Key<&Config::rate_limit, &RateLimitOptions::burst>("rate_limit.burst"),
    Key<&Config::rate_limit, &RateLimitOptions::failed_auth_per_second>(
        "rate_limit.failed_auth_per_second"),
    Key<&Config::rate_limit, &RateLimitOptions::failed_auth_burst>("rate_limit.failed_auth_burst"),
    Key<&Config::rate_limit, &RateLimitOptions::rotations_per_minute>(
        "rate_limit.rotations_per_minute"),
    Key<&Config::rate_limit, &RateLimitOptions::rotation_burst>("rate_limit.rotation_burst"),
    Key<&Config::limits, &LimitOptions::max_body_bytes>("limits.max_body_bytes"),
    Key<&Config::limits, &LimitOptions::max_batch_body_bytes>("limits.max_batch_body_bytes"),
    Key<&Config::limits, &LimitOptions::max_header_bytes>("limits.max_header_bytes"),
    Key<&Config::limits, &LimitOptions::idle_timeout>("limits.idle_timeout_s"),
    Key<&Config::limits, &LimitOptions::request_timeout>("limits.request_timeout_s"),
    Key<&Config::logging, &LoggingOptions::dir>("logging.dir"),
    Key<&Config::logging, &LoggingOptions::level>("logging.level"),
    Key<&Config::logging, &LoggingOptions::max_file_bytes>("logging.max_file_bytes"),
    Key<&Config::logging, &LoggingOptions::max_files>("logging.max_files"),
    Key<&Config::jobs, &JobOptions::scheduler_enabled>("jobs.scheduler_enabled"),
    Key<&Config::jobs, &JobOptions::log_dir>("jobs.log_dir"),
    KeySpec{"jobs.schedules", DecodeSchedules,
            [](YAML::Emitter& out, const Config& config) { Encode(out, config.jobs.schedules); }},
    Key<&Config::cache_warming, &CacheWarmingOptions::active_user_threshold_days>(
        "cache_warming.active_user_threshold_days"),
    Key<&Config::cache_warming, &CacheWarmingOptions::batch_size>("cache_warming.batch_size"),
    Key<&Config::cache_warming, &CacheWarmingOptions::top_users>("cache_warming.top_users"),
    Key<&Config::cache_warming, &CacheWarmingOptions::metrics_to_cache>(
        "cache_warming.metrics_to_cache"),
    Key<&Config::archive, &ArchiveOptions::retention_years>("archive.retention_years"),
    Key<&Config::backup, &BackupOptions::dir>("backup.dir"),
    Key<&Config::backup, &BackupOptions::retention_days>("backup.retention_days"),
    Key<&Config::backup, &BackupOptions::upload_command>("backup.upload_command"),
    Key<&Config::backup, &BackupOptions::method>("backup.method"),
    Key<&Config::backup, &BackupOptions::pgbackrest_stanza>("backup.pgbackrest_stanza"),
    Key<&Config::backup, &BackupOptions::pgbackrest_config>("backup.pgbackrest_config"),
    Key<&Config::alerts, &AlertOptions::rules_file>("alerts.rules_file"),
    Key<&Config::alerts, &AlertOptions::sample_interval_s>("alerts.sample_interval_s"),
    Key<&Config::alerts, &AlertOptions::retention_days>("alerts.retention_days"),
    Key<&Config::alerts, &AlertOptions::targets>("alerts.targets"),
};

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const KeySpec> Keys() { return kKeys; }

const KeySpec* FindKey(std::string_view path) {
  for (const KeySpec& key : kKeys) {
    if (key.path == path) return &key;
  }
  return nullptr;
}

bool IsSection(std::string_view name) {
  return std::any_of(std::begin(kKeys), std::end(kKeys),
                     [name](const KeySpec& key) { return key.section() == name; });
}

std::string Closest(std::string_view word, const std::vector<std::string>& candidates) {
  constexpr std::size_t kMaxDistance = 2;
  std::string best;
  std::size_t best_distance = kMaxDistance + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string SuggestKey(std::string_view path) {
  std::vector<std::string> paths;
  for (const KeySpec& key : kKeys) {
    const std::string section(key.section());
    if (std::find(paths.begin(), paths.end(), section) == paths.end()) paths.push_back(section);
    paths.emplace_back(key.path);
  }
  if (std::string closest = Closest(path, paths); !closest.empty()) return closest;

  const std::string_view last = path.substr(path.rfind('.') + 1);
  const KeySpec* match = nullptr;
  for (const KeySpec& key : kKeys) {
    if (key.name() != last) continue;
    if (match != nullptr) return "";  // "url" could be database.url or cache.url
    match = &key;
  }
  return match != nullptr ? std::string(match->path) : "";
}

Error UnknownKey(std::string_view path, const YAML::Node& key_node, std::string_view suggestion) {
  std::string message = "unknown key '" + std::string(path) + "'" + LineOf(key_node);
  if (!suggestion.empty()) message += "; did you mean '" + std::string(suggestion) + "'?";
  return InvalidArgument(std::string(path), std::move(message));
}

}  // namespace analytics::config::detail

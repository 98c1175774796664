// Shared inputs of the config tests: a document that sets every key to a
// value other than its default, and helpers for files and key lists.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace analytics::config {

// gtest prints a Config as its YAML instead of as raw bytes.
inline void PrintTo(const Config& config, std::ostream* out) { *out << "\n" << Describe(config); }

namespace testing {

// Every key of config.h set to a non-default value. No secrets, so that
// Describe leaves it unchanged (auth.admin_token is set by the tests that need it).
inline constexpr char kFullYaml[] = R"yaml(
server:
  host: 0.0.0.0
  port: 9090
  workers: 8
  io_threads: 2
  max_connections: 2048
  max_queued_requests: 512
  metrics_require_admin: true
database:
  url: "postgresql://app@db.internal:5432/analytics"
  pool_size: 40
  max_overflow: 5
  pool_pre_ping: false
  pool_recycle: 1800
  statement_timeout_ms: 2500
  pool_timeout_ms: 750
  replica_urls: ["postgresql://r1/analytics", "postgres://r2/analytics"]
cache:
  url: "redis://cache:6379/2"
  ttl_overview: 120
  ttl_metrics: 0
  memory_max_entries: 5000
auth:
  admin_token: ""
rate_limit:
  enabled: false
  requests_per_second: 12.5
  burst: 30
  failed_auth_per_second: 0.5
  failed_auth_burst: 7
  rotations_per_minute: 2
  rotation_burst: 3
limits:
  max_body_bytes: 2097152
  max_batch_body_bytes: 33554432
  max_header_bytes: 8192
  idle_timeout_s: 15
  request_timeout_s: 10
logging:
  dir: /var/log/app
  level: debug
  max_file_bytes: 1048576
  max_files: 3
jobs:
  scheduler_enabled: false
  log_dir: /var/log/app/jobs
  schedules:
    daily_aggregation: "15 1 * * *"
    cache_warming: "0 */4 * * *"
    refresh_views: "30 17 * * *"
    maintenance: "0 3 * * 6"
    archive: "0 4 1 * *"
    backup: "0 5 * * *"
    backup_incremental: "0 */4 * * *"
    restore_drill: "0 6 * * 6"
cache_warming:
  active_user_threshold_days: 14
  batch_size: 25
  top_users: 50
  metrics_to_cache: [completion_rate, productivity_score]
archive:
  retention_years: 5
backup:
  dir: /srv/backups
  retention_days: 7
  upload_command: "aws s3 cp {file} s3://backups/analytics/"
  method: pgbackrest
  pgbackrest_stanza: main
  pgbackrest_config: /etc/pgbackrest/analytics.conf
alerts:
  rules_file: /etc/analytics/alerts.yml
  sample_interval_s: 30
  targets: {Page: "https://pager.example/hook", Notify: notify-send}
)yaml";

// config/config.example.yml, found from this file's place in the tree.
inline std::filesystem::path ExampleConfigPath() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "config" /
         "config.example.yml";
}

// The key paths of a block-style YAML document ("server", "server.port",
// "jobs.schedules.backup"), from its indentation; comments and list items are skipped.
inline std::set<std::string> KeyPathsOf(const std::string& yaml) {
  std::set<std::string> paths;
  std::vector<std::pair<std::size_t, std::string>> open;  // indent, path
  std::istringstream lines(yaml);
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line[indent] == '#' || line[indent] == '-') continue;
    const std::size_t colon = line.find(':', indent);
    if (colon == std::string::npos) continue;
    while (!open.empty() && open.back().first >= indent) open.pop_back();
    std::string path = open.empty() ? "" : open.back().second + ".";
    path += line.substr(indent, colon - indent);
    paths.insert(path);
    open.emplace_back(indent, path);
  }
  return paths;
}

// Passes when `text` contains `part`; on failure shows both.
inline ::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// Writes `text` to `path`; returns `path`.
inline std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The elements of `a` that are not in `b`.
inline std::set<std::string> Minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

}  // namespace testing
}  // namespace analytics::config

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config_test_data.h"

namespace analytics::config {
namespace {

using testing::Contains;

TEST(ParseYaml, EmptyTextGivesDefaults) {
  Result<Config> config = ParseYaml("");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(ParseYaml, OnlyCommentsGivesDefaults) {
  Result<Config> config = ParseYaml("# nothing here\n\n   # still nothing\n");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(ParseYaml, EmptySectionKeepsDefaults) {
  Result<Config> config = ParseYaml("server:\ndatabase:\n");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(ParseYaml, DefaultsMatchTheSpec) {
  const Config config;

  EXPECT_EQ(config.server.host, "127.0.0.1");
  EXPECT_EQ(config.server.port, 8080);
  EXPECT_EQ(config.server.workers, 4);
  EXPECT_EQ(config.database.url, "sqlite:///./var/analytics.db");
  EXPECT_EQ(config.database.pool_recycle, std::chrono::seconds(3600));
  EXPECT_EQ(config.database.statement_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(config.cache.url, "memory");
  EXPECT_EQ(config.cache.ttl_overview, std::chrono::seconds(300));
  EXPECT_EQ(config.jobs.schedules.at("daily_aggregation"), "30 0 * * *");
  EXPECT_EQ(config.jobs.schedules.size(), 8u);
  EXPECT_EQ(config.backup.method, "dump");
  EXPECT_EQ(config.cache_warming.metrics_to_cache.size(), 5u);
  EXPECT_TRUE(Validate(config).ok());
}

TEST(ParseYaml, EveryKeyIsRead) {
  Result<Config> parsed = ParseYaml(testing::kFullYaml);

  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Config& c = *parsed;
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9090);
  EXPECT_EQ(c.server.workers, 8);
  EXPECT_EQ(c.server.io_threads, 2);
  EXPECT_EQ(c.server.max_connections, 2048);
  EXPECT_EQ(c.server.max_queued_requests, 512);
  EXPECT_TRUE(c.server.metrics_require_admin);
  EXPECT_EQ(c.database.url, "postgresql://app@db.internal:5432/analytics");
  EXPECT_EQ(c.database.pool_size, 40);
  EXPECT_EQ(c.database.max_overflow, 5);
  EXPECT_FALSE(c.database.pool_pre_ping);
  EXPECT_EQ(c.database.pool_recycle, std::chrono::seconds(1800));
  EXPECT_EQ(c.database.statement_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(c.database.pool_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(c.database.replica_urls,
            (std::vector<std::string>{"postgresql://r1/analytics", "postgres://r2/analytics"}));
  EXPECT_EQ(c.cache.url, "redis://cache:6379/2");
  EXPECT_EQ(c.cache.ttl_overview, std::chrono::seconds(120));
  EXPECT_EQ(c.cache.ttl_metrics, std::chrono::seconds(0));
  EXPECT_EQ(c.cache.memory_max_entries, 5000u);
  EXPECT_FALSE(c.rate_limit.enabled);
  EXPECT_DOUBLE_EQ(c.rate_limit.requests_per_second, 12.5);
  EXPECT_DOUBLE_EQ(c.rate_limit.burst, 30);
  EXPECT_DOUBLE_EQ(c.rate_limit.failed_auth_per_second, 0.5);
  EXPECT_DOUBLE_EQ(c.rate_limit.failed_auth_burst, 7);
  EXPECT_DOUBLE_EQ(c.rate_limit.rotations_per_minute, 2);
  EXPECT_DOUBLE_EQ(c.rate_limit.rotation_burst, 3);
  EXPECT_EQ(c.limits.max_body_bytes, 2097152u);
  EXPECT_EQ(c.limits.max_batch_body_bytes, 33554432u);
  EXPECT_EQ(c.limits.max_header_bytes, 8192u);
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::seconds(15));
  EXPECT_EQ(c.limits.request_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.logging.dir, "/var/log/app");
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.max_file_bytes, 1048576u);
  EXPECT_EQ(c.logging.max_files, 3);
  EXPECT_FALSE(c.jobs.scheduler_enabled);
  EXPECT_EQ(c.jobs.log_dir, "/var/log/app/jobs");
  EXPECT_EQ(c.jobs.schedules, (std::map<std::string, std::string>{
                                  {"daily_aggregation", "15 1 * * *"},
                                  {"cache_warming", "0 */4 * * *"},
                                  {"refresh_views", "30 17 * * *"},
                                  {"maintenance", "0 3 * * 6"},
                                  {"archive", "0 4 1 * *"},
                                  {"backup", "0 5 * * *"},
                                  {"backup_incremental", "0 */4 * * *"},
                                  {"restore_drill", "0 6 * * 6"},
                              }));
  EXPECT_EQ(c.cache_warming.active_user_threshold_days, 14);
  EXPECT_EQ(c.cache_warming.batch_size, 25);
  EXPECT_EQ(c.cache_warming.top_users, 50);
  EXPECT_EQ(c.cache_warming.metrics_to_cache,
            (std::vector<std::string>{"completion_rate", "productivity_score"}));
  EXPECT_EQ(c.archive.retention_years, 5);
  EXPECT_EQ(c.backup.dir, "/srv/backups");
  EXPECT_EQ(c.backup.retention_days, 7);
  EXPECT_EQ(c.backup.upload_command, "aws s3 cp {file} s3://backups/analytics/");
  EXPECT_EQ(c.backup.method, "pgbackrest");
  EXPECT_EQ(c.backup.pgbackrest_stanza, "main");
  EXPECT_EQ(c.backup.pgbackrest_config, "/etc/pgbackrest/analytics.conf");
  EXPECT_EQ(c.alerts.rules_file, "/etc/analytics/alerts.yml");
  EXPECT_EQ(c.alerts.sample_interval_s, 30);
  EXPECT_EQ(c.alerts.targets,
            (std::map<std::string, std::string>{{"Page", "https://pager.example/hook"},
                                                {"Notify", "notify-send"}}));
}

TEST(ParseYaml, AdminTokenIsRead) {
  Result<Config> config = ParseYaml("auth:\n  admin_token: abc123abc123abc123abc123abc123abc123\n");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->auth.admin_token, "abc123abc123abc123abc123abc123abc123");
}

TEST(ParseYaml, ScheduleReplacesOnlyThatJob) {
  Result<Config> config = ParseYaml("jobs:\n  schedules:\n    backup: \"15 4 * * *\"\n");

  ASSERT_TRUE(config.ok()) << config.error().message;
  std::map<std::string, std::string> expected = JobOptions{}.schedules;
  expected["backup"] = "15 4 * * *";
  EXPECT_EQ(config->jobs.schedules, expected);
}

TEST(ParseYaml, UnknownTopLevelKeyIsNamedWithSuggestion) {
  Result<Config> config = ParseYaml("servr:\n  port: 1\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(config.error().field, "servr");
  EXPECT_TRUE(Contains(config.error().message, "unknown key 'servr'"));
  EXPECT_TRUE(Contains(config.error().message, "did you mean 'server'?"));
}

TEST(ParseYaml, UnknownNestedKeyIsNamedWithSuggestionAndLine) {
  Result<Config> config = ParseYaml("server:\n  host: a\n  prot: 9000\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "server.prot");
  EXPECT_TRUE(Contains(config.error().message, "unknown key 'server.prot'"));
  EXPECT_TRUE(Contains(config.error().message, "line 3"));
  EXPECT_TRUE(Contains(config.error().message, "did you mean 'server.port'?"));
}

TEST(ParseYaml, UnknownKeyFarFromAnyKnownKeyHasNoSuggestion) {
  Result<Config> config = ParseYaml("server:\n  colour: blue\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "server.colour");
  EXPECT_FALSE(Contains(config.error().message, "did you mean"));
}

TEST(ParseYaml, KeyOutsideItsSectionSuggestsTheSection) {
  Result<Config> config = ParseYaml("port: 9000\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "port");
  EXPECT_TRUE(Contains(config.error().message, "did you mean 'server.port'?"));
}

TEST(ParseYaml, UnknownJobIsNamedWithSuggestion) {
  Result<Config> config = ParseYaml("jobs:\n  schedules:\n    backp: \"0 3 * * *\"\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "jobs.schedules.backp");
  EXPECT_TRUE(Contains(config.error().message, "did you mean 'jobs.schedules.backup'?"));
}

TEST(ParseYaml, SyntaxErrorNamesTheLine) {
  Result<Config> config = ParseYaml("server:\n  port: 8080\n  host: [unclosed\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(config.error().message, "YAML syntax error at line 4"));
}

TEST(ParseYaml, TabIndentationIsASyntaxErrorWithItsLine) {
  Result<Config> config = ParseYaml("server:\n\tport: 1\n");

  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(Contains(config.error().message, "line 2"));
}

TEST(ParseYaml, DocumentThatIsNotAMapIsRejected) {
  Result<Config> config = ParseYaml("- server\n- database\n");

  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(Contains(config.error().message, "must be a map of sections"));
}

TEST(ParseYaml, DuplicateKeyIsRejected) {
  Result<Config> config = ParseYaml("server:\n  port: 1\n  port: 2\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "server.port");
  EXPECT_TRUE(Contains(config.error().message, "duplicate key"));
}

struct BadValueCase {
  const char* yaml;
  const char* field;
  const char* says;  // a fragment of the message
};

class ParseYamlBadValue : public ::testing::TestWithParam<BadValueCase> {};

TEST_P(ParseYamlBadValue, IsRejectedNamingTheKey) {
  const BadValueCase& c = GetParam();

  Result<Config> config = ParseYaml(c.yaml);

  ASSERT_FALSE(config.ok()) << c.yaml;
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(config.error().field, c.field) << config.error().message;
  EXPECT_TRUE(Contains(config.error().message, c.field));
  EXPECT_TRUE(Contains(config.error().message, c.says));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseYamlBadValue,
    ::testing::Values(
        BadValueCase{"server:\n  port: \"abc\"\n", "server.port", "must be an integer"},
        BadValueCase{"server:\n  port: 80.5\n", "server.port", "must be an integer"},
        BadValueCase{"server:\n  port: 70000\n", "server.port", "from 0 to 65535"},
        BadValueCase{"server:\n  port:\n", "server.port", "got nothing"},
        BadValueCase{"server:\n  workers: -1\n", "server.workers", "from 1 to 1024"},
        BadValueCase{"server:\n  io_threads: 65\n", "server.io_threads", "from 1 to 64"},
        BadValueCase{"server: [8080]\n", "server", "must be a map"},
        BadValueCase{"server: 8080\n", "server", "must be a map"},
        BadValueCase{"server:\n  metrics_require_admin: maybe\n", "server.metrics_require_admin",
                     "true or false"},
        BadValueCase{"database:\n  url: mysql://db/x\n", "database.url", "sqlite://"},
        BadValueCase{"database:\n  pool_size: 0\n", "database.pool_size", "from 1 to 1000"},
        BadValueCase{"database:\n  pool_recycle: -5\n", "database.pool_recycle", ">= 0"},
        BadValueCase{"database:\n  statement_timeout_ms: 1s\n", "database.statement_timeout_ms",
                     "milliseconds"},
        BadValueCase{"database:\n  replica_urls: postgres://r/x\n", "database.replica_urls",
                     "a list"},
        BadValueCase{"database:\n  replica_urls: [[postgres://r/x]]\n", "database.replica_urls[0]",
                     "a string"},
        BadValueCase{"database:\n  replica_urls: [\"redis://r\"]\n", "database.replica_urls[0]",
                     "postgresql://"},
        BadValueCase{"cache:\n  url: memcached://c\n", "cache.url", "redis://"},
        BadValueCase{"cache:\n  ttl_overview: -1\n", "cache.ttl_overview", "from 0 to 2592000"},
        BadValueCase{"cache:\n  ttl_metrics: 2592001\n", "cache.ttl_metrics", "from 0 to 2592000"},
        BadValueCase{"cache:\n  memory_max_entries: 0\n", "cache.memory_max_entries", ">= 1"},
        BadValueCase{"rate_limit:\n  requests_per_second: fast\n", "rate_limit.requests_per_second",
                     "a number"},
        BadValueCase{"rate_limit:\n  requests_per_second: nan\n", "rate_limit.requests_per_second",
                     "a number"},
        BadValueCase{"rate_limit:\n  requests_per_second: 0\n", "rate_limit.requests_per_second",
                     "> 0"},
        BadValueCase{"rate_limit:\n  burst: 0.5\n", "rate_limit.burst", ">= 1"},
        BadValueCase{"limits:\n  max_body_bytes: -5\n", "limits.max_body_bytes", "non-negative"},
        BadValueCase{"limits:\n  max_body_bytes: 0\n", "limits.max_body_bytes", "from 1 to"},
        BadValueCase{"limits:\n  max_batch_body_bytes: 1073741825\n", "limits.max_batch_body_bytes",
                     "from 1 to 1073741824"},
        BadValueCase{"limits:\n  max_header_bytes: 512\n", "limits.max_header_bytes",
                     "from 1024 to 1048576"},
        BadValueCase{"limits:\n  idle_timeout_s: 0\n", "limits.idle_timeout_s", ">= 1"},
        BadValueCase{"limits:\n  request_timeout_s: 0\n", "limits.request_timeout_s", ">= 1"},
        BadValueCase{"logging:\n  level: verbose\n", "logging.level", "trace, debug"},
        BadValueCase{"logging:\n  dir: \"\"\n", "logging.dir", "must not be empty"},
        BadValueCase{"jobs:\n  log_dir:\n", "jobs.log_dir", "must not be empty"},
        BadValueCase{"jobs:\n  schedules: [backup]\n", "jobs.schedules", "a map"},
        BadValueCase{"jobs:\n  schedules:\n    backup: daily\n", "jobs.schedules.backup",
                     "5 fields"},
        BadValueCase{"jobs:\n  schedules:\n    backup: \"0 3 * *\"\n", "jobs.schedules.backup",
                     "5 fields"},
        BadValueCase{"jobs:\n  schedules:\n    nightly: \"0 3 * * *\"\n", "jobs.schedules.nightly",
                     "unknown key"},
        BadValueCase{"cache_warming:\n  batch_size: 0\n", "cache_warming.batch_size", ">= 1"},
        BadValueCase{"cache_warming:\n  metrics_to_cache: [task_totals, velocity]\n",
                     "cache_warming.metrics_to_cache", "velocity"},
        BadValueCase{"archive:\n  retention_years: 0\n", "archive.retention_years", ">= 1"},
        BadValueCase{"backup:\n  retention_days: 0\n", "backup.retention_days", ">= 1"},
        BadValueCase{"alerts:\n  sample_interval_s: 0\n", "alerts.sample_interval_s",
                     "from 1 to 86400"},
        BadValueCase{"alerts:\n  targets: [pager]\n", "alerts.targets", "a map"},
        BadValueCase{"alerts:\n  targets:\n    Page: [a, b]\n", "alerts.targets.Page",
                     "a string"}));

}  // namespace
}  // namespace analytics::config

namespace analytics::config {
namespace {

TEST(ParseYaml, TextThatIsNotUtf8IsRefused) {
  Result<Config> config = ParseYaml("server:\n  host: \"caf\xE9\"\n");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "yaml");
  EXPECT_NE(config.error().message.find("UTF-8"), std::string::npos);
}

}  // namespace
}  // namespace analytics::config

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "config/config.h"

namespace analytics::config {
namespace {

TEST(Validate, AcceptsTheDefaults) { EXPECT_TRUE(Validate(Config{}).ok()); }

struct Edit {
  const char* what;
  std::function<void(Config&)> apply;
};

class ValidateAccepts : public ::testing::TestWithParam<Edit> {};

TEST_P(ValidateAccepts, ValueAtTheLimit) {
  Config config;
  GetParam().apply(config);

  Result<void> valid = Validate(config);

  EXPECT_TRUE(valid.ok()) << GetParam().what << ": " << valid.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Limits, ValidateAccepts,
    ::testing::Values(
        Edit{"port 0", [](Config& c) { c.server.port = 0; }},
        Edit{"port 65535", [](Config& c) { c.server.port = 65535; }},
        Edit{"workers 1024", [](Config& c) { c.server.workers = 1024; }},
        Edit{"io_threads 64", [](Config& c) { c.server.io_threads = 64; }},
        Edit{"postgres://", [](Config& c) { c.database.url = "postgres://db/x"; }},
        Edit{"postgresql://", [](Config& c) { c.database.url = "postgresql://u:p@db/x"; }},
        Edit{"max_overflow 0", [](Config& c) { c.database.max_overflow = 0; }},
        Edit{"pool_recycle 0", [](Config& c) { c.database.pool_recycle = {}; }},
        Edit{"redis url", [](Config& c) { c.cache.url = "redis://cache:6379/3"; }},
        Edit{"ttl 0", [](Config& c) { c.cache.ttl_overview = {}; }},
        Edit{"ttl 30 days", [](Config& c) { c.cache.ttl_metrics = std::chrono::seconds(2592000); }},
        Edit{"burst 1", [](Config& c) { c.rate_limit.burst = 1; }},
        Edit{"body 1 GiB", [](Config& c) { c.limits.max_body_bytes = 1 << 30; }},
        Edit{"header 1 KiB", [](Config& c) { c.limits.max_header_bytes = 1024; }},
        Edit{"header 1 MiB", [](Config& c) { c.limits.max_header_bytes = 1 << 20; }},
        Edit{"level trace", [](Config& c) { c.logging.level = "trace"; }},
        Edit{"no stats to warm", [](Config& c) { c.cache_warming.metrics_to_cache.clear(); }},
        Edit{"cron lists", [](Config& c) { c.jobs.schedules["backup"] = "0,30 1-5/2 * * 1-5"; }}));

struct BadEdit {
  const char* field;
  std::function<void(Config&)> apply;
};

class ValidateRejects : public ::testing::TestWithParam<BadEdit> {};

TEST_P(ValidateRejects, NamingTheKey) {
  Config config;
  GetParam().apply(config);

  Result<void> valid = Validate(config);

  ASSERT_FALSE(valid.ok()) << GetParam().field;
  EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(valid.error().field, GetParam().field) << valid.error().message;
  EXPECT_NE(valid.error().message.find(GetParam().field), std::string::npos)
      << valid.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Limits, ValidateRejects,
    ::testing::Values(
        BadEdit{"server.host", [](Config& c) { c.server.host.clear(); }},
        BadEdit{"alerts.sample_interval_s", [](Config& c) { c.alerts.sample_interval_s = 86401; }},
        BadEdit{"alerts.retention_days", [](Config& c) { c.alerts.retention_days = 3661; }},
        BadEdit{"server.port", [](Config& c) { c.server.port = -1; }},
        BadEdit{"server.port", [](Config& c) { c.server.port = 65536; }},
        BadEdit{"server.workers", [](Config& c) { c.server.workers = 0; }},
        BadEdit{"server.workers", [](Config& c) { c.server.workers = 1025; }},
        BadEdit{"server.io_threads", [](Config& c) { c.server.io_threads = 0; }},
        BadEdit{"server.max_connections", [](Config& c) { c.server.max_connections = 0; }},
        BadEdit{"server.max_queued_requests", [](Config& c) { c.server.max_queued_requests = 0; }},
        BadEdit{"database.url", [](Config& c) { c.database.url = "sqlite://"; }},
        BadEdit{"database.url", [](Config& c) { c.database.url = "./var/analytics.db"; }},
        BadEdit{"database.pool_size", [](Config& c) { c.database.pool_size = 1001; }},
        BadEdit{"database.max_overflow", [](Config& c) { c.database.max_overflow = -1; }},
        BadEdit{"database.statement_timeout_ms",
                [](Config& c) { c.database.statement_timeout = std::chrono::milliseconds(-1); }},
        BadEdit{"database.pool_timeout_ms",
                [](Config& c) { c.database.pool_timeout = std::chrono::milliseconds(-1); }},
        BadEdit{"cache.url", [](Config& c) { c.cache.url = "Memory"; }},
        BadEdit{"cache.url", [](Config& c) { c.cache.url = "redis://"; }},
        BadEdit{"rate_limit.requests_per_second",
                [](Config& c) { c.rate_limit.requests_per_second = -1; }},
        BadEdit{"rate_limit.burst", [](Config& c) { c.rate_limit.burst = 0; }},
        BadEdit{"rate_limit.failed_auth_per_second",
                [](Config& c) { c.rate_limit.failed_auth_per_second = 0; }},
        BadEdit{"rate_limit.failed_auth_burst",
                [](Config& c) { c.rate_limit.failed_auth_burst = 0.5; }},
        BadEdit{"rate_limit.rotations_per_minute",
                [](Config& c) { c.rate_limit.rotations_per_minute = -1; }},
        BadEdit{"rate_limit.rotation_burst", [](Config& c) { c.rate_limit.rotation_burst = 0; }},
        BadEdit{"limits.max_body_bytes",
                [](Config& c) { c.limits.max_body_bytes = (1u << 30) + 1; }},
        BadEdit{"limits.max_header_bytes",
                [](Config& c) { c.limits.max_header_bytes = (1u << 20) + 1; }},
        BadEdit{"logging.level", [](Config& c) { c.logging.level = "INFO"; }},
        BadEdit{"logging.max_files", [](Config& c) { c.logging.max_files = 0; }},
        BadEdit{"logging.max_file_bytes", [](Config& c) { c.logging.max_file_bytes = 0; }},
        BadEdit{"jobs.schedules.backup", [](Config& c) { c.jobs.schedules["backup"] = "@daily"; }},
        BadEdit{"jobs.schedules.weekly",
                [](Config& c) { c.jobs.schedules["weekly"] = "0 0 * * 0"; }},
        BadEdit{"cache_warming.active_user_threshold_days",
                [](Config& c) { c.cache_warming.active_user_threshold_days = 0; }},
        BadEdit{"cache_warming.top_users", [](Config& c) { c.cache_warming.top_users = 0; }},
        BadEdit{"backup.dir", [](Config& c) { c.backup.dir.clear(); }},
        BadEdit{"backup.method", [](Config& c) { c.backup.method = "tar"; }},
        BadEdit{"backup.method", [](Config& c) { c.backup.method = "pgbackrest"; }},  // SQLite
        BadEdit{"backup.pgbackrest_stanza",
                [](Config& c) {
                  c.database.url = "postgresql://localhost/analytics";
                  c.backup.method = "pgbackrest";
                  c.backup.pgbackrest_stanza.clear();
                }},
        BadEdit{"alerts.targets.Page", [](Config& c) { c.alerts.targets["Page"] = ""; }}));

}  // namespace
}  // namespace analytics::config

namespace analytics::config {
namespace {

TEST(Validate, AdminTokenIsEmptyOrAtLeast32TokenCharacters) {
  Config config;
  for (const char* good :
       {"", "0123456789abcdef0123456789abcdef",
        "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Cg==", "a-b.c_d~e+f/g=h0123456789ABCDEFGH"}) {
    config.auth.admin_token = good;
    EXPECT_TRUE(Validate(config).ok()) << good;
  }
  for (const char* bad :
       {"secret", "0123456789abcdef0123456789abcde", "0123456789abcdef 0123456789abcdef",
        "0123456789abcdef0123456789abcdef\n", "0123456789abcdef0123456789abcdef\xC3\xA9"}) {
    config.auth.admin_token = bad;
    Result<void> valid = Validate(config);
    ASSERT_FALSE(valid.ok()) << bad;
    EXPECT_EQ(valid.error().field, "auth.admin_token");
    EXPECT_EQ(valid.error().message.find(bad), std::string::npos) << "the token is echoed";
  }
}

}  // namespace
}  // namespace analytics::config

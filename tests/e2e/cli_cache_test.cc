// `analytics cache stats | invalidate | flush | warm` and `analytics
// anomalies` (SPEC §7), the real binary: on Redis directly (our keys only,
// another program's key survives a flush), on the in-process cache through a
// running server's admin API, and anomalies planted in a real database.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "e2e/child_process.h"
#include "storage/open_database.h"
#include "support/backends.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr char kToken[] = "e2e-cache-admin-token-0123456789abcdef01234";

// Runs redis-cli against `url` (redis://host:port/db), its output to the
// file `out`; returns the output.
std::string RedisCli(const std::string& url, const std::string& args, const std::string& out) {
  test::RunCommand("redis-cli -u '" + url + "' " + args + " > '" + out + "' 2>&1");
  std::string text = ReadFileText(out);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

class CliCacheRedis : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ANALYTICS_REQUIRE_BACKEND(test::Backend::kPostgresRedis);
    lease_ = std::make_unique<test::BackendLease>(test::Backend::kPostgresRedis, lease_dir_);
  }
  RunResult Cli(const std::vector<std::string>& args) {
    return Run(args, {{"DATABASE_URL", lease_->database_url()}, {"REDIS_URL", lease_->cache_url()}},
               seconds(30));
  }
  std::string RedisCli(const std::string& url, const std::string& args) {
    return e2e::RedisCli(url, args, Path("redis-cli.out"));
  }
  test::TempDir lease_dir_;
  std::unique_ptr<test::BackendLease> lease_;
};

TEST_F(CliCacheRedis, StatsCountOurKeysAndFlushLeavesOthers) {
  const std::string url = lease_->cache_url();
  RedisCli(url, "SET analytics:overview:u1 '{}'");
  RedisCli(url, "SET analytics:completion_rate:u2 '{}'");
  RedisCli(url, "SET someone-else:key kept");
  RedisCli(url, "GET analytics:overview:u1");
  RedisCli(url, "GET analytics:nothing:u9");

  RunResult stats = Cli({"--json", "cache", "stats"});
  RunResult table = Cli({"cache", "stats"});

  ASSERT_EQ(stats.code(), 0) << stats.Describe();
  Json s = Json::parse(stats.out, nullptr, false);
  EXPECT_EQ(s["backend"], "redis");
  EXPECT_EQ(s["keys"], 2);
  EXPECT_EQ(s["all_keys"], 3);
  EXPECT_GT(s["used_memory_bytes"].get<double>(), 0);
  EXPECT_GE(s["hits"].get<double>(), 1);
  EXPECT_GE(s["misses"].get<double>(), 1);
  EXPECT_TRUE(s["hit_rate"].is_number());
  EXPECT_TRUE(s["evictions"].is_number());
  EXPECT_EQ(table.code(), 0) << table.Describe();
  EXPECT_TRUE(Contains(table.out, "hit rate"));

  RunResult invalidated = Cli({"cache", "invalidate", "u1"});
  EXPECT_EQ(invalidated.code(), 0) << invalidated.Describe();
  EXPECT_EQ(RedisCli(url, "EXISTS analytics:overview:u1"), "0");
  EXPECT_EQ(RedisCli(url, "EXISTS analytics:completion_rate:u2"), "1");

  RunResult flushed = Cli({"cache", "flush"});
  EXPECT_EQ(flushed.code(), 0) << flushed.Describe();
  EXPECT_EQ(RedisCli(url, "EXISTS analytics:completion_rate:u2"), "0");
  EXPECT_EQ(RedisCli(url, "GET someone-else:key"), "kept");
}

TEST_F(CliCacheRedis, WarmRunsTheCacheWarmingJob) {
  RunResult warm = Cli({"--json", "cache", "warm", "--top-users", "5"});

  ASSERT_EQ(warm.code(), 0) << warm.Describe();
  Json w = Json::parse(warm.out, nullptr, false);
  EXPECT_EQ(w["job"], "cache_warming");
  EXPECT_EQ(w["status"], "succeeded");
  RunResult status = Cli({"--json", "job", "status", "cache_warming"});
  EXPECT_TRUE(Contains(status.out, "succeeded")) << status.Describe();
}

TEST_F(CliCacheRedis, BadUserIsAUsageError) {
  RunResult bad = Cli({"cache", "invalidate", "no spaces allowed"});

  EXPECT_EQ(bad.code(), 2) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err, "USER"));
}

class CliCacheMemory : public E2eTest {};

TEST_F(CliCacheMemory, CommandsAskTheRunningServer) {
  const int port = FreePort();
  WriteFileText(Path("config.yml"), "server:\n  port: " + std::to_string(port) + "\n");
  const Env env{{"ANALYTICS_ADMIN_TOKEN", kToken}};
  auto server = Start({"--config", "config.yml", "serve"}, env);
  ASSERT_TRUE(WaitHealthy(*server, port));

  RunResult stats = Run({"--config", "config.yml", "--json", "cache", "stats"}, env);
  RunResult flush = Run({"--config", "config.yml", "cache", "flush"}, env);
  RunResult invalidate = Run({"--config", "config.yml", "cache", "invalidate", "u1"}, env);
  RunResult warm = Run({"--config", "config.yml", "cache", "warm"}, env);
  RunResult no_token = Run({"--config", "config.yml", "cache", "flush"});

  ASSERT_EQ(stats.code(), 0) << stats.Describe();
  Json s = Json::parse(stats.out, nullptr, false);
  EXPECT_EQ(s["backend"], "memory");
  EXPECT_TRUE(s["keys"].is_number()) << stats.out;
  EXPECT_EQ(flush.code(), 0) << flush.Describe();
  EXPECT_EQ(invalidate.code(), 0) << invalidate.Describe();
  EXPECT_EQ(warm.code(), 0) << warm.Describe();
  EXPECT_TRUE(Contains(warm.out, "cache_warming"));
  EXPECT_EQ(no_token.code(), 4) << no_token.Describe();
  EXPECT_TRUE(Contains(no_token.err, "auth.admin_token"));
}

TEST_F(CliCacheMemory, StatsWithoutAServerSaySo) {
  WriteFileText(Path("config.yml"), "server:\n  port: " + std::to_string(FreePort()) + "\n");

  RunResult stats = Run({"--config", "config.yml", "cache", "stats"});

  EXPECT_EQ(stats.code(), 4) << stats.Describe();
  EXPECT_TRUE(Contains(stats.err, "in-process cache lives in the server"));
}

// anomalies on every backend: clean exits 0, a planted one exits 1 naming it.
class CliAnomalies : public E2eTest, public ::testing::WithParamInterface<test::Backend> {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), lease_dir_);
  }
  RunResult Cli(const std::vector<std::string>& args) {
    return Run(args, {{"DATABASE_URL", lease_->database_url()}, {"REDIS_URL", lease_->cache_url()}},
               seconds(30));
  }
  void Sql(const std::string& sql) {
    config::DatabaseOptions options;
    options.url = lease_->database_url();
    auto db = storage::OpenDatabase(options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    Result<void> done =
        (*db)->InTransaction([&](storage::Transaction& tx) { return tx.ExecuteScript(sql); });
    ASSERT_TRUE(done.ok()) << done.error().message;
  }
  test::TempDir lease_dir_;
  std::unique_ptr<test::BackendLease> lease_;
};

TEST_P(CliAnomalies, CleanIsZeroAndAPlantedAnomalyIsOneNamingIt) {
  RunResult clean = Cli({"anomalies", "--date", "2024-03-10"});
  ASSERT_EQ(clean.code(), 0) << clean.Describe();
  EXPECT_TRUE(Contains(clean.out, "no anomalies on 2024-03-10"));

  Sql("INSERT INTO users (id, created_at, token_hash, token_rotated_at) VALUES ('u1', "
      "'2024-01-01T00:00:00.000000Z', 'h', '2024-01-01T00:00:00.000000Z');"
      "INSERT INTO daily_analytics (user_id, date, tasks_created, tasks_completed, total_tasks, "
      "completed_tasks, completion_rate, productivity_score, computed_at) VALUES ('u1', "
      "'2024-03-10', 0, 0, 1, 2, 200, 50, '2024-03-11T00:00:00.000000Z');");
  RunResult found = Cli({"--json", "anomalies", "--date", "2024-03-10"});
  RunResult other_day = Cli({"anomalies", "--date", "2024-03-11"});
  RunResult bad = Cli({"anomalies", "--date", "yesterday"});

  ASSERT_EQ(found.code(), 1) << found.Describe();
  Json report = Json::parse(found.out, nullptr, false);
  EXPECT_EQ(report["date"], "2024-03-10");
  EXPECT_EQ(report["clean"], false);
  ASSERT_EQ(report["findings"].size(), 1u) << found.out;
  EXPECT_EQ(report["findings"][0]["kind"], "completion_rate_out_of_range");
  EXPECT_EQ(report["findings"][0]["user_id"], "u1");
  EXPECT_TRUE(Contains(found.err, "1 anomaly on 2024-03-10"));
  EXPECT_EQ(other_day.code(), 0) << other_day.Describe();
  EXPECT_EQ(bad.code(), 2) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err, "--date"));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, CliAnomalies,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::e2e

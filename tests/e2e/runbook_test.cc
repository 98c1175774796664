// The runbook's own commands (SPEC §9), run with the real psql, redis-cli and
// analytics CLI against a server on a private PostgreSQL + Redis pair: view
// refreshes, the EXPLAIN of the slow-query procedure, cache invalidation by
// hand, the TTL scan, and the hit-rate formula on `info stats` and /metrics.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/backend_env.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr int kUsers = 50;
constexpr int kTasksPerUser = 100;
constexpr std::array<const char*, 4> kStatuses = {"todo", "in_progress", "done", "cancelled"};
constexpr std::array<const char*, 4> kPriorities = {"low", "medium", "high", "urgent"};

std::string UserId(int i) {
  std::string id = std::to_string(i);
  return "rb-" + std::string(3 - id.size(), '0') + id;
}

// `field:value` of `redis-cli info stats`.
double InfoStat(const std::string& info, const std::string& field) {
  std::smatch m;
  if (!std::regex_search(info, m, std::regex("(^|\n)" + field + ":(\\d+)"))) return -1;
  return std::stod(m[2]);
}

// The runbook's formula: hits / (hits + misses), or 0 with no lookups.
double HitRate(const std::string& info) {
  const double hits = InfoStat(info, "keyspace_hits");
  const double misses = InfoStat(info, "keyspace_misses");
  return hits + misses > 0 ? hits / (hits + misses) : 0;
}

// The value of an unlabelled series in Prometheus text, or -1.
double MetricValue(const std::string& text, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("(^|\n)" + name + " ([0-9.e+-]+)"))) return -1;
  return std::stod(m[2]);
}

class Runbook : public ServicesSuite {};

TEST_F(Runbook, DatabaseAndCacheProceduresWorkWithTheRealTools) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  ASSERT_TRUE(server->running());
  ApiClient admin(port, kServicesAdminToken);
  std::map<std::string, Totals> expected;
  for (int u = 0; u < kUsers; ++u) {
    const std::string uid = UserId(u);
    ASSERT_FALSE(admin.CreateUser(uid).empty());
    Json batch = Json::array();
    for (int t = 0; t < kTasksPerUser; ++t) {
      const std::string status = kStatuses[(t * t + u) % kStatuses.size()];
      batch.push_back({{"title", "task " + std::to_string(t)},
                       {"status", status},
                       {"priority", kPriorities[(t + u) % kPriorities.size()]}});
      expected[uid].Add(status, 1);
    }
    testing::HttpResult created =
        admin.Send("POST", "/api/v1/users/" + uid + "/tasks:batch", batch.dump());
    ASSERT_EQ(created.status, 201) << created.body;
  }
  const std::string uid = UserId(7);
  const Totals& mine = expected[uid];

  // Evening procedure: the job, then the four refreshes by hand.
  RunResult job = Run({"job", "run", "refresh_views"}, ServiceEnv(), seconds(60));
  ASSERT_EQ(job.code(), 0) << job.Describe();
  ShellResult stats = services().Psql(
      "SELECT total_tasks, done FROM user_task_stats WHERE user_id = '" + uid + "'");
  EXPECT_EQ(stats.code, 0) << stats.out;
  EXPECT_EQ(stats.out, std::to_string(mine.total) + "|" + std::to_string(mine.done) + "\n")
      << "the job refreshed user_task_stats";
  for (const char* view : {"user_task_stats", "user_priority_distribution",
                           "user_status_distribution", "user_monthly_trends"}) {
    ShellResult refresh =
        services().Psql(std::string("REFRESH MATERIALIZED VIEW CONCURRENTLY ") + view);
    EXPECT_EQ(refresh.code, 0) << view << ": " << refresh.out;
  }

  // Slow-query procedure: ANALYZE, then the runbook's EXPLAIN ANALYZE uses an index.
  ShellResult analyzed = services().Psql("ANALYZE tasks");
  ASSERT_EQ(analyzed.code, 0) << analyzed.out;
  ShellResult plan = services().Psql("EXPLAIN ANALYZE SELECT * FROM tasks WHERE user_id = '" + uid +
                                     "' AND status = 'done'");
  ShellResult indexes =
      services().Psql("SELECT indexname FROM pg_indexes WHERE tablename = 'tasks'");
  ASSERT_EQ(plan.code, 0) << plan.out;
  std::smatch scan;
  ASSERT_TRUE(std::regex_search(
      plan.out, scan,
      std::regex(R"((Index Only Scan|Index Scan|Bitmap Index Scan) (using|on) (\w+))")))
      << plan.out;
  std::set<std::string> task_indexes;
  std::istringstream lines(indexes.out);
  for (std::string line; std::getline(lines, line);) task_indexes.insert(line);
  EXPECT_EQ(task_indexes.count(scan[3]), 1u)
      << scan[3] << " is not an index of tasks: " << indexes.out;
  EXPECT_EQ(plan.out.find("Seq Scan"), std::string::npos) << plan.out;

  // Manual invalidation: DEL one key, the next read misses and is right.
  EXPECT_EQ(admin.Overview(uid).status, 200);
  testing::HttpResult cached = admin.Overview(uid);
  EXPECT_EQ(cached.Header("X-Cache"), "hit");
  EXPECT_EQ(mine.Mismatch(cached.body), "");
  ShellResult del = services().RedisCli("DEL analytics:overview:" + uid);
  EXPECT_EQ(del.out, "1\n") << "the overview key is named as the runbook says";
  testing::HttpResult after_del = admin.Overview(uid);
  EXPECT_EQ(after_del.Header("X-Cache"), "miss");
  EXPECT_EQ(mine.Mismatch(after_del.body), "");

  // Every analytics:* key has a TTL (the runbook's scan deletes those at -1).
  for (int u = 0; u < 5; ++u) {
    EXPECT_EQ(admin.Overview(UserId(u)).status, 200);
    EXPECT_EQ(admin.Send("GET", "/api/v1/users/" + UserId(u) + "/analytics/task_totals").status,
              200);
  }
  ShellResult scanned = services().RedisCli("--scan --pattern 'analytics:*'");
  ASSERT_EQ(scanned.code, 0) << scanned.out;
  std::vector<std::string> keys = Lines(scanned.out);
  EXPECT_GE(keys.size(), 11u) << scanned.out;
  EXPECT_TRUE(Contains(scanned.out, "analytics:overview:" + uid + "\n"));
  EXPECT_TRUE(Contains(scanned.out, "analytics:task_totals:" + UserId(0) + "\n"));
  for (const std::string& key : keys) {
    ShellResult ttl = services().RedisCli("TTL " + ShellQuote(key));
    EXPECT_GT(std::atoi(ttl.out.c_str()), 0) << key << " has TTL " << ttl.out;
  }

  // Hit rate, by the runbook's formula on info stats and on /metrics.
  const std::string info_before = services().RedisCli("info stats").out;
  const std::string metrics_before = testing::Get(port, "/metrics").body;
  constexpr int kReads = 20;
  for (int r = 0; r < kReads; ++r) {
    testing::HttpResult read = admin.Overview(uid);
    EXPECT_EQ(read.Header("X-Cache"), "hit");
  }
  const std::string info_after = services().RedisCli("info stats").out;
  const std::string metrics_after = testing::Get(port, "/metrics").body;
  EXPECT_GT(InfoStat(info_before, "keyspace_misses"), 0) << info_before;
  EXPECT_GE(InfoStat(info_after, "keyspace_hits"), InfoStat(info_before, "keyspace_hits") + kReads)
      << info_after;
  EXPECT_GT(HitRate(info_after), HitRate(info_before));
  const double hits_before = MetricValue(metrics_before, "analytics_cache_hits_total");
  const double misses_before = MetricValue(metrics_before, "analytics_cache_misses_total");
  EXPECT_GE(hits_before, 0) << metrics_before;
  EXPECT_GT(misses_before, 0) << metrics_before;
  EXPECT_GE(MetricValue(metrics_after, "analytics_cache_hits_total"), hits_before + kReads);

  // FLUSHDB only causes misses, with the right numbers, and caching goes on.
  EXPECT_EQ(services().RedisCli("FLUSHDB").out, "OK\n");
  testing::HttpResult flushed = admin.Overview(uid);
  testing::HttpResult refilled = admin.Overview(uid);
  const std::string metrics_flushed = testing::Get(port, "/metrics").body;
  EXPECT_EQ(flushed.status, 200);
  EXPECT_EQ(flushed.Header("X-Cache"), "miss");
  EXPECT_EQ(mine.Mismatch(flushed.body), "");
  EXPECT_EQ(refilled.Header("X-Cache"), "hit");
  EXPECT_GT(MetricValue(metrics_flushed, "analytics_cache_misses_total"),
            MetricValue(metrics_after, "analytics_cache_misses_total"));

  // `job status` shows the refresh (the runbook's check_job_status).
  RunResult status = Run({"--json", "job", "status", "refresh_views"}, ServiceEnv());
  RunResult table = Run({"job", "status", "refresh_views"}, ServiceEnv());
  ASSERT_EQ(status.code(), 0) << status.Describe();
  Json list = Json::parse(status.out, nullptr, false);
  ASSERT_TRUE(list.is_array() && list.size() == 1) << status.Describe();
  EXPECT_EQ(list[0].value("last_run_status", ""), "succeeded") << status.out;
  EXPECT_EQ(table.code(), 0) << table.Describe();
  EXPECT_TRUE(Contains(table.out, "refresh_views"));
  std::cout << "[ figures  ] hit_rate_before=" << HitRate(info_before)
            << " hit_rate_after=" << HitRate(info_after) << " keys_scanned=" << keys.size()
            << " plan: " << scan[0] << "\n";
}

}  // namespace
}  // namespace analytics::e2e

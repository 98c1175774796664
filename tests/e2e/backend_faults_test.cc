// The production backends failing under the real binary (SPEC §4, §5, §10):
// Redis killed mid-stream degrades without failing a request; PostgreSQL
// stopped gives fast 503s and recovers without a restart, keeping every
// acknowledged write; two instances on one PostgreSQL and Redis read their
// own and each other's writes. One private PostgreSQL + Redis pair per suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "e2e/backend_env.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::array<const char*, 4> kStatuses = {"todo", "done", "in_progress", "cancelled"};

double MillisBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// One request of a client stream, as the client saw it.
struct Sample {
  SteadyClock::time_point start;
  SteadyClock::time_point end;
  std::string what;
  int status = 0;
  std::string x_cache;
  std::string mismatch;  // read-your-writes violation, if any
  std::string body;
};

Sample Timed(const std::string& what, const std::function<testing::HttpResult()>& send) {
  Sample sample;
  sample.what = what;
  sample.start = SteadyClock::now();
  testing::HttpResult result = send();
  sample.end = SteadyClock::now();
  sample.status = result.status;
  sample.x_cache = result.Header("X-Cache");
  sample.body = std::move(result.body);
  return sample;
}

class BackendFaults : public ServicesSuite {};

// SPEC §5: "Cache failures never fail a request: the server falls back to the
// database and reports degraded"; hits resume when Redis is back.
TEST_F(BackendFaults, RedisKilledMidStreamFailsNoRequestAndHitsResumeAfterRestart) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  ASSERT_TRUE(server->running());
  ApiClient admin(port, kServicesAdminToken);
  const std::string uid = "stream-user";
  const std::string token = admin.CreateUser(uid);
  ASSERT_FALSE(token.empty());
  ApiClient warm(port, token);
  ASSERT_EQ(warm.Overview(uid).Header("X-Cache"), "miss");
  ASSERT_EQ(warm.Overview(uid).Header("X-Cache"), "hit") << "Redis caches before the outage";

  // The stream: a write, then two overview reads that must reflect it.
  std::mutex mutex;
  std::vector<Sample> samples;
  std::atomic<int> count{0};
  std::atomic<bool> stop{false};
  std::thread stream([&] {
    ApiClient client(port, token);
    Totals expected;
    const auto hard_stop = SteadyClock::now() + seconds(25);
    auto record = [&](Sample sample) {
      std::lock_guard lock(mutex);
      samples.push_back(std::move(sample));
      ++count;
    };
    for (int i = 0; !stop && i < 8000 && SteadyClock::now() < hard_stop; ++i) {
      const std::string status = kStatuses[i % kStatuses.size()];
      Sample write = Timed("POST task " + status, [&] { return client.CreateTask(uid, status); });
      if (write.status == 201) expected.Add(status, 1);
      record(std::move(write));
      for (int r = 0; r < 2; ++r) {
        Sample read = Timed("GET overview", [&] { return client.Overview(uid); });
        if (read.status == 200) read.mismatch = expected.Mismatch(read.body);
        record(std::move(read));
      }
    }
  });
  // Ends the stream on every path out of this test, an ASSERT's too.
  struct StreamGuard {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StreamGuard() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } guard{stop, stream};
  auto wait_count = [&](int target, std::chrono::milliseconds limit) {
    const auto deadline = SteadyClock::now() + limit;
    while (count < target && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(10));  // polling the stream's progress
    }
    return count >= target;
  };

  EXPECT_TRUE(wait_count(60, seconds(10))) << "the stream is not moving";
  const auto kill_start = SteadyClock::now();
  ASSERT_TRUE(services().Redis("kill"));
  const auto killed = SteadyClock::now();
  const int at_kill = count;
  // /health while Redis is down; the outage lasts 1.5 s (so the reconnect
  // backoff grows past its first steps), at least 90 stream requests, and
  // until /health has said degraded.
  std::vector<std::string> health_during;
  bool degraded = false;
  const auto outage_limit = killed + seconds(8);
  while ((!degraded || count < at_kill + 90 || SteadyClock::now() < killed + milliseconds(1500)) &&
         SteadyClock::now() < outage_limit) {
    testing::HttpResult health = testing::Get(port, "/health");
    health_during.push_back(std::to_string(health.status) + " " + HealthStatus(health));
    degraded = degraded || (health.status == 200 && HealthStatus(health) == "degraded");
    std::this_thread::sleep_for(milliseconds(50));  // polling /health
  }
  const int during_outage = count - at_kill;
  const auto restart = SteadyClock::now();
  ASSERT_TRUE(services().Redis("start"));
  const auto restarted = SteadyClock::now();
  bool healthy = false;
  while (!healthy && SteadyClock::now() < restarted + seconds(7)) {
    testing::HttpResult health = testing::Get(port, "/health");
    healthy = health.status == 200 && HealthStatus(health) == "healthy";
    if (!healthy) std::this_thread::sleep_for(milliseconds(20));  // polling /health
  }
  const auto healthy_at = SteadyClock::now();
  const int at_healthy = count;
  EXPECT_TRUE(wait_count(at_healthy + 90, seconds(10)));
  stop = true;
  stream.join();
  // Hits resume for repeated reads, in the same server process.
  std::string after;
  for (int r = 0; r < 5 && after != "hit"; ++r) after = warm.Overview(uid).Header("X-Cache");

  EXPECT_TRUE(degraded) << "never saw degraded; /health said:\n"
                        << ::testing::PrintToString(health_during);
  EXPECT_TRUE(healthy) << "not healthy within 7 s of restarting Redis";
  EXPECT_EQ(after, "hit") << "hits did not resume after Redis came back";
  EXPECT_TRUE(server->running()) << server->Stderr();
  EXPECT_GE(during_outage, 90);
  int failed = 0, stale = 0, in_outage = 0, hits_after = 0;
  double max_outage_ms = 0, max_ms = 0;
  for (const Sample& s : samples) {
    const double ms = MillisBetween(s.start, s.end);
    max_ms = std::max(max_ms, ms);
    if (s.status != 200 && s.status != 201) {
      if (++failed <= 5) ADD_FAILURE() << s.what << " -> " << s.status << " " << s.body;
    }
    if (!s.mismatch.empty()) {
      if (++stale <= 5) ADD_FAILURE() << "read-your-writes broken: " << s.mismatch;
    }
    // Every request that overlapped the outage, the one cut mid-command included.
    if (s.end >= kill_start && s.start <= restarted) {
      ++in_outage;
      max_outage_ms = std::max(max_outage_ms, ms);
      EXPECT_LT(ms, 500) << s.what << " during the outage took " << ms << " ms";
    }
    if (s.start >= healthy_at && s.x_cache == "hit") ++hits_after;
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(stale, 0);
  EXPECT_GT(in_outage, 0);
  EXPECT_GT(hits_after, 0) << "the stream saw no hit after Redis came back";
  std::cout << "[ figures  ] requests=" << samples.size() << " during_outage=" << in_outage
            << " max_ms_during_outage=" << max_outage_ms << " max_ms_overall=" << max_ms
            << " kill_ms=" << MillisBetween(kill_start, killed)
            << " outage_ms=" << MillisBetween(killed, restart)
            << " healthy_ms_after_restart=" << MillisBetween(restarted, healthy_at)
            << " stream_hits_after_recovery=" << hits_after << "\n";
}

// SPEC §4: 503 problem+json when a dependency is down; /health unhealthy;
// docs/postgresql.md: calls fail fast and recover without a restart.
TEST_F(BackendFaults, PostgresStoppedGivesFast503sAndRecoversKeepingAcknowledgedWrites) {
  const int port = FreePort();
  auto server = StartServer("serve", port);
  ASSERT_TRUE(server->running());
  ApiClient admin(port, kServicesAdminToken);
  const std::string uid = "pg-user";
  const std::string token = admin.CreateUser(uid);
  ASSERT_FALSE(token.empty());
  ApiClient user(port, token);
  std::vector<std::int64_t> acked;
  for (int i = 0; i < 12; ++i) {
    testing::HttpResult created = user.CreateTask(uid, kStatuses[i % kStatuses.size()]);
    ASSERT_EQ(created.status, 201) << created.body;
    acked.push_back(IdOf(created));
  }
  const std::string some_task = "/api/v1/users/" + uid + "/tasks/" + std::to_string(acked[0]);

  const auto stop_start = SteadyClock::now();
  ASSERT_TRUE(services().Postgres("stop"));
  const auto stopped = SteadyClock::now();
  struct Call {
    std::string name;
    std::function<testing::HttpResult()> send;
  };
  const std::vector<Call> calls = {
      {"POST task", [&] { return user.CreateTask(uid, "todo"); }},
      {"GET tasks", [&] { return user.Send("GET", "/api/v1/users/" + uid + "/tasks"); }},
      {"GET task", [&] { return user.Send("GET", some_task); }},
      {"PATCH task", [&] { return user.Send("PATCH", some_task, R"({"status":"done"})"); }},
      {"DELETE task", [&] { return user.Send("DELETE", some_task); }},
      {"POST task (admin)", [&] { return admin.CreateTask(uid, "done"); }},
      {"POST user (admin)", [&] { return admin.Send("POST", "/api/v1/users", R"({"id":"x"})"); }},
  };
  double max_ms = 0;
  int calls_made = 0;
  for (int round = 0; round < 4; ++round) {
    for (const Call& call : calls) {
      const auto start = SteadyClock::now();
      testing::HttpResult result = call.send();
      const double ms = MillisBetween(start, SteadyClock::now());
      max_ms = std::max(max_ms, ms);
      ++calls_made;
      EXPECT_EQ(result.status, 503) << call.name << ": " << result.body;
      EXPECT_EQ(result.Header("Content-Type"), "application/problem+json") << call.name;
      EXPECT_EQ(Json::parse(result.body, nullptr, false).value("status", 0), 503) << result.body;
      // The database's own words (host, port, user) stay in the log.
      EXPECT_EQ(result.body.find("postgresql"), std::string::npos) << result.body;
      EXPECT_EQ(result.body.find("127.0.0.1"), std::string::npos) << result.body;
      EXPECT_FALSE(result.Header("Retry-After").empty()) << call.name;
      EXPECT_LT(ms, 1000) << call.name << " took " << ms << " ms with the database down";
    }
  }
  // The overview the last write cached is still served, marked as a hit.
  testing::HttpResult cached = user.Overview(uid);
  EXPECT_EQ(cached.status, 200) << cached.body;
  EXPECT_EQ(cached.Header("X-Cache"), "hit");
  EXPECT_EQ(Json::parse(cached.body, nullptr, false)["task_totals"].value("total", 0),
            static_cast<int>(acked.size()))
      << cached.body;
  // /health answers from checks at most a second old: within about a second
  // it says unhealthy, and each answer is quick.
  double health_ms = 0;
  testing::HttpResult health;
  const auto health_deadline = SteadyClock::now() + seconds(3);
  do {
    const auto health_start = SteadyClock::now();
    health = testing::Get(port, "/health");
    health_ms = std::max(health_ms, MillisBetween(health_start, SteadyClock::now()));
    if (health.status != 503) std::this_thread::sleep_for(milliseconds(50));  // polling /health
  } while (health.status != 503 && SteadyClock::now() < health_deadline);
  Json health_json = Json::parse(health.body, nullptr, false);
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_EQ(HealthStatus(health), "unhealthy") << health.body;
  EXPECT_EQ(health_json["checks"]["database"].value("status", ""), "down") << health.body;
  EXPECT_EQ(health.body.find("127.0.0.1"), std::string::npos) << health.body;
  EXPECT_EQ(health.body.find("connect"), std::string::npos) << health.body;
  EXPECT_LT(health_ms, 1000);

  ASSERT_TRUE(services().Postgres("start"));
  const auto started = SteadyClock::now();
  bool recovered = false;
  while (!recovered && SteadyClock::now() < started + seconds(10)) {
    testing::HttpResult created = user.CreateTask(uid, "in_progress");
    recovered = created.status == 201;
    if (recovered) acked.push_back(IdOf(created));
    if (!recovered) std::this_thread::sleep_for(milliseconds(50));  // polling recovery
  }
  const double recovery_ms = MillisBetween(started, SteadyClock::now());
  ASSERT_TRUE(recovered) << "writes still fail 10 s after PostgreSQL came back";
  testing::HttpResult created_after = user.CreateTask(uid, "done");
  ASSERT_EQ(created_after.status, 201) << created_after.body;
  acked.push_back(IdOf(created_after));
  testing::HttpResult health_after = testing::Get(port, "/health");

  EXPECT_EQ(health_after.status, 200) << health_after.body;
  EXPECT_EQ(HealthStatus(health_after), "healthy") << health_after.body;
  std::sort(acked.begin(), acked.end());
  EXPECT_EQ(ListTaskIds(user, uid), acked)
      << "the stored tasks must be exactly the acknowledged writes";
  testing::HttpResult overview = user.Overview(uid);
  EXPECT_EQ(overview.status, 200) << overview.body;
  EXPECT_EQ(Json::parse(overview.body, nullptr, false)["task_totals"].value("total", -1),
            static_cast<int>(acked.size()))
      << overview.body;
  EXPECT_TRUE(server->running()) << server->Stderr();
  std::cout << "[ figures  ] pg_stop_ms=" << MillisBetween(stop_start, stopped)
            << " calls_during_outage=" << calls_made << " max_ms_during_outage=" << max_ms
            << " health_ms=" << health_ms << " first_201_ms_after_start_returned=" << recovery_ms
            << "\n";
}

// SPEC §10 + §3 freshness: any number of instances on one PostgreSQL and
// Redis; a write through A is seen by the very next read through B, even when
// B had the old value cached.
TEST_F(BackendFaults, TwoInstancesReadEachOthersWritesThroughTheSharedCache) {
  const int port_a = FreePort();
  const int port_b = FreePort();
  auto a = StartServer("a", port_a);
  auto b = StartServer("b", port_b);
  ASSERT_TRUE(a->running() && b->running());
  ApiClient admin(port_a, kServicesAdminToken);
  const std::string uid = "twin-user";
  const std::string token = admin.CreateUser(uid);
  ASSERT_FALSE(token.empty());
  ApiClient via_a(port_a, token);
  ApiClient via_b(port_b, token);
  struct Known {
    std::int64_t id;
    std::string status;
  };
  std::vector<Known> live, deleted;
  Totals expected;
  int warm_hits = 0, fresh_misses = 0;
  constexpr int kRounds = 60;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    via_b.Overview(uid);
    testing::HttpResult warmed = via_b.Overview(uid);
    ASSERT_EQ(warmed.status, 200) << warmed.body;
    EXPECT_EQ(warmed.Header("X-Cache"), "hit") << "B's second read must come from the cache";
    warm_hits += warmed.Header("X-Cache") == "hit";
    EXPECT_EQ(expected.Mismatch(warmed.body), "");

    std::string op;
    testing::HttpResult written;
    if (round % 4 == 0) {
      const std::string status = kStatuses[(round / 4) % kStatuses.size()];
      op = "create " + status;
      written = via_a.CreateTask(uid, status);
      ASSERT_EQ(written.status, 201) << written.body;
      live.push_back({IdOf(written), status});
      expected.Add(status, 1);
    } else if (round % 4 == 1) {
      Known& task = live[round % live.size()];
      const std::string status = kStatuses[(round / 4 + 1) % kStatuses.size()];
      op = "patch " + task.status + " -> " + status;
      written = via_a.Send("PATCH", "/api/v1/users/" + uid + "/tasks/" + std::to_string(task.id),
                           R"({"status":")" + status + R"("})");
      ASSERT_EQ(written.status, 200) << written.body;
      expected.Add(task.status, -1);
      expected.Add(status, 1);
      task.status = status;
    } else if (round % 4 == 2) {
      const std::size_t index = round % live.size();
      Known task = live[index];
      op = "delete " + task.status;
      written = via_a.Send("DELETE", "/api/v1/users/" + uid + "/tasks/" + std::to_string(task.id));
      ASSERT_EQ(written.status, 200) << written.body;
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(index));
      deleted.push_back(task);
      expected.Add(task.status, -1);
    } else {
      Known task = deleted.front();
      op = "restore " + task.status;
      written = via_a.Send(
          "POST", "/api/v1/users/" + uid + "/tasks/" + std::to_string(task.id) + "/restore");
      ASSERT_EQ(written.status, 200) << written.body;
      deleted.erase(deleted.begin());
      live.push_back(task);
      expected.Add(task.status, 1);
    }
    testing::HttpResult next = via_b.Overview(uid);

    ASSERT_EQ(next.status, 200) << next.body;
    EXPECT_EQ(expected.Mismatch(next.body), "") << "after " << op << " through A";
    fresh_misses += next.Header("X-Cache") == "miss";
  }
  EXPECT_EQ(warm_hits, kRounds);
  std::cout << "[ figures  ] rounds=" << kRounds << " warm_hits_on_B=" << warm_hits
            << " misses_after_write=" << fresh_misses << " final " << expected.Describe() << "\n";
}

}  // namespace
}  // namespace analytics::e2e

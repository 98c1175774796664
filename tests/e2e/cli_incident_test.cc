// `analytics incident create | list | resolve` and `analytics notify` (SPEC
// §7), the real binary on every backend: who and when are stored, bad input
// is a usage error naming the flag, deliveries reach a real webhook receiver
// and a real command and are recorded in `notifications`.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "e2e/child_process.h"
#include "http/server_fixture.h"
#include "storage/open_database.h"
#include "support/backends.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

class CliIncident : public E2eTest, public ::testing::WithParamInterface<test::Backend> {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), lease_dir_);
  }

  Env BackendEnv(const std::string& user = "ann") const {
    Env env{{"DATABASE_URL", lease_->database_url()}, {"REDIS_URL", lease_->cache_url()}};
    if (!user.empty()) env["USER"] = user;
    return env;
  }

  RunResult Cli(std::vector<std::string> args, const std::string& user = "ann") {
    return Run(args, BackendEnv(user), seconds(30));
  }

  // The rows of `notifications`, read straight from the database.
  std::vector<storage::Row> Notifications() {
    config::DatabaseOptions options;
    options.url = lease_->database_url();
    auto db = storage::OpenDatabase(options);
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return {};
    std::vector<storage::Row> rows;
    Result<void> read = (*db)->Read([&](storage::Transaction& tx) -> Result<void> {
      auto got = tx.Query(
          "SELECT target, subject, severity, status, attempts, error, created_by "
          "FROM notifications ORDER BY target");
      if (!got.ok()) return got.error();
      rows = *got;
      return Ok();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return rows;
  }

  test::TempDir lease_dir_;
  std::unique_ptr<test::BackendLease> lease_;
};

TEST_P(CliIncident, CreateListResolveStoresWhoAndWhen) {
  RunResult made = Cli({"--json", "incident", "create", "--severity", "P0", "--title",
                        "Analytics System Outage", "--description", "503s"});
  RunResult second = Cli({"incident", "create", "--severity", "P2", "--title", "slow"}, "");
  ASSERT_EQ(made.code(), 0) << made.Describe();
  Json incident = Json::parse(made.out, nullptr, false);
  ASSERT_TRUE(incident.is_object()) << made.Describe();
  const std::string id = std::to_string(incident["id"].get<std::int64_t>());
  EXPECT_EQ(incident["severity"], "P0");
  EXPECT_EQ(incident["description"], "503s");
  EXPECT_EQ(incident["status"], "open");
  EXPECT_EQ(incident["created_by"], "ann");
  EXPECT_TRUE(incident["created_at"].is_string());
  ASSERT_EQ(second.code(), 0) << second.Describe();
  EXPECT_TRUE(Contains(second.out, "SEVERITY"));
  EXPECT_TRUE(Contains(second.out, "cli")) << "no $USER: created_by is cli";

  RunResult resolved = Cli({"--json", "incident", "resolve", id, "--note", "failed over"}, "bob");
  RunResult open = Cli({"--json", "incident", "list", "--open"});
  RunResult all = Cli({"incident", "list"});

  ASSERT_EQ(resolved.code(), 0) << resolved.Describe();
  Json r = Json::parse(resolved.out, nullptr, false);
  EXPECT_EQ(r["status"], "resolved");
  EXPECT_EQ(r["resolved_by"], "bob");
  EXPECT_EQ(r["resolution_note"], "failed over");
  ASSERT_EQ(open.code(), 0) << open.Describe();
  Json open_list = Json::parse(open.out, nullptr, false);
  ASSERT_TRUE(open_list.is_array() && open_list.size() == 1) << open.Describe();
  EXPECT_EQ(open_list[0]["title"], "slow");
  ASSERT_EQ(all.code(), 0) << all.Describe();
  EXPECT_TRUE(Contains(all.out, "Analytics System Outage"));
  EXPECT_TRUE(Contains(all.out, "resolved"));
  EXPECT_EQ(Lines(all.out).size(), 3u) << all.out;
}

TEST_P(CliIncident, BadSeverityIsAUsageErrorNamingTheFlag) {
  RunResult bad = Cli({"incident", "create", "--severity", "P7", "--title", "x"});
  RunResult empty_title = Cli({"incident", "create", "--severity", "P1", "--title", " "});
  RunResult missing = Cli({"incident", "create", "--title", "x"});

  EXPECT_EQ(bad.code(), 2) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err, "--severity"));
  EXPECT_EQ(empty_title.code(), 2) << empty_title.Describe();
  EXPECT_TRUE(Contains(empty_title.err, "--title"));
  EXPECT_EQ(missing.code(), 2) << missing.Describe();
  EXPECT_TRUE(Contains(missing.err, "--severity"));
  RunResult list = Cli({"--json", "incident", "list"});
  EXPECT_EQ(list.out, "[]\n") << list.Describe();
}

TEST_P(CliIncident, ResolvingAnUnknownOrResolvedIncidentFailsWithAReason) {
  RunResult made = Cli({"--json", "incident", "create", "--severity", "P3", "--title", "t"});
  ASSERT_EQ(made.code(), 0) << made.Describe();
  const std::string id = std::to_string(Json::parse(made.out)["id"].get<std::int64_t>());

  RunResult unknown = Cli({"incident", "resolve", "987654"});
  RunResult not_a_number = Cli({"incident", "resolve", "abc"});
  RunResult first = Cli({"incident", "resolve", id});
  RunResult again = Cli({"incident", "resolve", id});

  EXPECT_EQ(unknown.code(), 5) << unknown.Describe();
  EXPECT_TRUE(Contains(unknown.err, "no incident 987654"));
  EXPECT_EQ(not_a_number.code(), 2) << not_a_number.Describe();
  EXPECT_TRUE(Contains(not_a_number.err, "ID"));
  EXPECT_EQ(first.code(), 0) << first.Describe();
  EXPECT_EQ(again.code(), 5) << again.Describe();
  EXPECT_TRUE(Contains(again.err, "already resolved"));
}

TEST_P(CliIncident, NotifyWithoutTargetsSaysSoAndExits3) {
  RunResult sent = Cli({"notify", "--message", "database failover in progress"});

  EXPECT_EQ(sent.code(), 3) << sent.Describe();
  EXPECT_TRUE(Contains(sent.err, "no notification target is configured"));
  EXPECT_TRUE(Notifications().empty());
}

TEST_P(CliIncident, NotifySendsToEveryTargetAndRecordsEach) {
  http::TestServer receiver([](http::Request&) {
    http::Response response;
    response.status = 204;
    return response;
  });
  const std::string stdin_copy = Path("page.json");
  WriteFileText(Path("config.yml"),
                "alerts:\n  targets:\n    Notify team channel: \"http://127.0.0.1:" +
                    std::to_string(receiver.port()) +
                    "/hook\"\n    Page on-call engineer: " + "\"cat > '" + stdin_copy + "'\"\n");

  RunResult sent = Cli({"--config", Path("config.yml"), "notify", "--message",
                        "database failover in progress", "--severity", "P0"});

  ASSERT_EQ(sent.code(), 0) << sent.Describe();
  EXPECT_TRUE(Contains(sent.out, "Notify team channel"));
  EXPECT_TRUE(Contains(sent.out, "sent"));
  std::vector<http::Request> hooks = receiver.handled();
  ASSERT_EQ(hooks.size(), 1u);
  Json hook = Json::parse(hooks[0].body, nullptr, false);
  EXPECT_EQ(hook["message"], "database failover in progress");
  EXPECT_EQ(hook["severity"], "P0");
  EXPECT_EQ(hook["state"], "message");
  EXPECT_TRUE(Contains(ReadFileText(stdin_copy), "database failover in progress"));
  std::vector<storage::Row> rows = Notifications();
  ASSERT_EQ(rows.size(), 2u);
  for (const storage::Row& row : rows) {
    EXPECT_EQ(row.Text(1), "database failover in progress");
    EXPECT_EQ(row.Text(2), "P0");
    EXPECT_EQ(row.Text(3), "sent");
    EXPECT_EQ(row.Int(4), 1);
    EXPECT_EQ(row.Text(6), "ann");
  }
  EXPECT_TRUE(Contains(ReadFileText(Path("var/log/analytics.log")), "notification_sent"));
}

TEST_P(CliIncident, NotifyFailedDeliveryIsRecordedLoggedAndExits4) {
  WriteFileText(Path("config.yml"),
                "alerts:\n  targets:\n    Page on-call engineer: \"echo no pager >&2; exit 7\"\n");

  RunResult sent = Cli({"--config", Path("config.yml"), "--json", "notify", "--message", "m"});

  EXPECT_EQ(sent.code(), 4) << sent.Describe();
  Json list = Json::parse(sent.out, nullptr, false);
  ASSERT_TRUE(list.is_array() && list.size() == 1) << sent.Describe();
  EXPECT_EQ(list[0]["status"], "failed");
  EXPECT_EQ(list[0]["attempts"], 3);
  EXPECT_EQ(list[0]["error"], "command target exited with status 7: no pager");
  std::vector<storage::Row> rows = Notifications();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(3), "failed");
  EXPECT_EQ(rows[0].Text(2), "P1");
  EXPECT_TRUE(Contains(ReadFileText(Path("var/log/error.log")), "notification_failed"));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, CliIncident,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::e2e

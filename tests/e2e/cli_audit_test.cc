// `analytics audit list` and `analytics tasks undelete` (SPEC §7, runbook
// "Recovering accidental deletions"), the real binary on every backend next
// to a running `analytics serve`: tasks deleted over the API come back, the
// API's numbers (through the server's cache: in-process or Redis) return to
// their values before the deletions, the audit log shows the run, and bad
// input is a usage error naming the flag.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/child_process.h"
#include "support/backends.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr char kToken[] = "cli-audit-admin-token-0123456789abcdef0123";

class CliAudit : public E2eTest, public ::testing::WithParamInterface<test::Backend> {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<test::BackendLease>(GetParam(), lease_dir_);
    port_ = FreePort();
    WriteFileText(Path("config.yml"),
                  "server:\n  port: " + std::to_string(port_) +
                      "\nrate_limit:\n  enabled: false\njobs:\n  scheduler_enabled: false\n");
  }

  Env BackendEnv() const {
    return Env{{"DATABASE_URL", lease_->database_url()},
               {"REDIS_URL", lease_->cache_url()},
               {"ANALYTICS_ADMIN_TOKEN", kToken},
               {"USER", "ann"}};
  }
  RunResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", "config.yml"});
    return Run(args, BackendEnv(), seconds(30));
  }
  void StartServer() {
    server_ = Start({"--config", "config.yml", "serve"}, BackendEnv());
    ASSERT_TRUE(WaitHealthy(*server_, port_));
  }
  testing::HttpResult Api(const std::string& method, const std::string& path,
                          const std::string& body = "") {
    return testing::Send(port_, method, path, body,
                         {{"Authorization", std::string("Bearer ") + kToken}});
  }
  std::int64_t NewTask(const std::string& title, const std::string& status) {
    auto made = Api("POST", "/api/v1/users/u/tasks",
                    Json{{"title", title}, {"status", status}, {"priority", "high"}}.dump());
    EXPECT_EQ(made.status, 201) << made.body;
    Json task = Json::parse(made.body, nullptr, false);
    return task.is_object() ? task["id"].get<std::int64_t>() : 0;
  }
  // The overview the API serves (a cached answer once read), without as_of.
  Json Overview() {
    auto got = Api("GET", "/api/v1/users/u/analytics/overview");
    EXPECT_EQ(got.status, 200) << got.body;
    Json overview = Json::parse(got.body, nullptr, false);
    if (overview.is_object()) overview.erase("as_of");
    return overview;
  }

  test::TempDir lease_dir_;
  std::unique_ptr<test::BackendLease> lease_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

TEST_P(CliAudit, UndeleteBringsBackTheTasksAndTheNumbers) {
  StartServer();
  ASSERT_EQ(Api("POST", "/api/v1/users", R"({"id":"u"})").status, 201);
  const std::int64_t a = NewTask("write report", "done");
  const std::int64_t b = NewTask("call bob", "todo");
  const std::int64_t c = NewTask("kept", "done");
  const Json before = Overview();
  ASSERT_EQ(Api("DELETE", "/api/v1/users/u/tasks/" + std::to_string(a)).status, 200);
  ASSERT_EQ(Api("DELETE", "/api/v1/users/u/tasks/" + std::to_string(b)).status, 200);
  const Json deleted = Overview();  // cached in the server now
  ASSERT_NE(deleted, before);

  RunResult deletes = Cli(
      {"--json", "audit", "list", "--action", "DELETE", "--user", "u", "--since", "1 hour ago"});
  RunResult dry = Cli({"tasks", "undelete", "--user", "u", "--since", "1 hour ago", "--dry-run"});
  const Json after_dry = Overview();
  RunResult undone = Cli({"tasks", "undelete", "--user", "u", "--since", "1 hour ago"});
  const Json after = Overview();
  RunResult again = Cli({"--json", "tasks", "undelete", "--user", "u", "--since", "1 hour ago"});
  RunResult restores = Cli({"audit", "list", "--action", "restore"});

  ASSERT_EQ(deletes.code(), 0) << deletes.Describe();
  Json rows = Json::parse(deletes.out, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << deletes.out;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["entity_id"], std::to_string(b)) << "newest first";
  EXPECT_EQ(rows[0]["action"], "DELETE");
  EXPECT_TRUE(rows[0]["before"].is_object());
  EXPECT_EQ(rows[0]["before"]["deleted"], false);
  EXPECT_EQ(rows[0]["after"]["deleted"], true);
  EXPECT_EQ(rows[0]["after"]["title"], "call bob");
  ASSERT_EQ(dry.code(), 0) << dry.Describe();
  EXPECT_TRUE(Contains(dry.out, "would restore 2 tasks"));
  EXPECT_EQ(after_dry, deleted) << "a dry run changes nothing";
  ASSERT_EQ(undone.code(), 0) << undone.Describe();
  EXPECT_TRUE(Contains(undone.out, "write report"));
  EXPECT_TRUE(Contains(undone.out, "call bob"));
  EXPECT_FALSE(Contains(undone.out, "kept"));
  EXPECT_TRUE(Contains(undone.out, "restored 2 tasks of u"));
  EXPECT_EQ(after, before) << "the server's numbers are those from before the deletions";
  ASSERT_EQ(again.code(), 0) << again.Describe();
  Json second = Json::parse(again.out, nullptr, false);
  EXPECT_EQ(second["count"], 0) << again.out;
  ASSERT_EQ(restores.code(), 0) << restores.Describe();
  EXPECT_TRUE(Contains(restores.out, "cli:ann"));
  EXPECT_TRUE(Contains(restores.out, "undelete-"));
  EXPECT_EQ(Lines(restores.out).size(), 3u) << restores.out;  // header + two rows
  EXPECT_EQ(Api("GET", "/api/v1/users/u/tasks/" + std::to_string(c)).status, 200);
}

TEST_P(CliAudit, NothingToUndeleteIsNotAnError) {
  RunResult made = Run({"--config", "config.yml", "users", "create", "u"}, BackendEnv());
  ASSERT_EQ(made.code(), 0) << made.Describe();

  RunResult nothing = Cli({"tasks", "undelete", "--user", "u", "--since", "1 hour ago"});
  RunResult nobody = Cli({"tasks", "undelete", "--user", "nobody", "--since", "1 hour ago"});
  RunResult empty_list = Cli({"--json", "audit", "list"});

  EXPECT_EQ(nothing.code(), 0) << nothing.Describe();
  EXPECT_TRUE(Contains(nothing.out, "nothing to undelete"));
  EXPECT_EQ(nobody.code(), 5) << nobody.Describe();
  EXPECT_TRUE(Contains(nobody.err, "user 'nobody' not found"));
  EXPECT_EQ(empty_list.code(), 0) << empty_list.Describe();
  EXPECT_EQ(empty_list.out, "[]\n");
}

TEST_P(CliAudit, BadInputIsAUsageErrorNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"audit", "list", "--action", "DROP"}, "--action"},
      {{"audit", "list", "--user", "no spaces"}, "--user"},
      {{"audit", "list", "--since", "last tuesday"}, "--since"},
      {{"audit", "list", "--limit", "0"}, "--limit"},
      {{"audit", "list", "--limit", "10001"}, "--limit"},
      {{"audit", "list", "--limit", "many"}, "--limit"},
      {{"tasks", "undelete", "--since", "1 hour ago"}, "--user"},
      {{"tasks", "undelete", "--user", "u"}, "--since"},
      {{"tasks", "undelete", "--user", "bad id!", "--since", "1h"}, "--user"},
      {{"tasks", "undelete", "--user", "u", "--since", "soon"}, "--since"},
      {{"tasks", "undelete", "--user", "u", "--since", "1h", "--until", "2h ago"}, "--until"},
      {{"tasks", "undelete", "--user", "u", "--since", "1h", "--until", "later"}, "--until"},
      {{"tasks", "nosuch"}, "nosuch"},
  };
  for (const auto& [args, flag] : cases) {
    RunResult bad = Cli(args);
    EXPECT_EQ(bad.code(), 2) << bad.Describe();
    EXPECT_TRUE(Contains(bad.err, flag)) << args.back();
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, CliAudit, ::testing::ValuesIn(test::ConfiguredBackends()),
                         test::BackendParamName);

}  // namespace
}  // namespace analytics::e2e

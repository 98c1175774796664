// `analytics migrate` and `analytics users …` against the default embedded
// database (./var/analytics.db in the working directory), in table and JSON form.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "e2e/child_process.h"

namespace analytics::e2e {
namespace {

using Json = nlohmann::json;

constexpr int kExitFailed = 5;  // cli/exit_code.h: not found, conflict, internal

class CliUsers : public E2eTest {
 protected:
  // `--json users create ID` → the token; fails the test on error.
  std::string CreateUser(const std::string& id) {
    RunResult run = Run({"--json", "users", "create", id});
    EXPECT_EQ(run.code(), 0) << run.Describe();
    Json body = Json::parse(run.out, nullptr, false);
    if (!body.is_object() || !body.contains("token")) {
      ADD_FAILURE() << "no token in: " << run.Describe();
      return "";
    }
    return body["token"].get<std::string>();
  }

  // The token in the table printed by `users create` / `rotate-token`.
  static std::string TokenFromTable(const std::string& out, const std::string& id) {
    std::vector<std::string> lines = Lines(out);
    if (lines.size() != 2) return "";
    std::smatch m;
    static const std::regex kRow(R"(^(\S+)\s+(\S+Z)\s+(\S+)\s*$)");
    if (!std::regex_match(lines[1], m, kRow) || m[1] != id) return "";
    return m[3];
  }
};

TEST_F(CliUsers, MigrateCreatesTheDefaultDatabaseAndIsRepeatable) {
  RunResult first = Run({"migrate"});
  RunResult second = Run({"migrate"});
  RunResult json = Run({"--json", "migrate"});

  EXPECT_EQ(first.code(), 0) << first.Describe();
  EXPECT_TRUE(std::filesystem::is_regular_file(Path("var/analytics.db")));
  EXPECT_TRUE(Contains(first.out, "analytics.db"));
  EXPECT_EQ(second.code(), 0) << second.Describe();
  EXPECT_EQ(json.code(), 0) << json.Describe();
  Json body = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << json.Describe();
  EXPECT_EQ(body.value("status", ""), "up to date");
  EXPECT_TRUE(Contains(body.value("database", ""), "analytics.db"));
}

TEST_F(CliUsers, CreatePrintsATokenAsATable) {
  RunResult run = Run({"users", "create", "alice"});

  ASSERT_EQ(run.code(), 0) << run.Describe();
  std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 2u) << run.Describe();
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(ID\s+CREATED_AT\s+TOKEN\s*)"))) << lines[0];
  std::string token = TokenFromTable(run.out, "alice");
  EXPECT_GE(token.size(), 20u) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "token")) << "the hint to keep the token goes to stderr";
}

TEST_F(CliUsers, CreatePrintsATokenAsJson) {
  RunResult run = Run({"--json", "users", "create", "bob"});

  ASSERT_EQ(run.code(), 0) << run.Describe();
  Json body = Json::parse(run.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << run.Describe();
  EXPECT_EQ(body.value("id", ""), "bob");
  EXPECT_GE(body.value("token", "").size(), 20u);
  EXPECT_TRUE(std::regex_match(body.value("created_at", ""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")))
      << body.dump();
}

TEST_F(CliUsers, CreatingAnExistingUserFailsWithOneLine) {
  CreateUser("alice");

  RunResult again = Run({"users", "create", "alice"});

  EXPECT_EQ(again.code(), kExitFailed) << again.Describe();
  EXPECT_EQ(again.out, "");
  std::vector<std::string> lines = Lines(again.err);
  ASSERT_EQ(lines.size(), 1u) << again.Describe();
  EXPECT_TRUE(Contains(lines[0], "alice"));
  EXPECT_TRUE(Contains(lines[0], "exists"));
}

TEST_F(CliUsers, InvalidIdIsAUsageError) {
  for (const std::string& id : {std::string("bad id!"), std::string(65, 'a'), std::string("")}) {
    RunResult run = Run({"users", "create", id});

    EXPECT_EQ(run.code(), 2) << "'" << id << "': " << run.Describe();
    EXPECT_EQ(Lines(run.err).size(), 1u) << run.Describe();
  }
}

TEST_F(CliUsers, ListShowsCreatedUsersAsJsonAndTable) {
  CreateUser("alice");
  CreateUser("bob");

  RunResult json = Run({"--json", "users", "list"});
  RunResult table = Run({"users", "list"});

  ASSERT_EQ(json.code(), 0) << json.Describe();
  Json list = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(list.is_array()) << json.Describe();
  std::vector<std::string> ids;
  for (const auto& user : list) {
    ids.push_back(user.value("id", ""));
    EXPECT_TRUE(user.contains("created_at"));
    EXPECT_FALSE(user.contains("token")) << "tokens are never listed";
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"alice", "bob"}));
  ASSERT_EQ(table.code(), 0) << table.Describe();
  std::vector<std::string> lines = Lines(table.out);
  ASSERT_EQ(lines.size(), 3u) << table.Describe();
  EXPECT_EQ(lines[1].rfind("alice ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("bob ", 0), 0u) << lines[2];
}

TEST_F(CliUsers, ListOfNoUsersIsJustTheHeader) {
  RunResult json = Run({"--json", "users", "list"});
  RunResult table = Run({"users", "list"});

  EXPECT_EQ(json.code(), 0) << json.Describe();
  EXPECT_EQ(Json::parse(json.out, nullptr, false), Json::array());
  EXPECT_EQ(table.code(), 0) << table.Describe();
  EXPECT_EQ(Lines(table.out).size(), 1u) << table.Describe();
}

// BUG (src/cli/cli.cc): --json is accepted only before the command
// (`analytics --json users list`); after it, CLI11 rejects it with "The
// following argument was not expected: --json" and exit 2. SPEC §7 says
// "--json gives JSON" for every command; `cli.fallthrough()` would fix it.
TEST_F(CliUsers, JsonFlagWorksAfterTheCommand) {
  CreateUser("alice");

  RunResult run = Run({"users", "list", "--json"});

  ASSERT_EQ(run.code(), 0) << run.Describe();
  Json list = Json::parse(run.out, nullptr, false);
  ASSERT_TRUE(list.is_array()) << run.Describe();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].value("id", ""), "alice");
}

TEST_F(CliUsers, RotateTokenPrintsANewToken) {
  std::string first = CreateUser("alice");

  RunResult table = Run({"users", "rotate-token", "alice"});
  RunResult json = Run({"--json", "users", "rotate-token", "alice"});

  ASSERT_EQ(table.code(), 0) << table.Describe();
  std::string second = TokenFromTable(table.out, "alice");
  EXPECT_GE(second.size(), 20u) << table.Describe();
  EXPECT_NE(second, first);
  ASSERT_EQ(json.code(), 0) << json.Describe();
  Json body = Json::parse(json.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << json.Describe();
  EXPECT_EQ(body.value("id", ""), "alice");
  std::string third = body.value("token", "");
  EXPECT_GE(third.size(), 20u);
  EXPECT_NE(third, first);
  EXPECT_NE(third, second);
}

TEST_F(CliUsers, RotateTokenOfAnUnknownUserFails) {
  RunResult run = Run({"users", "rotate-token", "nobody"});

  EXPECT_EQ(run.code(), kExitFailed) << run.Describe();
  EXPECT_EQ(run.out, "");
  std::vector<std::string> lines = Lines(run.err);
  ASSERT_EQ(lines.size(), 1u) << run.Describe();
  EXPECT_TRUE(Contains(lines[0], "nobody"));
}

}  // namespace
}  // namespace analytics::e2e

// Configuration as the binary sees it (SPEC §1, §7): --config, ANALYTICS_CONFIG,
// env overrides, and exit 3 with the offending file or key named on stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "e2e/child_process.h"

namespace analytics::e2e {
namespace {

constexpr int kExitConfig = 3;       // cli/exit_code.h
constexpr int kExitUnavailable = 4;  // cli/exit_code.h

class CliConfig : public E2eTest {
 protected:
  // Asserts exit 3, nothing on stdout, one line on stderr naming each of `names`.
  static void ExpectConfigError(const RunResult& run, const std::vector<std::string>& names) {
    EXPECT_EQ(run.code(), kExitConfig) << run.Describe();
    EXPECT_EQ(run.out, "") << run.Describe();
    std::vector<std::string> lines = Lines(run.err);
    ASSERT_EQ(lines.size(), 1u) << run.Describe();
    for (const auto& name : names) EXPECT_TRUE(Contains(lines[0], name));
  }

  bool DefaultDatabaseExists() const { return std::filesystem::exists(Path("var/analytics.db")); }
};

TEST_F(CliConfig, MissingConfigFileExitsThreeNamingIt) {
  ExpectConfigError(Run({"--config", "missing.yml", "migrate"}), {"missing.yml"});
  ExpectConfigError(Run({"migrate"}, {{"ANALYTICS_CONFIG", "gone.yml"}}), {"gone.yml"});
  EXPECT_FALSE(DefaultDatabaseExists()) << "nothing may start on a bad configuration";
}

TEST_F(CliConfig, UnknownKeyExitsThreeNamingIt) {
  WriteFileText(Path("config.yml"), "server:\n  prot: 9000\n");

  ExpectConfigError(Run({"--config", "config.yml", "migrate"}), {"server.prot"});
}

TEST_F(CliConfig, UnknownSectionExitsThreeNamingIt) {
  WriteFileText(Path("config.yml"), "servre:\n  port: 9000\n");

  ExpectConfigError(Run({"--config", "config.yml", "migrate"}), {"servre"});
}

TEST_F(CliConfig, BadValueExitsThreeNamingTheKey) {
  WriteFileText(Path("range.yml"), "cache:\n  ttl_overview: -5\n");
  WriteFileText(Path("type.yml"), "server:\n  port: eighty\n");

  ExpectConfigError(Run({"--config", "range.yml", "migrate"}), {"cache.ttl_overview"});
  ExpectConfigError(Run({"--config", "type.yml", "serve"}), {"server.port"});
}

TEST_F(CliConfig, YamlSyntaxErrorExitsThreeNamingTheFile) {
  WriteFileText(Path("broken.yml"), "server: [1\n");

  ExpectConfigError(Run({"--config", "broken.yml", "migrate"}), {"broken.yml", "line"});
}

TEST_F(CliConfig, ConfigFileDatabaseUrlIsUsed) {
  WriteFileText(Path("config.yml"), "database:\n  url: \"sqlite:///./from-file.db\"\n");

  RunResult by_flag = Run({"--config", "config.yml", "migrate"});

  EXPECT_EQ(by_flag.code(), 0) << by_flag.Describe();
  EXPECT_TRUE(std::filesystem::exists(Path("from-file.db")));
  EXPECT_FALSE(DefaultDatabaseExists());
}

TEST_F(CliConfig, AnalyticsConfigEnvIsReadAndTheFlagWins) {
  WriteFileText(Path("env.yml"), "database:\n  url: \"sqlite:///./by-env.db\"\n");
  WriteFileText(Path("flag.yml"), "database:\n  url: \"sqlite:///./by-flag.db\"\n");

  RunResult by_env = Run({"migrate"}, {{"ANALYTICS_CONFIG", "env.yml"}});
  RunResult by_flag = Run({"--config", "flag.yml", "migrate"}, {{"ANALYTICS_CONFIG", "env.yml"}});

  EXPECT_EQ(by_env.code(), 0) << by_env.Describe();
  EXPECT_TRUE(std::filesystem::exists(Path("by-env.db")));
  EXPECT_EQ(by_flag.code(), 0) << by_flag.Describe();
  EXPECT_TRUE(std::filesystem::exists(Path("by-flag.db")));
}

TEST_F(CliConfig, DatabaseUrlEnvOverridesDefaultAndFile) {
  test::TempDir elsewhere;
  const std::string db = elsewhere.File("other.db");
  WriteFileText(Path("config.yml"), "database:\n  url: \"sqlite:///./from-file.db\"\n");

  RunResult run = Run({"--config", "config.yml", "users", "create", "alice"},
                      {{"DATABASE_URL", "sqlite:///" + db}});
  RunResult list = Run({"--json", "users", "list"}, {{"DATABASE_URL", "sqlite:///" + db}});

  EXPECT_EQ(run.code(), 0) << run.Describe();
  EXPECT_TRUE(std::filesystem::is_regular_file(db)) << db;
  EXPECT_FALSE(std::filesystem::exists(Path("from-file.db")));
  EXPECT_FALSE(DefaultDatabaseExists());
  EXPECT_EQ(list.code(), 0) << list.Describe();
  EXPECT_TRUE(Contains(list.out, "\"alice\""));
}

TEST_F(CliConfig, BadDatabaseUrlEnvExitsThreeNamingTheVariable) {
  ExpectConfigError(Run({"migrate"}, {{"DATABASE_URL", "mysql://db/x"}}),
                    {"database.url", "DATABASE_URL"});
}

TEST_F(CliConfig, BadWorkersEnvExitsThreeNamingIt) {
  ExpectConfigError(Run({"migrate"}, {{"WORKERS", "abc"}}), {"WORKERS"});
  ExpectConfigError(Run({"serve"}, {{"WORKERS", "0"}}), {"WORKERS"});
}

TEST_F(CliConfig, UnreachableDatabaseExitsFourWithoutThePassword) {
  RunResult run = Run({"migrate"}, {{"DATABASE_URL", "postgresql://app:s3cretpw@127.0.0.1:1/x"}});

  EXPECT_EQ(run.code(), kExitUnavailable) << run.Describe();
  std::vector<std::string> lines = Lines(run.err);
  ASSERT_FALSE(lines.empty()) << run.Describe();
  EXPECT_EQ(lines.back().rfind("analytics: ", 0), 0u) << "the reason comes last:\n" << run.err;
  EXPECT_EQ(run.err.find("s3cretpw"), std::string::npos) << run.Describe();
}

TEST_F(CliConfig, UnwritableDatabasePathExitsFour) {
  RunResult run = Run({"migrate"}, {{"DATABASE_URL", "sqlite:////proc/no-such-dir/x.db"}});

  EXPECT_EQ(run.code(), kExitUnavailable) << run.Describe();
  EXPECT_EQ(Lines(run.err).size(), 1u) << run.Describe();
}

}  // namespace
}  // namespace analytics::e2e

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"
#include "config_test_data.h"
#include "support/temp_dir.h"

namespace analytics::config {
namespace {

using test::TempDir;
using testing::Contains;
using testing::WriteFile;

Environment Env(std::map<std::string, std::string> vars) { return Environment{std::move(vars)}; }

TEST(Load, ExplicitFileIsReadAndNamedAsSource) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("config.yml"), "server:\n  port: 9191\n");

  Result<LoadedConfig> loaded = Load(path, Env({}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->source, path);
  EXPECT_EQ(loaded->config.server.port, 9191);
  EXPECT_EQ(loaded->config.server.workers, 4);
}

TEST(Load, MissingExplicitFileIsNamed) {
  TempDir dir;
  const std::string path = dir.File("absent.yml");

  Result<LoadedConfig> loaded = Load(path, Env({}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loaded.error().field, "--config");
  EXPECT_TRUE(Contains(loaded.error().message, path));
  EXPECT_TRUE(Contains(loaded.error().message, "No such file"));
}

TEST(Load, DirectoryAsFileIsRejected) {
  TempDir dir;

  Result<LoadedConfig> loaded = Load(dir.path(), Env({}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "--config");
  EXPECT_TRUE(Contains(loaded.error().message, "directory"));
}

TEST(Load, AnalyticsConfigEnvNamesTheFile) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("env.yml"), "server:\n  port: 9292\n");

  Result<LoadedConfig> loaded = Load("", Env({{"ANALYTICS_CONFIG", path}}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->source, path);
  EXPECT_EQ(loaded->config.server.port, 9292);
}

TEST(Load, ExplicitPathWinsOverAnalyticsConfig) {
  TempDir dir;
  const std::string flag = WriteFile(dir.File("flag.yml"), "server:\n  port: 9001\n");
  const std::string env = WriteFile(dir.File("env.yml"), "server:\n  port: 9002\n");

  Result<LoadedConfig> loaded = Load(flag, Env({{"ANALYTICS_CONFIG", env}}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->source, flag);
  EXPECT_EQ(loaded->config.server.port, 9001);
}

TEST(Load, MissingAnalyticsConfigFileIsNamed) {
  TempDir dir;
  const std::string path = dir.File("absent.yml");

  Result<LoadedConfig> loaded = Load("", Env({{"ANALYTICS_CONFIG", path}}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "ANALYTICS_CONFIG");
  EXPECT_TRUE(Contains(loaded.error().message, path));
}

TEST(Load, NoFileAnywhereGivesBuiltInDefaults) {
  if (std::filesystem::exists("/etc/analytics/config.yml")) {
    GTEST_SKIP() << "/etc/analytics/config.yml exists on this machine";
  }

  Result<LoadedConfig> loaded = Load("", Env({}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->source, "built-in defaults");
  EXPECT_EQ(loaded->config, Config{});
}

TEST(Load, ErrorInFileNamesFileAndKey) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("bad.yml"), "cache:\n  ttl_overveiw: 10\n");

  Result<LoadedConfig> loaded = Load(path, Env({}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "cache.ttl_overveiw");
  EXPECT_TRUE(Contains(loaded.error().message, path + ": unknown key 'cache.ttl_overveiw'"));
  EXPECT_TRUE(Contains(loaded.error().message, "did you mean 'cache.ttl_overview'?"));
}

TEST(Load, SyntaxErrorNamesFileAndLine) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("broken.yml"), "server:\n  port: 1\n bad: 2\n");

  Result<LoadedConfig> loaded = Load(path, Env({}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(loaded.error().message, path + ": YAML syntax error at line 3"));
}

TEST(Load, EnvOverridesTheFile) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("config.yml"),
                                     "server: {workers: 2}\n"
                                     "database: {url: \"sqlite:///tmp/file.db\"}\n"
                                     "cache: {url: memory}\n"
                                     "auth: {admin_token: from-file-0123456789abcdef0123456789}\n");

  Result<LoadedConfig> loaded =
      Load(path, Env({{"DATABASE_URL", "postgresql://u:p@db/analytics"},
                      {"REDIS_URL", "redis://cache:6379/1"},
                      {"WORKERS", "16"},
                      {"ANALYTICS_ADMIN_TOKEN", "from-env-0123456789abcdef0123456789"}}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->config.database.url, "postgresql://u:p@db/analytics");
  EXPECT_EQ(loaded->config.cache.url, "redis://cache:6379/1");
  EXPECT_EQ(loaded->config.server.workers, 16);
  EXPECT_EQ(loaded->config.auth.admin_token, "from-env-0123456789abcdef0123456789");
}

TEST(Load, EnvOverridesDefaultsWithoutAFile) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("empty.yml"), "");

  Result<LoadedConfig> loaded = Load(path, Env({{"WORKERS", "1"}}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  Config expected;
  expected.server.workers = 1;
  EXPECT_EQ(loaded->config, expected);
}

TEST(Load, EmptyEnvValuesAreIgnored) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("config.yml"), "server: {workers: 3}\n");

  Result<LoadedConfig> loaded = Load(path, Env({{"DATABASE_URL", ""},
                                                {"REDIS_URL", ""},
                                                {"WORKERS", ""},
                                                {"ANALYTICS_ADMIN_TOKEN", ""}}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  Config expected;
  expected.server.workers = 3;
  EXPECT_EQ(loaded->config, expected);
}

TEST(Load, EnvNamesOtherThanTheFiveAreNotRead) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("empty.yml"), "");

  Result<LoadedConfig> loaded = Load(path, Env({{"SERVER_PORT", "1"}, {"LOG_LEVEL", "debug"}}));

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->config, Config{});
}

class LoadBadWorkers : public ::testing::TestWithParam<const char*> {};

TEST_P(LoadBadWorkers, IsNamed) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("empty.yml"), "");

  Result<LoadedConfig> loaded = Load(path, Env({{"WORKERS", GetParam()}}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(loaded.error().field, "WORKERS");
  EXPECT_TRUE(Contains(loaded.error().message, std::string("'") + GetParam() + "'"));
}

INSTANTIATE_TEST_SUITE_P(Values, LoadBadWorkers,
                         ::testing::Values("abc", "0", "-2", "1025", "4x", " 4", "2.5",
                                           "99999999999999999999"));

TEST(Load, BadDatabaseUrlFromEnvSaysWhereItCameFrom) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("empty.yml"), "");

  Result<LoadedConfig> loaded = Load(path, Env({{"DATABASE_URL", "mysql://u:secret@db/x"}}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "database.url");
  EXPECT_TRUE(Contains(loaded.error().message, "(set by DATABASE_URL)"));
  EXPECT_FALSE(Contains(loaded.error().message, "secret"));
}

TEST(Load, BadRedisUrlFromEnvIsNamed) {
  TempDir dir;
  const std::string path = WriteFile(dir.File("empty.yml"), "");

  Result<LoadedConfig> loaded = Load(path, Env({{"REDIS_URL", "localhost:6379"}}));

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "cache.url");
  EXPECT_TRUE(Contains(loaded.error().message, "(set by REDIS_URL)"));
}

// Sets a process env variable for one test and restores it afterwards. Only
// the FromProcess test uses it; every other test passes an Environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name); old != nullptr) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_.has_value()) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Environment, FromProcessReadsOnlyTheFiveNames) {
  const ScopedEnv workers("WORKERS", "7");
  const ScopedEnv token("ANALYTICS_ADMIN_TOKEN", "t0ken");
  const ScopedEnv other("ANALYTICS_CONFIG_TEST_UNRELATED", "x");

  const Environment env = Environment::FromProcess();

  EXPECT_EQ(env.vars.at("WORKERS"), "7");
  EXPECT_EQ(env.vars.at("ANALYTICS_ADMIN_TOKEN"), "t0ken");
  for (const auto& [name, value] : env.vars) {
    EXPECT_TRUE(name == "DATABASE_URL" || name == "REDIS_URL" || name == "WORKERS" ||
                name == "ANALYTICS_ADMIN_TOKEN" || name == "ANALYTICS_CONFIG")
        << name;
  }
}

}  // namespace
}  // namespace analytics::config

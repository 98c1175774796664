#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config_test_data.h"

namespace analytics::config {
namespace {

using testing::Contains;

TEST(Describe, RedactsTheAdminToken) {
  Config config;
  config.auth.admin_token = "super-secret-token";

  const std::string text = Describe(config);

  EXPECT_FALSE(Contains(text, "super-secret-token"));
  EXPECT_TRUE(Contains(text, "admin_token: \"***\""));
}

TEST(Describe, ShowsAnUnsetAdminTokenAsEmpty) {
  const std::string text = Describe(Config{});

  EXPECT_TRUE(Contains(text, "admin_token: \"\""));
}

TEST(Describe, RedactsPasswordsInUrls) {
  Config config;
  config.database.url = "postgresql://app:db-pass@db:5432/analytics";
  config.database.replica_urls = {"postgres://ro:replica-pass@r1/analytics"};
  config.cache.url = "redis://:redis-pass@cache:6379/0";
  config.alerts.targets = {{"Page", "https://bot:hook-pass@pager.example/hook"}};

  const std::string text = Describe(config);

  for (const char* secret : {"db-pass", "replica-pass", "redis-pass", "hook-pass"}) {
    EXPECT_FALSE(Contains(text, secret)) << secret;
  }
  EXPECT_TRUE(Contains(text, "postgresql://app:***@db:5432/analytics"));
  EXPECT_TRUE(Contains(text, "postgres://ro:***@r1/analytics"));
  EXPECT_TRUE(Contains(text, "redis://:***@cache:6379/0"));
}

TEST(Describe, ReadsBackAsTheSameConfig) {
  Result<Config> full = ParseYaml(testing::kFullYaml);
  ASSERT_TRUE(full.ok()) << full.error().message;

  Result<Config> again = ParseYaml(Describe(*full));

  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *full);
}

TEST(Describe, ListsEveryKeyOfTheExampleFile) {
  const std::string example = [] {
    std::ifstream file(testing::ExampleConfigPath());
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
  }();
  ASSERT_FALSE(example.empty()) << testing::ExampleConfigPath();

  const std::set<std::string> described = testing::KeyPathsOf(Describe(Config{}));
  const std::set<std::string> documented = testing::KeyPathsOf(example);

  EXPECT_EQ(testing::Minus(described, documented), std::set<std::string>{}) << "not in the example";
  EXPECT_EQ(testing::Minus(documented, described), std::set<std::string>{}) << "not a key";
  EXPECT_GT(described.size(), 50u);
}

struct RedactCase {
  const char* url;
  const char* redacted;
};

class RedactUrlCase : public ::testing::TestWithParam<RedactCase> {};

TEST_P(RedactUrlCase, HidesOnlyThePassword) {
  EXPECT_EQ(RedactUrl(GetParam().url), GetParam().redacted);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RedactUrlCase,
    ::testing::Values(
        RedactCase{"memory", "memory"},
        RedactCase{"sqlite:///./var/analytics.db", "sqlite:///./var/analytics.db"},
        RedactCase{"postgresql://app@db/analytics", "postgresql://app@db/analytics"},
        RedactCase{"postgresql://app:pw@db/analytics", "postgresql://app:***@db/analytics"},
        RedactCase{"postgresql://app:p@ss@db:5432", "postgresql://app:***@db:5432"},
        RedactCase{"redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"},
        RedactCase{"redis://cache:6379/0", "redis://cache:6379/0"},
        RedactCase{"postgresql://db/x?user=app&password=pw&sslmode=require",
                   "postgresql://db/x?user=app&password=***&sslmode=require"},
        RedactCase{"postgresql://db/x?PASSWORD=pw#frag", "postgresql://db/x?PASSWORD=***#frag"},
        RedactCase{"https://hooks.example/path?x=1", "https://hooks.example/path?x=1"}));

}  // namespace
}  // namespace analytics::config

// The alert engine while its database is down (a private PostgreSQL, really
// stopped and started again): "Database Unreachable" still pages, in memory,
// and once the database is back its resolution is sent and recorded.
#include <gtest/gtest.h>

#include "ops/alert_test_support.h"
#include "storage/migrations.h"
#include "storage/postgres/postgres_database.h"
#include "support/private_postgres.h"

namespace analytics::ops::test {
namespace {

using std::chrono::seconds;

TEST(AlertOutage, DatabaseUnreachablePagesWhileTheDatabaseIsDownAndResolvesAfter) {
  ANALYTICS_REQUIRE_BACKEND(analytics::test::Backend::kPostgresRedis);
  ASSERT_NE(analytics::test::FindServicesScript(), "");
  analytics::test::PrivatePostgres server;
  ASSERT_EQ(server.Run("start"), 0) << "cannot start a private PostgreSQL";
  config::DatabaseOptions options;
  options.url = server.url();
  options.pool_size = 2;
  options.pool_timeout = std::chrono::milliseconds(500);
  auto opened = storage::PostgresDatabase::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  storage::Database& db = **opened;
  ASSERT_TRUE(storage::Migrate(db).ok());

  WebhookReceiver pager;
  auto rules = LoadAlertRules("");
  ASSERT_TRUE(rules.ok());
  std::vector<AlertRule> mine;
  for (const AlertRule& rule : *rules) {
    if (rule.name == "Database Unreachable") mine.push_back(rule);
  }
  ASSERT_EQ(mine.size(), 1u);
  Notifier notifier({{"Page on-call engineer", pager.url()}}, [](std::chrono::milliseconds) {});
  AlertEngine engine(db, mine, notifier);

  ASSERT_TRUE(engine.Evaluate(T0(), {{"db_up", 1}}).ok());
  ASSERT_EQ(server.Run("stop"), 0);

  auto pending = engine.Evaluate(T0() + seconds(15), {{"db_up", 0}});
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].state, "pending");
  EXPECT_EQ((*pending)[0].event_id, 0) << "not recorded: the database is down";
  auto firing = engine.Evaluate(T0() + seconds(75), {{"db_up", 0}});
  ASSERT_TRUE(firing.ok()) << firing.error().message;
  ASSERT_EQ(firing->size(), 1u);
  EXPECT_EQ((*firing)[0].state, "firing");
  EXPECT_EQ((*firing)[0].delivery, "sent");
  EXPECT_EQ(pager.states(), std::vector<std::string>{"firing"});
  EXPECT_TRUE(engine.Evaluate(T0() + seconds(90), {{"db_up", 0}})->empty()) << "paged once";

  ASSERT_EQ(server.Run("start"), 0);
  std::vector<AlertTransition> resolved;
  for (int attempt = 0; attempt < 50 && resolved.empty(); ++attempt) {
    auto back = engine.Evaluate(T0() + seconds(105 + attempt), {{"db_up", 1}});
    if (back.ok()) resolved = *back;
  }
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].state, "resolved");
  EXPECT_NE(resolved[0].event_id, 0) << "recorded, the database being back";
  EXPECT_EQ(pager.states(), (std::vector<std::string>{"firing", "resolved"}));
}

}  // namespace
}  // namespace analytics::ops::test

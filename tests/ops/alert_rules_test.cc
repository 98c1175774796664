#include "ops/alert_rules.h"

#include <gtest/gtest.h>

namespace analytics::ops {
namespace {

TEST(AlertRules, DefaultsAreTheRunbooksEightRulesWordForWord) {
  auto rules = LoadAlertRules("");

  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_EQ(rules->size(), 8u);
  struct Expected {
    const char *name, *condition, *action, *severity;
  };
  const Expected expected[] = {
      {"API Down", "health_check_failed for 2 minutes", "Page on-call engineer", "P0"},
      {"Database Unreachable", "db_connection_failed for 1 minute", "Page on-call engineer", "P0"},
      {"High Error Rate", "error_rate > 10% for 5 minutes", "Page on-call engineer", "P0"},
      {"Slow Response Time", "p95_response_time > 5s for 10 minutes", "Notify team channel", "P1"},
      {"High CPU Usage", "cpu_usage > 80% for 15 minutes", "Notify team channel", "P1"},
      {"Low Cache Hit Rate", "cache_hit_rate < 70% for 30 minutes", "Notify team channel", "P1"},
      {"Background Job Failed", "job_failed", "Create ticket", "P2"},
      {"Disk Space Low", "disk_usage > 80%", "Create ticket", "P2"},
  };
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ((*rules)[i].name, expected[i].name);
    EXPECT_EQ((*rules)[i].condition, expected[i].condition);
    EXPECT_EQ((*rules)[i].action, expected[i].action);
    EXPECT_EQ((*rules)[i].severity, expected[i].severity);
  }
  EXPECT_EQ((*rules)[0].parsed.signal, "health");
  EXPECT_EQ((*rules)[0].parsed.hold, std::chrono::minutes(2));
  EXPECT_EQ((*rules)[5].parsed.op, Comparison::kLess);
  EXPECT_EQ((*rules)[5].parsed.threshold, 70);
  EXPECT_EQ((*rules)[6].parsed.hold, std::chrono::seconds(0));
}

TEST(AlertRules, ConditionsTakeUnitsThatFitTheSignal) {
  auto ms = ParseCondition("p99_response_time >= 250ms for 30 seconds");
  auto pct = ParseCondition("memory_usage > 90%");
  auto plain = ParseCondition("db_connections > 50 for 1 hour");

  ASSERT_TRUE(ms.ok()) << ms.error().message;
  EXPECT_DOUBLE_EQ(ms->threshold, 0.25);
  EXPECT_EQ(ms->hold, std::chrono::seconds(30));
  ASSERT_TRUE(pct.ok());
  EXPECT_TRUE(pct->Holds(91));
  EXPECT_FALSE(pct->Holds(90));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->hold, std::chrono::hours(1));
  EXPECT_FALSE(ParseCondition("cpu_usage > 5s").ok());
  EXPECT_FALSE(ParseCondition("p95_response_time > 5%").ok());
  EXPECT_FALSE(ParseCondition("cpu_usage > 80% for 2 fortnights").ok());
  EXPECT_FALSE(ParseCondition("cpu_usage ~ 80%").ok());
  EXPECT_FALSE(ParseCondition("job_failed for 0 minutes").ok());
}

void ExpectRefused(const std::string& yaml, const std::string& rule, int line,
                   const std::string& what) {
  auto rules = ParseAlertRules(yaml, "rules.yml");
  ASSERT_FALSE(rules.ok());
  const std::string& message = rules.error().message;
  EXPECT_EQ(rules.error().field, "alerts.rules_file");
  EXPECT_NE(message.find("rules.yml line " + std::to_string(line)), std::string::npos) << message;
  EXPECT_NE(message.find("'" + rule + "'"), std::string::npos) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
}

TEST(AlertRules, BadRuleFileIsRefusedWithTheRuleNameAndLine) {
  const std::string good =
      "- name: Fine\n"
      "  condition: error_rate > 1%\n"
      "  action: Notify team channel\n"
      "  severity: P1\n";

  ExpectRefused(good +
                    "- name: Typo\n"
                    "  condition: eror_rate > 10%\n"
                    "  action: Page on-call engineer\n"
                    "  severity: P0\n",
                "Typo", 6, "unknown signal 'eror_rate'");
  ExpectRefused(good +
                    "- name: Wrong Unit\n"
                    "  action: Page on-call engineer\n"
                    "  severity: P0\n"
                    "  condition: cpu_usage > 80s\n",
                "Wrong Unit", 8, "unit 's' does not fit cpu_usage");
  ExpectRefused(good +
                    "- name: No Action\n"
                    "  condition: disk_usage > 80%\n"
                    "  severity: P2\n",
                "No Action", 5, "missing field 'action'");
  ExpectRefused(good +
                    "- name: Bad Severity\n"
                    "  condition: disk_usage > 80%\n"
                    "  action: Create ticket\n"
                    "  severity: urgent\n",
                "Bad Severity", 8, "severity must be P0");
  ExpectRefused(good + good, "Fine", 5, "a second rule with this name");
  ExpectRefused(good +
                    "- name: Forever\n"
                    "  condition: cpu_usage > 80% for 600000 hours\n"
                    "  action: Notify team channel\n"
                    "  severity: P1\n",
                "Forever", 6, "longer than a year");
}

TEST(AlertRules, TextThatIsNotYamlIsRefusedWithItsLine) {
  auto rules = ParseAlertRules("- name: A\n  condition: [unclosed\n", "rules.yml");

  ASSERT_FALSE(rules.ok());
  EXPECT_NE(rules.error().message.find("rules.yml line"), std::string::npos);
  EXPECT_FALSE(LoadAlertRules("/nonexistent/rules.yml").ok());
}

}  // namespace
}  // namespace analytics::ops

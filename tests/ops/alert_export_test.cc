// `alerts export --format prometheus` gives rules that Prometheus's own
// checker accepts (promtool, Debian's prometheus package).
#include "ops/alert_export.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::ops {
namespace {

TEST(AlertExport, PromtoolAcceptsTheRunbooksRules) {
  ASSERT_EQ(analytics::test::RunCommand("command -v promtool >/dev/null"), 0)
      << "promtool not installed (scripts/install-deps.sh installs prometheus)";
  auto rules = LoadAlertRules("");
  ASSERT_TRUE(rules.ok());
  auto text = ExportPrometheusRules(*rules, "analytics");
  ASSERT_TRUE(text.ok()) << text.error().message;
  analytics::test::TempDir dir;
  const std::string file = dir.File("rules.yml");
  std::ofstream(file) << *text;

  int status = analytics::test::RunCommand("promtool check rules " + file + " > " +
                                           dir.File("out") + " 2>&1");

  std::ifstream out(dir.File("out"));
  std::string output((std::istreambuf_iterator<char>(out)), {});
  EXPECT_EQ(status, 0) << output << "\n" << *text;
  EXPECT_NE(output.find("SUCCESS: 8 rules found"), std::string::npos) << output;
}

TEST(AlertExport, EachRuleKeepsItsDurationSeverityAndThreshold) {
  auto rules = LoadAlertRules("");
  ASSERT_TRUE(rules.ok());

  auto text = ExportPrometheusRules(*rules, "api");

  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("alert: APIDown"), std::string::npos) << *text;
  EXPECT_NE(text->find("up{job=\"api\"} == 0"), std::string::npos) << *text;
  EXPECT_NE(text->find("for: 120s"), std::string::npos);
  EXPECT_NE(text->find("> 5\n"), std::string::npos) << "p95 > 5s, in seconds";
  EXPECT_NE(text->find("severity: P0"), std::string::npos);
  EXPECT_NE(text->find("rule: Low Cache Hit Rate"), std::string::npos);
}

}  // namespace
}  // namespace analytics::ops

// The wiring of `serve`: App::StartAlerting has every signal sample
// evaluated by the alert engine, on each backend, with time from a FakeClock.
// A rule held over its threshold for its `for` fires once and runs its
// action (here Create ticket: an incident); a bad rules file is refused.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "storage/alert_repository.h"
#include "support/backends.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/test_app.h"

namespace analytics::ops {
namespace {

using std::chrono::seconds;

const Time kStart = ParseTime("2024-03-01T12:00:00Z").value();

std::string WriteRules(const test::TempDir& dir, const std::string& text) {
  const std::string path = dir.File("rules.yml");
  std::ofstream(path) << text;
  return path;
}

class ServeAlertingTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  ServeAlertingTest()
      : rules_(WriteRules(dir_,
                          "- name: Traffic Seen\n"
                          "  condition: request_rate > 0 for 30 seconds\n"
                          "  action: Create ticket\n"
                          "  severity: P3\n")),
        app_(
            test::BackendAvailable(GetParam()) ? GetParam() : test::Backend::kSqliteMemory,
            [this](config::Config& c) { c.alerts.rules_file = rules_; }, &clock_) {}

  void SetUp() override { ANALYTICS_REQUIRE_BACKEND(GetParam()); }

  // Makes `n` requests and waits (bounded) until the server recorded them.
  void Requests(int n) {
    analytics::testing::Connection conn(app_.port());
    const double before = app_.app().metrics().SnapshotRequests().requests;
    for (int i = 0; i < n; ++i) ASSERT_EQ(conn.Get("/health").status, 200);
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (app_.app().metrics().SnapshotRequests().requests < before + n &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  void Sample(seconds after) {
    clock_.Advance(after);
    auto values = app_.app().signal_sampler().SampleOnce(clock_.Now());
    ASSERT_TRUE(values.ok()) << values.error().message;
  }
  std::string State() {
    auto states = storage::ReadValue(app_.app().db(), [](storage::Transaction& tx) {
      return storage::AlertRepository(tx).States();
    });
    EXPECT_TRUE(states.ok());
    if (!states.ok()) return "error";
    for (const storage::AlertStateRow& row : *states) {
      if (row.rule == "Traffic Seen") return row.state;
    }
    return "none";
  }
  std::size_t Incidents() {
    auto list = app_.app().incidents().List(false, 100);
    EXPECT_TRUE(list.ok());
    return list.ok() ? list->size() : 0;
  }

  test::TempDir dir_;
  std::string rules_;
  FakeClock clock_{kStart};
  test::TestApp app_;
};

TEST_P(ServeAlertingTest, EachSampleIsEvaluatedAndAFiringRunsItsActionOnce) {
  ASSERT_TRUE(app_.app().StartAlerting().ok());
  ASSERT_TRUE(app_.app().StartAlerting().ok()) << "a second call does nothing";

  Requests(3);
  Sample(seconds(15));
  EXPECT_EQ(State(), "pending");
  EXPECT_EQ(Incidents(), 0u);
  for (int i = 0; i < 3; ++i) {
    Requests(2);
    Sample(seconds(15));
  }
  EXPECT_EQ(State(), "firing");
  EXPECT_EQ(Incidents(), 1u) << "one incident for one firing";

  Sample(seconds(15));  // no requests: rate 0
  EXPECT_EQ(State(), "inactive");
  EXPECT_EQ(Incidents(), 1u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ServeAlertingTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

TEST(ServeAlerting, ABadRulesFileIsRefusedNamingItsLineAndRule) {
  test::TempDir dir;
  const std::string rules = WriteRules(dir,
                                       "- name: Broken\n"
                                       "  condition: cpu > 80%\n"
                                       "  action: Notify team channel\n"
                                       "  severity: P1\n");
  test::TestApp app([&](config::Config& c) { c.alerts.rules_file = rules; });
  Result<void> started = app.app().StartAlerting();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(started.error().message.find("line 2"), std::string::npos) << started.error().message;
  EXPECT_NE(started.error().message.find("Broken"), std::string::npos) << started.error().message;
}

}  // namespace
}  // namespace analytics::ops

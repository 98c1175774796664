// The alert engine against a real database on every backend and a real
// webhook receiver; time is a FakeClock's, nothing sleeps.
#include "ops/alert_engine.h"

#include <thread>

#include "ops/alert_test_support.h"
#include "storage/alert_repository.h"

namespace analytics::ops::test {
namespace {

using std::chrono::minutes;

class AlertEngineTest : public AlertTest {
 protected:
  std::map<std::string, std::string> Targets() {
    return {{"Notify team channel", hook_.url()}, {"Page on-call engineer", hook_.url()}};
  }
  // Evaluates `p95_response_time` = `value` at T0 + `at`.
  std::vector<AlertTransition> Slow(AlertEngine& engine, minutes at, double value) {
    auto t = engine.Evaluate(T0() + at, {{"p95_response_time", value}});
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? *t : std::vector<AlertTransition>{};
  }

  // Silences "Slow Response Time" from T0 to T0 + `until`.
  void SilenceSlowUntil(minutes until) {
    Result<void> silenced = db_->InTransaction([&](storage::Transaction& tx) {
      return storage::AlertRepository(tx).Silence(
          {"Slow Response Time", T0() + until, "deploying", "test", T0()});
    });
    ASSERT_TRUE(silenced.ok());
  }

  WebhookReceiver hook_;
};

TEST_P(AlertEngineTest, HeldOverThresholdForItsDurationFiresOnceAndResolvesOnce) {
  Notifier notifier(Targets(), NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier);

  auto pending = Slow(engine, minutes(0), 6);
  Slow(engine, minutes(9), 7);
  EXPECT_TRUE(hook_.received().empty()) << "nothing is sent inside the 10 minutes";
  auto firing = Slow(engine, minutes(10), 6);
  Slow(engine, minutes(11), 8);
  Slow(engine, minutes(12), 9);
  auto resolved = Slow(engine, minutes(13), 1);
  Slow(engine, minutes(14), 1);

  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].state, "pending");
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].state, "firing");
  EXPECT_EQ(firing[0].since, T0());
  EXPECT_EQ(firing[0].delivery, "sent");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].state, "resolved");
  EXPECT_EQ(hook_.states(), (std::vector<std::string>{"firing", "resolved"}));
  EXPECT_EQ(hook_.received()[0].value("rule", ""), "Slow Response Time");
  EXPECT_EQ(hook_.received()[0].value("severity", ""), "P1");
  EXPECT_EQ(Events(), (std::vector<std::string>{"pending/", "firing/sent", "resolved/sent"}));
}

TEST_P(AlertEngineTest, AConditionThatStopsHoldingBeforeItsDurationNeverFires) {
  Notifier notifier(Targets(), NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier);

  Slow(engine, minutes(0), 6);
  Slow(engine, minutes(5), 1);
  Slow(engine, minutes(6), 6);
  Slow(engine, minutes(12), 6);  // 6 minutes since it held again: still pending

  EXPECT_TRUE(hook_.received().empty());
  EXPECT_EQ(Events(), (std::vector<std::string>{"pending/", "pending/"}));
}

TEST_P(AlertEngineTest, AMissingSignalKeepsTheStateAndTheClock) {
  Notifier notifier(Targets(), NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier);

  Slow(engine, minutes(0), 6);
  auto none = engine.Evaluate(T0() + minutes(5), {{"cpu_usage", 1}});
  auto firing = Slow(engine, minutes(10), 6);

  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].state, "firing");
}

TEST_P(AlertEngineTest, ARestartInTheMiddleChangesNothing) {
  Notifier notifier(Targets(), NoSleep);
  auto rules = Rules({"Slow Response Time"});

  {
    AlertEngine before(*db_, rules, notifier);
    Slow(before, minutes(0), 6);
  }
  {
    auto db = OpenAnother();  // a new process: new pool, new engine
    AlertEngine after(*db, rules, notifier);
    Slow(after, minutes(10), 6);
  }
  {
    auto db = OpenAnother();
    AlertEngine again(*db, rules, notifier);
    Slow(again, minutes(11), 6);
    Slow(again, minutes(12), 1);
  }

  EXPECT_EQ(hook_.states(), (std::vector<std::string>{"firing", "resolved"}));
  EXPECT_EQ(Events(), (std::vector<std::string>{"pending/", "firing/sent", "resolved/sent"}));
}

TEST_P(AlertEngineTest, TwoEnginesOnOneDatabaseSendOneNotificationPerTransition) {
  Notifier notifier(Targets(), NoSleep);
  auto rules = Rules({"Slow Response Time", "High CPU Usage"});
  auto other_db = OpenAnother();
  AlertEngine a(*db_, rules, notifier);
  AlertEngine b(*other_db, rules, notifier);
  const std::map<std::string, double> bad{{"p95_response_time", 6}, {"cpu_usage", 95}};
  const std::map<std::string, double> good{{"p95_response_time", 1}, {"cpu_usage", 5}};

  // Both instances sample the same minutes, at the same moment.
  for (int minute : {0, 10, 15, 16, 20}) {
    const auto& signals = minute < 20 ? bad : good;
    const Time at = T0() + minutes(minute);
    Result<std::vector<AlertTransition>> ra = std::vector<AlertTransition>{};
    Result<std::vector<AlertTransition>> rb = std::vector<AlertTransition>{};
    std::thread ta([&] { ra = a.Evaluate(at, signals); });
    std::thread tb([&] { rb = b.Evaluate(at, signals); });
    ta.join();
    tb.join();
    ASSERT_TRUE(ra.ok()) << ra.error().message;
    ASSERT_TRUE(rb.ok()) << rb.error().message;
  }

  auto states = hook_.states();
  EXPECT_EQ(std::count(states.begin(), states.end(), "firing"), 2) << "one per rule";
  EXPECT_EQ(std::count(states.begin(), states.end(), "resolved"), 2) << "one per rule";
  EXPECT_EQ(Select("SELECT COUNT(*) FROM alert_events").at(0).Int(0), 6);
}

TEST_P(AlertEngineTest, ASilenceMutesActionsUntilItExpires) {
  Notifier notifier(Targets(), NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier);
  SilenceSlowUntil(minutes(30));

  Slow(engine, minutes(0), 6);
  Slow(engine, minutes(10), 6);  // fires, silenced
  Slow(engine, minutes(20), 1);  // resolves, silenced
  Slow(engine, minutes(40), 6);  // the silence is over
  Slow(engine, minutes(50), 6);  // fires, sent

  EXPECT_EQ(hook_.states(), (std::vector<std::string>{"firing"}));
  EXPECT_EQ(Events(), (std::vector<std::string>{"pending/", "firing/silenced", "resolved/silenced",
                                                "pending/", "firing/sent"}));
}

TEST_P(AlertEngineTest, ASilenceEndingWhileTheRuleFiresSendsTheFiring) {
  Notifier notifier(Targets(), NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier);
  SilenceSlowUntil(minutes(30));

  Slow(engine, minutes(0), 6);
  Slow(engine, minutes(10), 6);  // fires, silenced
  Slow(engine, minutes(20), 6);  // still firing, still silenced
  EXPECT_TRUE(hook_.states().empty());
  auto owed = Slow(engine, minutes(40), 6);  // the silence is over, the rule still fires
  Slow(engine, minutes(50), 6);              // sent once, not again

  ASSERT_EQ(owed.size(), 1u);
  EXPECT_EQ(owed[0].state, "firing");
  EXPECT_EQ(hook_.states(), (std::vector<std::string>{"firing"}));
  EXPECT_EQ(Events(), (std::vector<std::string>{"pending/", "firing/silenced", "firing/sent"}));
}

TEST_P(AlertEngineTest, APendingClockRestartsAfterAGapWithoutEvidence) {
  Notifier notifier(Targets(), NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier, std::chrono::seconds(90));

  Slow(engine, minutes(0), 6);                        // pending since 0
  EXPECT_TRUE(Slow(engine, minutes(20), 6).empty());  // not seen for 20 min: pending since 20
  for (int m = 21; m < 30; ++m) EXPECT_TRUE(Slow(engine, minutes(m), 6).empty()) << m;
  auto fired = Slow(engine, minutes(30), 6);  // held 10 minutes since the gap

  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].state, "firing");
  EXPECT_EQ(fired[0].since, T0() + minutes(20));
}

TEST_P(AlertEngineTest, AFailedDeliveryIsRecorded) {
  WebhookReceiver failing(500);
  Notifier notifier({{"Notify team channel", failing.url()}}, NoSleep);
  AlertEngine engine(*db_, Rules({"Slow Response Time"}), notifier);

  Slow(engine, minutes(0), 6);
  auto firing = Slow(engine, minutes(10), 6);

  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].delivery.rfind("failed: ", 0), 0u) << firing[0].delivery;
  EXPECT_FALSE(failing.received().empty());
  auto rows = Select("SELECT delivery FROM alert_events WHERE state = 'firing'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), firing[0].delivery);
}

TEST_P(AlertEngineTest, CreateTicketWithoutATargetOpensAnIncident) {
  Notifier notifier({}, NoSleep);
  AlertEngine engine(*db_, Rules({"Background Job Failed", "API Down"}), notifier);

  auto fired = engine.Evaluate(T0(), {{"job_failures", 2}});
  auto again = engine.Evaluate(T0() + minutes(1), {{"job_failures", 1}});
  auto page = engine.Evaluate(T0(), {{"health", 0}});

  ASSERT_TRUE(fired.ok()) << fired.error().message;
  ASSERT_EQ(fired->size(), 1u);
  EXPECT_EQ((*fired)[0].delivery.rfind("incident ", 0), 0u) << (*fired)[0].delivery;
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "still firing: no second incident";
  auto incidents = Select("SELECT severity, created_by, status FROM incidents");
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].Text(0), "P2");
  EXPECT_EQ(incidents[0].Text(1), "alert:Background Job Failed");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ((*page)[0].state, "pending");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, AlertEngineTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::ops::test

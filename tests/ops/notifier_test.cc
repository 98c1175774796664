// ops::Notifier against a real webhook receiver (http::Server on loopback)
// and real commands run through /bin/sh. Retries never sleep: the injected
// sleep records the backoff instead.
#include "ops/notifier.h"

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/server_fixture.h"
#include "support/temp_dir.h"

namespace analytics::ops {
namespace {

using std::chrono::milliseconds;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Running (a zombie, killed but not yet reaped by whoever adopted it, is not).
bool Running(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

Notification Firing() {
  Notification n;
  n.rule = "High Error Rate";
  n.severity = "P1";
  n.state = "firing";
  n.message = "error_rate 12.5 > 10";
  n.value = 12.5;
  n.since = "2024-03-01T10:00:00Z";
  return n;
}

// Records every backoff instead of sleeping.
struct RecordedSleeps {
  std::vector<milliseconds> waits;
  std::function<void(milliseconds)> Fn() {
    return [this](milliseconds d) { waits.push_back(d); };
  }
};

// A receiver answering the statuses in `statuses`, one per request (the last
// one for every request after).
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses)
      : statuses_(std::move(statuses)), server_([this](http::Request&) {
          http::Response response;
          std::size_t i = calls_++;
          response.status = statuses_[std::min(i, statuses_.size() - 1)];
          return response;
        }) {}
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hook"; }
  std::vector<http::Request> requests() const { return server_.handled(); }

 private:
  std::vector<int> statuses_;
  std::atomic<std::size_t> calls_{0};
  http::TestServer server_;
};

TEST(Notifier, WebhookGetsOneJsonPost) {
  Receiver receiver({200});
  RecordedSleeps sleeps;
  Notifier notifier({{"Notify team channel", receiver.Url()}}, sleeps.Fn());

  Result<DeliveryResult> sent = notifier.Deliver("Notify team channel", Firing());

  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_TRUE(sent->delivered);
  EXPECT_EQ(sent->attempts, 1);
  EXPECT_TRUE(sleeps.waits.empty());
  std::vector<http::Request> got = receiver.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method_text, "POST");
  EXPECT_EQ(got[0].target, "/hook");
  EXPECT_EQ(got[0].Header("content-type"), "application/json");
  EXPECT_EQ(got[0].body,
            R"({"action":"Notify team channel","message":"error_rate 12.5 > 10",)"
            R"("rule":"High Error Rate","severity":"P1","since":"2024-03-01T10:00:00Z",)"
            R"("state":"firing","value":12.5})");
}

TEST(Notifier, NonSuccessStatusIsRetriedWithBackoffUntilDelivered) {
  Receiver receiver({500, 302, 204});
  RecordedSleeps sleeps;
  Notifier notifier({{"Page on-call engineer", receiver.Url()}}, sleeps.Fn());

  Result<DeliveryResult> sent = notifier.Deliver("Page on-call engineer", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(sent->delivered);
  EXPECT_EQ(sent->attempts, 3);
  EXPECT_EQ(sent->error, "");
  EXPECT_EQ(sleeps.waits, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)}));
  EXPECT_EQ(receiver.requests().size(), 3u);
}

TEST(Notifier, ThreeFailuresAreNotDeliveredAndNameTheLastStatus) {
  Receiver receiver({503});
  RecordedSleeps sleeps;
  Notifier notifier({{"Page on-call engineer", receiver.Url()}}, sleeps.Fn());

  Result<DeliveryResult> sent = notifier.Deliver("Page on-call engineer", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->delivered);
  EXPECT_EQ(sent->attempts, 3);
  EXPECT_EQ(sent->error, "webhook answered 503");
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_EQ(sleeps.waits.size(), 2u);
}

TEST(Notifier, UnreachableWebhookFailsAfterThreeAttempts) {
  int dead_port = 0;
  {
    Receiver gone({200});
    dead_port = std::stoi(gone.Url().substr(std::string("http://127.0.0.1:").size()));
  }
  RecordedSleeps sleeps;
  Notifier notifier({{"Page", "http://127.0.0.1:" + std::to_string(dead_port) + "/"}}, sleeps.Fn());

  Result<DeliveryResult> sent = notifier.Deliver("Page", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->delivered);
  EXPECT_EQ(sent->attempts, 3);
  EXPECT_FALSE(sent->error.empty());
}

TEST(Notifier, HttpsTargetIsRefusedOnceWithoutRetrying) {
  RecordedSleeps sleeps;
  Notifier notifier({{"Page", "https://hooks.example.com/x"}}, sleeps.Fn());

  Result<DeliveryResult> sent = notifier.Deliver("Page", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->delivered);
  EXPECT_EQ(sent->attempts, 1);
  EXPECT_NE(sent->error.find("https"), std::string::npos) << sent->error;
  EXPECT_TRUE(sleeps.waits.empty());
}

TEST(Notifier, CommandGetsTheJsonOnStdinAndTheFieldsInItsEnvironment) {
  analytics::test::TempDir dir;
  const std::string stdin_file = dir.File("stdin.json");
  const std::string env_file = dir.File("env.txt");
  Notifier notifier({{"Notify team channel",
                      "cat > '" + stdin_file + "' && printf '%s|%s|%s|%s|%s|%s' \"$ALERT_RULE\" " +
                          "\"$ALERT_SEVERITY\" \"$ALERT_STATE\" \"$ALERT_VALUE\" " +
                          "\"$ALERT_SINCE\" \"$ALERT_MESSAGE\" > '" + env_file + "'"}});

  Result<DeliveryResult> sent = notifier.Deliver("Notify team channel", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(sent->delivered) << sent->error;
  EXPECT_EQ(sent->attempts, 1);
  EXPECT_NE(ReadFile(stdin_file).find(R"("rule":"High Error Rate")"), std::string::npos);
  EXPECT_EQ(ReadFile(env_file),
            "High Error Rate|P1|firing|12.5|2024-03-01T10:00:00Z|error_rate 12.5 > 10");
}

TEST(Notifier, CommandDoesNotGetTheServicesSecrets) {
  analytics::test::TempDir dir;
  const std::string env_file = dir.File("env.txt");
  ::setenv("ANALYTICS_ADMIN_TOKEN", "secret-admin-token-for-the-notifier-test-000", 1);
  ::setenv("DATABASE_URL", "postgresql://app:secret@db/x", 1);
  Notifier notifier({{"Page", "env > '" + env_file + "'"}});

  Result<DeliveryResult> sent = notifier.Deliver("Page", Firing());
  ::unsetenv("ANALYTICS_ADMIN_TOKEN");
  ::unsetenv("DATABASE_URL");

  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(sent->delivered) << sent->error;
  const std::string env = ReadFile(env_file);
  EXPECT_NE(env.find("ALERT_RULE=High Error Rate"), std::string::npos) << env;
  EXPECT_NE(env.find("PATH="), std::string::npos) << env;
  EXPECT_EQ(env.find("ANALYTICS_ADMIN_TOKEN"), std::string::npos) << env;
  EXPECT_EQ(env.find("DATABASE_URL"), std::string::npos) << env;
}

TEST(Notifier, FailingCommandIsRetriedAndNamesItsStatusAndOutput) {
  analytics::test::TempDir dir;
  const std::string count_file = dir.File("count");
  RecordedSleeps sleeps;
  Notifier notifier(
      {{"Page", "echo run >> '" + count_file + "'; echo 'pager refused' >&2; exit 3"}},
      sleeps.Fn());

  Result<DeliveryResult> sent = notifier.Deliver("Page", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->delivered);
  EXPECT_EQ(sent->attempts, 3);
  EXPECT_EQ(sent->error, "command target exited with status 3: pager refused");
  EXPECT_EQ(ReadFile(count_file), "run\nrun\nrun\n");
  EXPECT_EQ(sleeps.waits, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)}));
}

TEST(Notifier, CommandPastItsTimeoutIsKilledWithWhatItStarted) {
  analytics::test::TempDir dir;
  const std::string pid_file = dir.File("pid");
  RecordedSleeps sleeps;
  Notifier notifier({{"Page", "sleep 30 & echo $! > '" + pid_file + "'; wait"}}, sleeps.Fn(),
                    milliseconds(300));

  Result<DeliveryResult> sent = notifier.Deliver("Page", Firing());

  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->delivered);
  EXPECT_EQ(sent->attempts, 3);
  EXPECT_EQ(sent->error, "command target timed out after 300 ms");
  const pid_t background = std::stoi(ReadFile(pid_file));
  // SIGKILL reaches the group at once but takes effect asynchronously: poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Running(background) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));  // polling, not timing
  }
  EXPECT_FALSE(Running(background)) << "the command's child outlived the timeout";
}

TEST(Notifier, ActionWithoutTargetIsNotFound) {
  Notifier notifier({{"Page", "true"}, {"Empty", ""}});

  EXPECT_TRUE(notifier.HasTarget("Page"));
  EXPECT_FALSE(notifier.HasTarget("Create ticket"));
  EXPECT_FALSE(notifier.HasTarget("Empty"));
  Result<DeliveryResult> sent = notifier.Deliver("Create ticket", Firing());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kNotFound);
  EXPECT_NE(sent.error().message.find("Create ticket"), std::string::npos);
}

}  // namespace
}  // namespace analytics::ops

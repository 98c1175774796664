// `alerts watch` from outside a server that is not there: API Down fires
// after its 2 minutes of (FakeClock) time, with no server process alive.
#include "ops/alert_watch.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ops/alert_test_support.h"

namespace analytics::ops::test {
namespace {

// A loopback port nothing listens on: bound, then closed.
int DeadPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

using AlertWatchTest = AlertTest;

TEST_P(AlertWatchTest, ADeadServerFiresApiDownAfterTwoMinutes) {
  WebhookReceiver pager;
  Notifier notifier({{"Page on-call engineer", pager.url()}}, NoSleep);
  AlertEngine engine(*db_, LoadAlertRules("").value(), notifier);
  FakeClock clock(T0());
  const std::string url = "http://127.0.0.1:" + std::to_string(DeadPort());
  std::vector<std::string> seen;

  // A timer every 30 s.
  for (int i = 0; i <= 4; ++i) {
    auto result = WatchOnce(url, *db_, engine, clock.Now(), std::chrono::milliseconds(2000));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_FALSE(result->probe.healthy);
    for (const auto& t : result->transitions) seen.push_back(t.rule + " " + t.state);
    if (i == 3) {
      EXPECT_TRUE(pager.received().empty()) << "90 s down is not yet 2 minutes";
    }
    clock.Advance(std::chrono::seconds(30));
  }

  EXPECT_EQ(seen, (std::vector<std::string>{"API Down pending", "API Down firing"}));
  EXPECT_EQ(pager.states(), (std::vector<std::string>{"firing"}));
  EXPECT_EQ(pager.received()[0].value("rule", ""), "API Down");
  EXPECT_EQ(Select("SELECT COUNT(*) FROM signal_samples WHERE name = 'health' AND value = 0 "
                   "AND source = 'watch'")
                .at(0)
                .Int(0),
            5);
}

TEST_P(AlertWatchTest, ALiveServerResolvesIt) {
  WebhookReceiver pager;
  Notifier notifier({{"Page on-call engineer", pager.url()}}, NoSleep);
  AlertEngine engine(*db_, LoadAlertRules("").value(), notifier);
  WebhookReceiver server;  // answers 200 to any path, /health included
  const std::string dead = "http://127.0.0.1:" + std::to_string(DeadPort());
  const std::string live = "http://127.0.0.1:" + std::to_string(server.port()) + "/";

  ASSERT_TRUE(WatchOnce(dead, *db_, engine, T0()).ok());
  ASSERT_TRUE(WatchOnce(dead, *db_, engine, T0() + std::chrono::minutes(2)).ok());
  auto up = WatchOnce(live, *db_, engine, T0() + std::chrono::minutes(3));

  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_TRUE(up->probe.healthy);
  EXPECT_EQ(up->probe.url, live + "health");
  EXPECT_EQ(pager.states(), (std::vector<std::string>{"firing", "resolved"}));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, AlertWatchTest,
                         ::testing::ValuesIn(analytics::test::ConfiguredBackends()),
                         analytics::test::BackendParamName);

}  // namespace
}  // namespace analytics::ops::test

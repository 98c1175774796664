// What an anonymous client can make the server spend (issue 11, items 2 and
// 6): no label of /metrics comes from raw input, so no request adds series
// (memory) for ever; /health and /metrics do their database work at most once
// a second however often they are called.
#include <set>
#include <thread>

#include "api_test_util.h"

namespace analytics::apitest {
namespace {

using analytics::testing::Connection;

class AnonymousCostApiTest : public ApiTest {
 protected:
  std::string Scrape() {
    HttpResult r = analytics::testing::Get(port(), "/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
};

TEST_P(AnonymousCostApiTest, InventedMethodsDoNotAddMetricSeries) {
  Connection warm(port());
  (void)warm.Send("BREW", "/nothing");
  const std::size_t before = Scrape().size();

  for (int i = 0; i < 300; ++i) {
    Connection c(port());
    const std::string method = "X" + std::to_string(i) + std::string(2000, 'M');
    HttpResult r = c.Send(method, "/nothing/" + std::to_string(i));
    EXPECT_GE(r.status, 400) << r.status;
  }
  const std::string after = Scrape();

  // 300 distinct methods and paths: a few more counts, no new series.
  EXPECT_LT(after.size(), before + 2000) << "grew from " << before << " to " << after.size();
  EXPECT_EQ(after.find("MMMMMMMMMM"), std::string::npos);
  EXPECT_EQ(after.find("/nothing/"), std::string::npos);
  EXPECT_NE(after.find("method=\"OTHER\""), std::string::npos);
  EXPECT_NE(after.find("route=\"unmatched\""), std::string::npos);
}

TEST_P(AnonymousCostApiTest, HealthChecksRunAtMostOnceASecond) {
  std::set<std::string> checked_at;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    HttpResult r = analytics::testing::Get(port(), "/health");
    ASSERT_EQ(r.status, 200) << r.body;
    checked_at.insert(Body(r)["checked_at"].get<std::string>());
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();

  // One check per second that passed (and one for the first call).
  EXPECT_LE(checked_at.size(), static_cast<std::size_t>(seconds) + 2) << seconds << " s";
}

TEST_P(AnonymousCostApiTest, MetricsReadTheDatabaseAtMostOnceASecond) {
  auto active_users = [this] {
    const std::string text = Scrape();
    const std::size_t at = text.find("\nanalytics_active_users ");
    EXPECT_NE(at, std::string::npos) << text;
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + 24));
  };
  const int before = active_users();

  // A write between two scrapes well within a second: the second scrape
  // still shows the number from before it. (A slow machine may need a few
  // tries to fit the three calls in 800 ms; each try adds one active user.)
  int writers = 0;
  bool fitted = false;
  for (int attempt = 0; attempt < 5 && !fitted; ++attempt) {
    const std::string uid = "w" + std::to_string(attempt);
    Client writer = As(app_.CreateUser(uid));
    // The samples are older than a second now: `first` reads them afresh.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const auto start = std::chrono::steady_clock::now();
    const int first = active_users();
    CreateTask(writer, uid, "counted later");
    ++writers;
    const int second = active_users();
    if (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(800)) {
      fitted = true;
      EXPECT_EQ(second, first) << "the database was read again within the second";
    }
  }
  ASSERT_TRUE(fitted) << "never fitted two scrapes and a write in 800 ms";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  EXPECT_EQ(active_users(), before + writers);
}

ANALYTICS_API_TEST_ON_ALL_BACKENDS(AnonymousCostApiTest);

}  // namespace
}  // namespace analytics::apitest

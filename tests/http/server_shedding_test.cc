// Load shedding: the connection cap, the bounded worker queue, and requests a
// worker takes up after their client left or after their deadline. None of
// them runs a handler; each is answered 503 with Retry-After, or not at all.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server_fixture.h"
#include "support/http_client.h"

namespace analytics::http {
namespace {

using analytics::testing::Connection;
using analytics::testing::HttpResult;
using std::chrono::milliseconds;

// Holds every /block request until Open; counts those that entered.
class Gate {
 public:
  ~Gate() { Open(); }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  Response Handle(Request& request) {
    if (request.path == "/block") {
      std::unique_lock lock(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return open_; });
    }
    return TextResponse("ok " + request.path);
  }
  bool WaitEntered(int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return entered_ >= count; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int entered_ = 0;
};

ServerOptions OneWorker() {
  ServerOptions options = TestOptions();
  options.workers = 1;
  return options;
}

std::string RawGet(std::string_view path) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

bool IsOverloaded(const HttpResult& result) {
  return result.status == 503 && result.Header("retry-after") == "1" &&
         result.Header("content-type") == "application/problem+json";
}

// Polls until `n` requests wait for a worker (false after 5 s).
bool WaitQueued(const Server& server, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.queued_requests() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));  // polling, not timing
  }
  return true;
}

TEST(ServerShedding, ConnectionPastMaxConnectionsGets503AndIsClosed) {
  ServerOptions options = TestOptions();
  options.limits.max_connections = 2;
  TestServer server([](Request&) { return TextResponse("ok"); }, options);
  Connection first(server.port());
  Connection second(server.port());
  ASSERT_EQ(first.Get("/").status, 200);
  ASSERT_EQ(second.Get("/").status, 200);

  Connection third(server.port());
  HttpResult refused = third.ReadResponse();
  const bool third_closed = third.WaitForClose(milliseconds(5000));
  const int first_again = first.Get("/again").status;

  EXPECT_TRUE(IsOverloaded(refused)) << refused.status << " " << refused.error;
  EXPECT_EQ(refused.Header("connection"), "close");
  EXPECT_TRUE(third_closed);
  EXPECT_EQ(first_again, 200);
  EXPECT_EQ(server.handled().size(), 3u);
}

TEST(ServerShedding, ClosedConnectionFreesItsPlace) {
  ServerOptions options = TestOptions();
  options.limits.max_connections = 1;
  TestServer server([](Request&) { return TextResponse("ok"); }, options);
  {
    Connection only(server.port());
    ASSERT_EQ(only.Get("/").status, 200);
  }

  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {  // the server sees the close a moment later
    status = testing::Get(server.port(), "/").status;
    if (status != 200) std::this_thread::sleep_for(milliseconds(20));
  }

  EXPECT_EQ(status, 200);
}

TEST(ServerShedding, RequestPastMaxQueuedRequestsGets503WithoutRunning) {
  Gate gate;
  ServerOptions options = OneWorker();
  options.limits.max_queued_requests = 1;
  TestServer server([&gate](Request& r) { return gate.Handle(r); }, options);
  Connection busy(server.port());
  Connection queued(server.port());
  Connection shed(server.port());
  ASSERT_TRUE(busy.SendRaw(RawGet("/block")));
  ASSERT_TRUE(gate.WaitEntered(1));
  ASSERT_TRUE(queued.SendRaw(RawGet("/queued")));
  ASSERT_TRUE(WaitQueued(server.server(), 1));

  HttpResult refused = shed.Get("/shed");
  gate.Open();
  HttpResult busy_result = busy.ReadResponse();
  HttpResult queued_result = queued.ReadResponse();

  EXPECT_TRUE(IsOverloaded(refused)) << refused.status << " " << refused.body;
  EXPECT_EQ(busy_result.status, 200);
  EXPECT_EQ(queued_result.body, "ok /queued");
  std::vector<Request> handled = server.handled();
  ASSERT_EQ(handled.size(), 2u);
  EXPECT_EQ(handled[1].path, "/queued");
  EXPECT_EQ(shed.Get("/after").status, 200);  // the connection stays usable
}

TEST(ServerShedding, QueuedRequestOfAClientThatLeftNeverRuns) {
  Gate gate;
  TestServer server([&gate](Request& r) { return gate.Handle(r); }, OneWorker());
  Connection busy(server.port());
  ASSERT_TRUE(busy.SendRaw(RawGet("/block")));
  ASSERT_TRUE(gate.WaitEntered(1));
  {
    Connection leaving(server.port());
    ASSERT_TRUE(leaving.SendRaw(RawGet("/left")));
    ASSERT_TRUE(WaitQueued(server.server(), 1));
  }

  gate.Open();
  EXPECT_EQ(busy.ReadResponse().status, 200);
  std::vector<Exchange> exchanges = server.WaitForExchanges(2);

  ASSERT_EQ(exchanges.size(), 2u);
  // The two finish in either order: the drop needs no write.
  const Exchange& left = exchanges[0].request.path == "/left" ? exchanges[0] : exchanges[1];
  EXPECT_EQ(left.request.path, "/left");
  EXPECT_EQ(left.status, 499);
  ASSERT_EQ(server.handled().size(), 1u);
  EXPECT_EQ(server.handled()[0].path, "/block");
}

TEST(ServerShedding, RequestTakenUpPastItsDeadlineGets503WithoutRunning) {
  Gate gate;
  ServerOptions options = OneWorker();
  options.limits.request_timeout = std::chrono::seconds(1);
  TestServer server([&gate](Request& r) { return gate.Handle(r); }, options);
  Connection busy(server.port());
  Connection late(server.port());
  ASSERT_TRUE(busy.SendRaw(RawGet("/block")));
  ASSERT_TRUE(gate.WaitEntered(1));
  ASSERT_TRUE(late.SendRaw(RawGet("/late")));
  ASSERT_TRUE(WaitQueued(server.server(), 1));

  std::this_thread::sleep_for(milliseconds(1300));  // past the late request's deadline
  gate.Open();
  HttpResult late_result = late.ReadResponse();

  EXPECT_TRUE(IsOverloaded(late_result)) << late_result.status << " " << late_result.body;
  EXPECT_EQ(busy.ReadResponse().status, 200);
  EXPECT_EQ(server.handled().size(), 1u);
  EXPECT_EQ(late.Get("/after").status, 200);  // answered, not closed
}

}  // namespace
}  // namespace analytics::http

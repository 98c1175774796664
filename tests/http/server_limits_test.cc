// The server's protective limits: body and header sizes (and the BodyLimit
// callback that may allow a larger body), garbage, idle and request timeouts.
// Each error answer closes the connection.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/server_fixture.h"
#include "support/http_client.h"

namespace analytics::http {
namespace {

using analytics::testing::Connection;
using analytics::testing::HttpResult;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

Response Ok(Request& request) { return TextResponse("got " + std::to_string(request.body.size())); }

ServerOptions SmallLimits() {
  ServerOptions options = TestOptions();
  options.limits.max_body_bytes = 1024;
  options.limits.max_header_bytes = 1024;
  return options;
}

// Allows up to 8192 bytes on /big only, and counts its calls.
struct BodyLimitProbe {
  std::atomic<int> calls{0};
  std::mutex mu;
  std::string last_path;  // guarded by mu

  BodyLimit Callback() {
    return [this](const Request& head) -> std::size_t {
      ++calls;
      std::lock_guard lock(mu);
      last_path = head.path;
      return head.path == "/big" ? 8192 : 1024;
    };
  }
  std::string LastPath() {
    std::lock_guard lock(mu);
    return last_path;
  }
};

ServerOptions WithBodyLimit(BodyLimitProbe& probe) {
  ServerOptions options = SmallLimits();
  options.body_limit = probe.Callback();
  return options;
}

std::string ExpectContinuePost(std::string_view path, std::size_t length) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) +
         "\r\nExpect: 100-continue\r\n\r\n";
}

TEST(ServerLimits, BigContentLengthGets413BeforeTheBodyIsSent) {
  TestServer server(Ok, SmallLimits());
  Connection connection(server.port());

  ASSERT_TRUE(connection.SendRaw("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  HttpResult result = connection.ReadResponse();

  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(result.Header("content-type"), "application/problem+json");
  EXPECT_NE(result.body.find("\"status\":413"), std::string::npos);
  EXPECT_EQ(result.Header("connection"), "close");
  EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  EXPECT_TRUE(server.handled().empty());
  EXPECT_EQ(server.WaitForExchanges(1)[0].status, 413);
}

TEST(ServerLimits, ContentLengthAboveEveryLimitGets413) {
  TestServer server(Ok, SmallLimits());

  HttpResult result = testing::Request(
      server.port(), "POST /x:batch HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");

  EXPECT_EQ(result.status, 413);
}

TEST(ServerLimits, BodyAtTheLimitIsAccepted) {
  TestServer server(Ok, SmallLimits());

  HttpResult result = testing::Post(server.port(), "/x", std::string(1024, 'a'));

  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "got 1024");
}

TEST(ServerLimits, NoPathSuffixGetsALargerLimitWithoutBodyLimit) {
  TestServer server(Ok, SmallLimits());

  HttpResult batch = testing::Post(server.port(), "/users/u1/tasks:batch", std::string(5000, 'a'));

  EXPECT_EQ(batch.status, 413);
  EXPECT_TRUE(server.handled().empty());
}

TEST(ServerLimits, BodyLimitAllowsALargerDeclaredBodyAndThenSends100Continue) {
  BodyLimitProbe probe;
  TestServer server(Ok, WithBodyLimit(probe));
  Connection connection(server.port());

  ASSERT_TRUE(connection.SendRaw(ExpectContinuePost("/big", 5000)));
  const bool interim = connection.WaitForData(milliseconds(3000));
  ASSERT_TRUE(connection.SendRaw(std::string(5000, 'a')));
  HttpResult result = connection.ReadResponse();

  EXPECT_TRUE(interim);
  EXPECT_EQ(result.interim, std::vector<int>{100});
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "got 5000");
  EXPECT_EQ(probe.calls, 1);
  EXPECT_EQ(probe.LastPath(), "/big");
}

TEST(ServerLimits, BodyLimitRefusalGets413WithoutContinueOrReadingTheBody) {
  BodyLimitProbe probe;
  TestServer server(Ok, WithBodyLimit(probe));
  Connection connection(server.port());

  ASSERT_TRUE(connection.SendRaw(ExpectContinuePost("/small", 5000)));
  HttpResult result = connection.ReadResponse();

  EXPECT_TRUE(result.interim.empty());
  EXPECT_EQ(result.status, 413);
  EXPECT_NE(result.body.find("1024 bytes"), std::string::npos) << result.body;
  EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  EXPECT_EQ(probe.calls, 1);
  EXPECT_TRUE(server.handled().empty());
}

TEST(ServerLimits, BodyAboveWhatBodyLimitAllowsGets413) {
  BodyLimitProbe probe;
  TestServer server(Ok, WithBodyLimit(probe));

  HttpResult result = testing::Post(server.port(), "/big", std::string(9000, 'a'));

  EXPECT_EQ(result.status, 413);
  EXPECT_TRUE(server.handled().empty());
}

TEST(ServerLimits, BodyWithinMaxBodyBytesNeverAsksBodyLimit) {
  BodyLimitProbe probe;
  TestServer server(Ok, WithBodyLimit(probe));

  HttpResult result = testing::Post(server.port(), "/small", std::string(1000, 'a'));

  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(probe.calls, 0);
}

TEST(ServerLimits, ChunkedBodyOutgrowingMaxBodyBytesAsksBodyLimit) {
  BodyLimitProbe probe;
  TestServer server(Ok, WithBodyLimit(probe));
  const std::string chunk = "258\r\n" + std::string(600, 'b') + "\r\n";  // 0x258 = 600
  const std::string body = chunk + chunk + chunk + "0\r\n\r\n";
  const std::string head = " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

  HttpResult allowed = testing::Request(server.port(), "POST /big" + head + body);
  HttpResult refused = testing::Request(server.port(), "POST /small" + head + body);

  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.body, "got 1800");
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(probe.calls, 2);
  EXPECT_EQ(server.handled().size(), 1u);
}

TEST(ServerLimits, ThrowingBodyLimitGrantsNothing) {
  ServerOptions options = SmallLimits();
  options.body_limit = [](const Request&) -> std::size_t { throw std::runtime_error("boom"); };
  TestServer server(Ok, options);

  HttpResult result = testing::Post(server.port(), "/big", std::string(5000, 'a'));

  EXPECT_EQ(result.status, 413);
  const std::vector<Exchange> exchanges = server.WaitForExchanges(1);
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].request.server_note, "body limit callback threw: boom");
}

TEST(ServerLimits, OversizedChunkedBodyGets413) {
  TestServer server(Ok, SmallLimits());
  Connection connection(server.port());
  const std::string chunk = "258\r\n" + std::string(600, 'b') + "\r\n";  // 0x258 = 600

  ASSERT_TRUE(
      connection.SendRaw("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                         chunk + chunk + chunk + "0\r\n\r\n"));
  HttpResult result = connection.ReadResponse();

  EXPECT_EQ(result.status, 413);
  EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  EXPECT_TRUE(server.handled().empty());
}

TEST(ServerLimits, HugeHeadersGet431) {
  TestServer server(Ok, SmallLimits());
  Connection connection(server.port());

  ASSERT_TRUE(connection.SendRaw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') +
                                 "\r\n\r\n"));
  HttpResult result = connection.ReadResponse();

  EXPECT_EQ(result.status, 431);
  EXPECT_EQ(result.Header("content-type"), "application/problem+json");
  EXPECT_FALSE(result.Header("x-request-id").empty());
  EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  EXPECT_EQ(server.WaitForExchanges(1)[0].status, 431);
}

TEST(ServerLimits, GarbageGets400AndTheServerKeepsServing) {
  TestServer server(Ok, SmallLimits());
  const std::string garbage[] = {"HELLO\r\n\r\n",
                                 "GET / FTP/9.9\r\n\r\n",
                                 std::string("\x00\x01\x02\xff\r\n\r\n", 8),
                                 "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
                                 "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                                 "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"};

  for (const std::string& request : garbage) {
    Connection connection(server.port());
    ASSERT_TRUE(connection.SendRaw(request));
    HttpResult result = connection.ReadResponse();
    EXPECT_EQ(result.status, 400) << ::testing::PrintToString(request) << " " << result.error;
    EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  }

  EXPECT_EQ(testing::Get(server.port(), "/").status, 200);
  EXPECT_TRUE(server.handled().size() == 1);
}

TEST(ServerLimits, RandomBytesNeverBreakTheServer) {
  TestServer server(Ok, SmallLimits());
  std::mt19937 rng(12345);
  const std::string prefixes[] = {"", "GET / HTTP/1.1\r\n",
                                  "POST /x HTTP/1.1\r\nContent-Length: 10\r\n",
                                  "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"};

  for (int i = 0; i < 200; ++i) {
    std::string bytes = prefixes[i % 4];
    const int length = static_cast<int>(rng() % 2000);
    for (int k = 0; k < length; ++k) bytes.push_back(static_cast<char>(rng() % 256));
    Connection connection(server.port(), "127.0.0.1", milliseconds(200));
    connection.SendRaw(bytes);
    if (i % 2 == 0) connection.ReadResponse();  // sometimes hang up without reading
  }

  HttpResult result = testing::Get(server.port(), "/");
  EXPECT_EQ(result.status, 200);
}

TEST(ServerLimits, ExpectContinueGetsAnInterimAnswer) {
  TestServer server(Ok, SmallLimits());
  Connection connection(server.port());

  ASSERT_TRUE(connection.SendRaw(
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  const bool interim = connection.WaitForData(milliseconds(3000));
  ASSERT_TRUE(connection.SendRaw("hello"));
  HttpResult result = connection.ReadResponse();

  EXPECT_TRUE(interim);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "got 5");
}

TEST(ServerLimits, IdleConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options = TestOptions();
  options.limits.idle_timeout = std::chrono::seconds(1);
  TestServer server(Ok, options);
  Connection used(server.port());
  ASSERT_EQ(used.Get("/").status, 200);
  Connection silent(server.port());

  const auto start = steady_clock::now();
  const bool used_closed = used.WaitForClose(milliseconds(4000));
  const bool silent_closed = silent.WaitForClose(milliseconds(4000));
  const auto elapsed = steady_clock::now() - start;

  EXPECT_TRUE(used_closed);
  EXPECT_TRUE(silent_closed);
  EXPECT_GE(elapsed, milliseconds(800));
  EXPECT_LT(elapsed, milliseconds(3500));
}

TEST(ServerLimits, TrickledHeadersAreCutOffByRequestTimeout) {
  ServerOptions options = TestOptions();
  options.limits.idle_timeout = std::chrono::seconds(30);
  options.limits.request_timeout = std::chrono::seconds(1);
  TestServer server(Ok, options);
  Connection connection(server.port());

  const auto start = steady_clock::now();
  ASSERT_TRUE(connection.SendRaw("GET / HTTP/1.1\r\nHost: x\r\n"));
  // One header line every 200 ms, each well inside any idle timeout, until the server answers.
  for (int i = 0; i < 25; ++i) {
    if (!connection.SendRaw("X-Slow-" + std::to_string(i) + ": y\r\n")) break;
    if (connection.WaitForData(milliseconds(200))) break;
  }
  HttpResult result = connection.ReadResponse();
  const auto elapsed = steady_clock::now() - start;

  EXPECT_EQ(result.status, 408) << result.error;
  EXPECT_TRUE(connection.WaitForClose(milliseconds(5000)));
  EXPECT_GE(elapsed, milliseconds(800));
  EXPECT_LT(elapsed, milliseconds(3000));
  EXPECT_TRUE(server.handled().empty());
}

}  // namespace
}  // namespace analytics::http

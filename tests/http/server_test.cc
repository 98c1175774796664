// The server over real sockets: keep-alive, request ids, request parsing,
// the catch-all, concurrency and shutdown.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "http/server_fixture.h"
#include "support/http_client.h"

namespace analytics::http {
namespace {

using analytics::testing::Connection;
using analytics::testing::HttpResult;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

Response EchoPath(Request& request) { return TextResponse("path=" + request.path); }

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  TestServer server(EchoPath);
  Connection connection(server.port());
  ASSERT_TRUE(connection.connected());

  HttpResult first = connection.Get("/a");
  HttpResult second = connection.Get("/b");

  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "path=/a");
  EXPECT_EQ(first.Header("content-type"), "text/plain");
  EXPECT_EQ(first.Header("content-length"), "7");
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_EQ(second.body, "path=/b");
  EXPECT_EQ(server.handled().size(), 2u);
}

TEST(Server, EchoesASaneClientRequestId) {
  TestServer server(EchoPath);

  HttpResult result = testing::Get(server.port(), "/", {{"X-Request-Id", "client-id_1.2:3"}});

  EXPECT_EQ(result.Header("x-request-id"), "client-id_1.2:3");
  ASSERT_EQ(server.handled().size(), 1u);
  EXPECT_EQ(server.handled()[0].request_id, "client-id_1.2:3");
}

TEST(Server, GeneratesARequestIdWhenMissingOrInsane) {
  TestServer server(EchoPath);

  HttpResult missing = testing::Get(server.port(), "/");
  HttpResult insane = testing::Get(server.port(), "/", {{"X-Request-Id", "has space<script>"}});
  HttpResult too_long = testing::Get(server.port(), "/", {{"X-Request-Id", std::string(129, 'a')}});

  for (const HttpResult* result : {&missing, &insane, &too_long}) {
    EXPECT_EQ(result->Header("x-request-id").size(), 32u) << result->Header("x-request-id");
  }
  EXPECT_NE(missing.Header("x-request-id"), insane.Header("x-request-id"));
  EXPECT_EQ(server.handled()[0].request_id, missing.Header("x-request-id"));
}

TEST(Server, FillsTheRequest) {
  TestServer server(EchoPath);

  HttpResult result = testing::Get(server.port(), "/a%20b/c%2Fd?x=1&y=hello+world&z=%C3%A9&flag",
                                   {{"X-Custom-Header", "Value"}});

  ASSERT_EQ(result.status, 200) << result.error;
  ASSERT_EQ(server.handled().size(), 1u);
  const std::vector<Request> handled = server.handled();
  const Request& request = handled[0];
  EXPECT_EQ(request.method, Method::kGet);
  EXPECT_EQ(request.method_text, "GET");
  EXPECT_EQ(request.target, "/a%20b/c%2Fd?x=1&y=hello+world&z=%C3%A9&flag");
  EXPECT_EQ(request.path, "/a b/c/d");
  EXPECT_EQ(request.query, (std::vector<std::pair<std::string, std::string>>{
                               {"x", "1"}, {"y", "hello world"}, {"z", "\xC3\xA9"}, {"flag", ""}}));
  EXPECT_EQ(request.Header("x-custom-header"), "Value");
  bool lower_case_name = false;
  for (const auto& [name, value] : request.headers) lower_case_name |= name == "x-custom-header";
  EXPECT_TRUE(lower_case_name);
  EXPECT_EQ(request.remote_address, "127.0.0.1");
  EXPECT_EQ(request.version, 11);
}

TEST(Server, DeliversPlainAndChunkedRequestBodies) {
  TestServer server([](Request& request) { return TextResponse(request.body); });
  Connection connection(server.port());

  HttpResult plain = connection.Post("/p", "{\"a\":1}");
  ASSERT_TRUE(
      connection.SendRaw("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  HttpResult chunked = connection.ReadResponse();

  EXPECT_EQ(plain.body, "{\"a\":1}");
  EXPECT_EQ(chunked.status, 200);
  EXPECT_EQ(chunked.body, "abcdefg");
  EXPECT_EQ(server.handled()[0].method, Method::kPost);
}

TEST(Server, BadPercentEncodingGets400AndKeepsTheConnection) {
  TestServer server(EchoPath);
  Connection connection(server.port());

  HttpResult bad_path = connection.Get("/a%zz");
  HttpResult nul_path = connection.Get("/a%00b");
  HttpResult bad_query = connection.Get("/ok?x=%4");
  HttpResult good = connection.Get("/fine");

  EXPECT_EQ(bad_path.status, 400);
  EXPECT_EQ(bad_path.Header("content-type"), "application/problem+json");
  EXPECT_NE(bad_path.body.find("\"field\":\"path\""), std::string::npos) << bad_path.body;
  EXPECT_EQ(nul_path.status, 400);
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_NE(bad_query.body.find("\"field\":\"query\""), std::string::npos) << bad_query.body;
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(server.handled().size(), 1u);  // the bad ones never reach the handler
  EXPECT_EQ(server.WaitForExchanges(4).size(), 4u);
}

TEST(Server, HandlerExceptionBecomes500Problem) {
  TestServer server([](Request&) -> Response { throw std::runtime_error("boom in handler"); });
  Connection connection(server.port());

  HttpResult result = connection.Get("/explode", {{"X-Request-Id", "rid-500"}});
  HttpResult again = connection.Get("/explode");

  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(result.Header("content-type"), "application/problem+json");
  EXPECT_NE(result.body.find("\"status\":500"), std::string::npos);
  EXPECT_EQ(result.body.find("boom"), std::string::npos) << "internals leaked: " << result.body;
  EXPECT_EQ(result.Header("x-request-id"), "rid-500");
  EXPECT_EQ(again.status, 500);  // the connection survives
  auto exchanges = server.WaitForExchanges(1);
  EXPECT_NE(exchanges[0].log_note.find("boom in handler"), std::string::npos);
}

TEST(Server, PassesHandlerHeadersButNotInjectedOnes) {
  TestServer server([](Request&) {
    Response response = JsonResponse(201, "{}");
    response.SetHeader("X-Cache", "hit");
    response.SetHeader("X-Evil", "a\r\nSet-Cookie: x=1");
    return response;
  });

  HttpResult result = testing::Get(server.port(), "/");

  EXPECT_EQ(result.status, 201);
  EXPECT_EQ(result.Header("x-cache"), "hit");
  EXPECT_EQ(result.Header("x-evil"), "");
  EXPECT_EQ(result.Header("set-cookie"), "");
}

TEST(Server, HeadSendsHeadersOnly) {
  TestServer server([](Request&) { return TextResponse("twelve bytes"); });
  Connection connection(server.port());

  HttpResult head = connection.Send("HEAD", "/");
  HttpResult get = connection.Get("/");  // would misparse if HEAD had sent a body

  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "12");
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(get.body, "twelve bytes");
}

TEST(Server, Http10ClosesUnlessAskedToKeepAlive) {
  TestServer server(EchoPath);
  Connection plain(server.port());
  Connection kept(server.port());

  ASSERT_TRUE(plain.SendRaw("GET /old HTTP/1.0\r\n\r\n"));
  HttpResult old = plain.ReadResponse();
  ASSERT_TRUE(kept.SendRaw("GET /k1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  HttpResult k1 = kept.ReadResponse();
  ASSERT_TRUE(kept.SendRaw("GET /k2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  HttpResult k2 = kept.ReadResponse();

  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.body, "path=/old");
  EXPECT_TRUE(plain.WaitForClose(milliseconds(3000)));
  EXPECT_EQ(k1.body, "path=/k1");
  EXPECT_EQ(k2.body, "path=/k2");
  EXPECT_EQ(server.handled()[0].version, 10);
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  TestServer server(EchoPath);
  Connection connection(server.port());

  ASSERT_TRUE(
      connection.SendRaw("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));

  EXPECT_EQ(connection.ReadResponse().body, "path=/one");
  EXPECT_EQ(connection.ReadResponse().body, "path=/two");
  EXPECT_EQ(connection.ReadResponse().body, "path=/three");
  EXPECT_TRUE(connection.WaitForClose(milliseconds(3000)));
}

TEST(Server, ServesConcurrentClients) {
  ServerOptions options = TestOptions();
  options.workers = 4;
  options.io_threads = 2;
  TestServer server(EchoPath, options);
  constexpr int kThreads = 8, kRequests = 25;
  std::atomic<int> good{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Connection connection(server.port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        HttpResult result = connection.Get(path);
        if (result.status == 200 && result.body == "path=" + path) ++good;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(good.load(), kThreads * kRequests);
}

TEST(Server, SlowHandlerDoesNotBlockOtherConnections) {
  std::atomic<bool> slow_started{false};
  TestServer server([&](Request& request) {
    if (request.path == "/slow") {
      slow_started = true;
      std::this_thread::sleep_for(milliseconds(1000));
    }
    return TextResponse("done");
  });
  std::thread slow_client([&] { EXPECT_EQ(testing::Get(server.port(), "/slow").status, 200); });
  while (!slow_started) std::this_thread::sleep_for(milliseconds(5));

  const auto start = steady_clock::now();
  HttpResult fast = testing::Get(server.port(), "/fast");
  const auto elapsed = steady_clock::now() - start;
  slow_client.join();

  EXPECT_EQ(fast.status, 200);
  EXPECT_LT(elapsed, milliseconds(700));
}

TEST(Server, ObserverSeesEachExchangeOnce) {
  TestServer server([](Request&) { return TextResponse("12345"); });
  Connection connection(server.port());

  connection.Get("/x", {{"X-Request-Id", "obs-1"}});
  connection.Get("/y");
  auto exchanges = server.WaitForExchanges(2);
  std::this_thread::sleep_for(milliseconds(50));  // room for a wrong duplicate to show up

  ASSERT_EQ(server.exchanges().size(), 2u);
  EXPECT_EQ(exchanges[0].request.path, "/x");
  EXPECT_EQ(exchanges[0].request.request_id, "obs-1");
  EXPECT_EQ(exchanges[0].status, 200);
  EXPECT_EQ(exchanges[0].body_bytes, 5u);
}

TEST(Server, StopWithOpenConnectionsReturns) {
  auto server = std::make_unique<TestServer>(EchoPath);
  Connection idle(server->port());
  ASSERT_EQ(idle.Get("/").status, 200);
  Connection half(server->port());
  ASSERT_TRUE(half.SendRaw("GET / HTTP/1.1\r\nHost: x\r\n"));
  Connection fresh(server->port());

  const auto start = steady_clock::now();
  server->server().Stop();
  server->server().Stop();  // idempotent
  const auto elapsed = steady_clock::now() - start;

  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_TRUE(idle.WaitForClose(milliseconds(2000)));
  EXPECT_TRUE(half.WaitForClose(milliseconds(2000)));
  EXPECT_TRUE(fresh.WaitForClose(milliseconds(2000)));
  EXPECT_FALSE(Connection(server->port()).Get("/").status == 200);
}

TEST(Server, StopWhileAHandlerRunsWaitsForItAndDropsTheAnswer) {
  std::atomic<bool> entered{false};
  auto server = std::make_unique<TestServer>([&](Request&) {
    entered = true;
    std::this_thread::sleep_for(milliseconds(300));
    return TextResponse("late");
  });
  Connection connection(server->port());
  ASSERT_TRUE(connection.SendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (!entered) std::this_thread::sleep_for(milliseconds(5));

  server->server().Stop();
  server.reset();

  EXPECT_TRUE(connection.WaitForClose(milliseconds(2000)));
}

TEST(Server, StartFailsWhenThePortIsTaken) {
  TestServer first(EchoPath);
  ServerOptions options = TestOptions();
  options.port = first.port();
  Server second(options, EchoPath, nullptr);

  Result<void> started = second.Start();

  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << started.error().message;
}

}  // namespace
}  // namespace analytics::http

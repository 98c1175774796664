// The server's fast path (http::FastPath) over real sockets: answers given at
// once or later from another thread, declines and "no answer" going on to the
// handler with the request intact, one observer call per exchange, keep-alive
// order across fast and slow answers, a throwing fast path, and many
// concurrent clients mixing all of these.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/server.h"
#include "http/server_fixture.h"
#include "support/http_client.h"

namespace analytics::http {
namespace {

using analytics::testing::Connection;
using analytics::testing::HttpResult;
using std::chrono::milliseconds;

// Runs closures on its own thread, in order: "later, from another thread".
class Answerer {
 public:
  Answerer() : thread_([this] { Loop(); }) {}
  ~Answerer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Later(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last
};

// A server with a fast path; records what the handler and the observer saw
// and how often the fast path was tried.
class FastServer {
 public:
  FastServer(Handler handler, FastPath fast, ServerOptions options = TestOptions())
      : fast_(std::move(fast)),
        server_(std::move(options), WrapHandler(std::move(handler)), MakeObserver(),
                [this](Request& request, FastAnswer answer) {
                  ++fast_calls_;
                  return fast_(request, std::move(answer));
                }) {
    const Result<void> started = server_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  }

  int port() const { return server_.port(); }
  Server& server() { return server_; }
  int fast_calls() const { return fast_calls_.load(); }

  std::vector<Request> handled() const {
    std::lock_guard lock(mu_);
    return handled_;
  }
  std::vector<Exchange> exchanges() const {
    std::lock_guard lock(mu_);
    return exchanges_;
  }
  std::vector<Exchange> WaitForExchanges(std::size_t count) const {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return exchanges_.size() >= count; });
    return exchanges_;
  }

 private:
  Handler WrapHandler(Handler handler) {
    return [this, handler = std::move(handler)](Request& request) {
      {
        std::lock_guard lock(mu_);
        handled_.push_back(request);
      }
      return handler(request);
    };
  }
  CompletionObserver MakeObserver() {
    return [this](const Request& request, const Response& response, std::size_t body_bytes,
                  std::chrono::nanoseconds) {
      std::lock_guard lock(mu_);
      exchanges_.push_back({request, response.status, response.log_note, body_bytes});
      cv_.notify_all();
    };
  }

  FastPath fast_;
  std::atomic<int> fast_calls_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Request> handled_;
  std::vector<Exchange> exchanges_;
  Server server_;  // last: stopped before the members its callbacks use
};

Response SlowEcho(Request& request) { return TextResponse("slow:" + request.path); }

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(ServerFastPath, SynchronousAnswerSkipsTheHandler) {
  FastServer server(SlowEcho, [](Request& request, FastAnswer answer) {
    Response response = TextResponse("fast:" + request.path);
    response.SetHeader("X-Cache", "hit");
    answer(std::move(response));
    return true;
  });

  HttpResult result = testing::Get(server.port(), "/a/b", {{"X-Request-Id", "fast-rid-1"}});

  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_EQ(result.body, "fast:/a/b");
  EXPECT_EQ(result.Header("content-type"), "text/plain");
  EXPECT_EQ(result.Header("x-cache"), "hit");
  EXPECT_EQ(result.Header("x-request-id"), "fast-rid-1");
  EXPECT_EQ(server.fast_calls(), 1);
  EXPECT_TRUE(server.handled().empty());
}

TEST(ServerFastPath, SeesTheParsedRequest) {
  std::mutex mu;
  std::optional<Request> seen;
  FastServer server(SlowEcho, [&](Request& request, FastAnswer answer) {
    {
      std::lock_guard lock(mu);
      seen = request;
    }
    answer(TextResponse("ok"));
    return true;
  });

  HttpResult result =
      testing::Get(server.port(), "/p%20q?x=1&y=a+b", {{"X-Custom", "V"}, {"X-Request-Id", "r-7"}});

  ASSERT_EQ(result.status, 200) << result.error;
  std::lock_guard lock(mu);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, Method::kGet);
  EXPECT_EQ(seen->path, "/p q");
  EXPECT_EQ(seen->query,
            (std::vector<std::pair<std::string, std::string>>{{"x", "1"}, {"y", "a b"}}));
  EXPECT_EQ(seen->Header("x-custom"), "V");
  EXPECT_EQ(seen->request_id, "r-7");
  EXPECT_EQ(seen->remote_address, "127.0.0.1");
}

TEST(ServerFastPath, AnswerLaterFromAnotherThread) {
  Answerer answerer;
  std::atomic<bool> answered_elsewhere{false};
  const std::thread::id test_thread = std::this_thread::get_id();
  FastServer server(SlowEcho, [&](Request& request, FastAnswer answer) {
    std::string body = "later:" + request.path;
    answerer.Later([&, answer = std::move(answer), body = std::move(body)] {
      std::this_thread::sleep_for(milliseconds(30));  // the I/O thread has long returned
      answered_elsewhere = std::this_thread::get_id() != test_thread;
      answer(TextResponse(body));
    });
    return true;
  });

  HttpResult result = testing::Get(server.port(), "/deferred");

  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_EQ(result.body, "later:/deferred");
  EXPECT_TRUE(answered_elsewhere);
  EXPECT_TRUE(server.handled().empty());
}

TEST(ServerFastPath, DeclinedRequestGoesToTheHandler) {
  FastServer server(SlowEcho, [](Request&, FastAnswer) { return false; });

  HttpResult result = testing::Get(server.port(), "/declined");

  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_EQ(result.body, "slow:/declined");
  EXPECT_EQ(server.fast_calls(), 1);
  EXPECT_EQ(server.handled().size(), 1u);
}

// "No answer" (nullopt), at once or later: the handler gets the request as
// parsed, plus whatever the fast path noted in its context (api/ keeps its
// Exchange there), which http/ carries without looking inside.
TEST(ServerFastPath, NulloptAnswerRunsTheHandlerWithTheRequestIntact) {
  Answerer answerer;
  FastServer server(
      [](Request& request) {
        return TextResponse("slow:" + request.path + ":" + request.body + ":" +
                            (request.context.has_value() ? "charged" : "uncharged"));
      },
      [&](Request& request, FastAnswer answer) {
        request.context = std::string("/set/by/fast/path");
        if (request.path == "/later") {
          answerer.Later([answer = std::move(answer)] { answer(std::nullopt); });
        } else {
          answer(std::nullopt);
        }
        return true;
      });
  Connection connection(server.port());
  ASSERT_TRUE(connection.connected());

  HttpResult now = connection.Post("/now?a=1&b=two", "body-one",
                                   {{"X-Custom", "Value-1"}, {"Content-Type", "text/plain"}});
  HttpResult later = connection.Send("PUT", "/later?z=%C3%A9", "body-two", {{"X-Other", "2"}});

  EXPECT_EQ(now.status, 200) << now.error;
  EXPECT_EQ(now.body, "slow:/now:body-one:charged");
  EXPECT_EQ(later.status, 200) << later.error;
  EXPECT_EQ(later.body, "slow:/later:body-two:charged");
  const std::vector<Request> handled = server.handled();
  ASSERT_EQ(handled.size(), 2u);
  EXPECT_EQ(handled[0].method, Method::kPost);
  EXPECT_EQ(handled[0].path, "/now");
  EXPECT_EQ(handled[0].target, "/now?a=1&b=two");
  EXPECT_EQ(handled[0].query,
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "two"}}));
  EXPECT_EQ(handled[0].Header("x-custom"), "Value-1");
  EXPECT_EQ(handled[0].Header("content-type"), "text/plain");
  EXPECT_EQ(handled[0].body, "body-one");
  ASSERT_NE(std::any_cast<std::string>(&handled[0].context), nullptr);
  EXPECT_EQ(std::any_cast<std::string>(handled[0].context), "/set/by/fast/path");
  EXPECT_FALSE(handled[0].request_id.empty());
  EXPECT_EQ(handled[1].method, Method::kPut);
  EXPECT_EQ(handled[1].path, "/later");
  EXPECT_EQ(handled[1].query,
            (std::vector<std::pair<std::string, std::string>>{{"z", "\xC3\xA9"}}));
  EXPECT_EQ(handled[1].Header("x-other"), "2");
  EXPECT_EQ(handled[1].body, "body-two");
  EXPECT_EQ(server.fast_calls(), 2);
}

TEST(ServerFastPath, ObserverSeesFastExchangesExactlyOnce) {
  Answerer answerer;
  FastServer server(SlowEcho, [&](Request& request, FastAnswer answer) {
    if (request.path == "/sync") {
      answer(TextResponse("12345"));
    } else if (request.path == "/later") {
      answerer.Later([answer = std::move(answer)] { answer(JsonResponse(201, "{\"a\":1}")); });
    } else {
      answerer.Later([answer = std::move(answer)] { answer(std::nullopt); });
    }
    return true;
  });
  Connection connection(server.port());

  ASSERT_EQ(connection.Get("/sync", {{"X-Request-Id", "obs-sync"}}).status, 200);
  ASSERT_EQ(connection.Get("/later", {{"X-Request-Id", "obs-later"}}).status, 201);
  ASSERT_EQ(connection.Get("/none", {{"X-Request-Id", "obs-none"}}).status, 200);
  server.WaitForExchanges(3);
  std::this_thread::sleep_for(milliseconds(100));  // room for a wrong duplicate to show up

  const std::vector<Exchange> exchanges = server.exchanges();
  ASSERT_EQ(exchanges.size(), 3u);
  EXPECT_EQ(exchanges[0].request.request_id, "obs-sync");
  EXPECT_EQ(exchanges[0].request.path, "/sync");
  EXPECT_EQ(exchanges[0].status, 200);
  EXPECT_EQ(exchanges[0].body_bytes, 5u);
  EXPECT_EQ(exchanges[1].request.request_id, "obs-later");
  EXPECT_EQ(exchanges[1].status, 201);
  EXPECT_EQ(exchanges[1].body_bytes, 7u);
  EXPECT_EQ(exchanges[2].request.request_id, "obs-none");
  EXPECT_EQ(exchanges[2].body_bytes, std::string("slow:/none").size());
  EXPECT_EQ(server.handled().size(), 1u);
}

// One connection, fast and slow answers interleaved, one at a time and
// pipelined: every answer belongs to its request, in order.
TEST(ServerFastPath, KeepAliveAcrossFastAndSlowAnswersInOrder) {
  Answerer answerer;
  FastServer server(
      [](Request& request) {
        if (StartsWith(request.path, "/slowest")) std::this_thread::sleep_for(milliseconds(50));
        return TextResponse("slow:" + request.path);
      },
      [&](Request& request, FastAnswer answer) {
        const std::string path = request.path;
        if (StartsWith(path, "/fast")) {
          answer(TextResponse("fast:" + path));
          return true;
        }
        if (StartsWith(path, "/later")) {
          answerer.Later([answer = std::move(answer), path] {
            std::this_thread::sleep_for(milliseconds(20));
            answer(TextResponse("later:" + path));
          });
          return true;
        }
        if (StartsWith(path, "/none")) {
          answerer.Later([answer = std::move(answer)] { answer(std::nullopt); });
          return true;
        }
        return false;
      });
  Connection connection(server.port());
  ASSERT_TRUE(connection.connected());

  const std::vector<std::pair<std::string, std::string>> sequence = {
      {"/fast/1", "fast:/fast/1"},    {"/slow/2", "slow:/slow/2"},
      {"/later/3", "later:/later/3"}, {"/none/4", "slow:/none/4"},
      {"/fast/5", "fast:/fast/5"},    {"/slowest/6", "slow:/slowest/6"},
      {"/fast/7", "fast:/fast/7"},    {"/later/8", "later:/later/8"},
  };
  for (const auto& [path, body] : sequence) {
    HttpResult result = connection.Get(path);
    EXPECT_EQ(result.status, 200) << path << ": " << result.error;
    EXPECT_EQ(result.body, body);
    EXPECT_NE(result.Header("connection"), "close") << path;
  }

  // Pipelined: all requests written before any answer is read.
  std::string raw;
  for (const auto& [path, body] : sequence) raw += "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(connection.SendRaw(raw));
  for (const auto& [path, body] : sequence) {
    HttpResult result = connection.ReadResponse();
    EXPECT_EQ(result.status, 200) << path << ": " << result.error;
    EXPECT_EQ(result.body, body) << "pipelined " << path;
  }
  EXPECT_EQ(server.WaitForExchanges(2 * sequence.size()).size(), 2 * sequence.size());
}

TEST(ServerFastPath, ThrowingBeforeAnsweringRunsTheHandler) {
  FastServer server(SlowEcho, [](Request& request, FastAnswer) -> bool {
    if (request.path == "/throw") throw std::runtime_error("fast path failed");
    return false;
  });
  Connection connection(server.port());

  HttpResult thrown = connection.Get("/throw");
  HttpResult next = connection.Get("/next");  // the connection and the I/O thread survive

  EXPECT_EQ(thrown.status, 200) << thrown.error;
  EXPECT_EQ(thrown.body, "slow:/throw");
  EXPECT_EQ(next.status, 200) << next.error;
  EXPECT_EQ(next.body, "slow:/next");
  EXPECT_EQ(server.handled().size(), 2u);
  const std::vector<Exchange> exchanges = server.WaitForExchanges(2);
  ASSERT_EQ(exchanges.size(), 2u);
  // What the fast path threw reaches the observer, to be logged.
  EXPECT_EQ(exchanges[0].request.server_note, "fast path threw: fast path failed");
  EXPECT_EQ(exchanges[1].request.server_note, "");
}

// Anything thrown, not only std::exception: the server's catch-all policy
// says nothing escapes onto an I/O thread. Run in a child process, since an
// escaping throw ends the process.
TEST(ServerFastPathDeathTest, ThrowingANonExceptionRunsTheHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        FastServer server(SlowEcho, [](Request&, FastAnswer) -> bool { throw 42; });
        HttpResult result = testing::Get(server.port(), "/int");
        const bool ok = result.status == 200 && result.body == "slow:/int";
        server.server().Stop();
        std::_Exit(ok ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
}

// A fast path that answers after the client went away: nothing is written,
// nothing crashes, and the server keeps serving.
TEST(ServerFastPath, AnswerAfterTheClientLeftIsHarmless) {
  std::mutex mu;
  std::vector<FastAnswer> parked;
  FastServer server(SlowEcho, [&](Request& request, FastAnswer answer) {
    if (request.path != "/park") return false;
    std::lock_guard lock(mu);
    parked.push_back(std::move(answer));
    return true;
  });
  {
    Connection gone(server.port());
    ASSERT_TRUE(gone.SendRaw("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server.fast_calls() < 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    ASSERT_EQ(server.fast_calls(), 1);
  }  // closed before the answer
  std::this_thread::sleep_for(milliseconds(50));
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(parked.size(), 1u);
    parked[0](TextResponse("too late"));
  }

  HttpResult after = testing::Get(server.port(), "/other");
  EXPECT_EQ(after.status, 200) << after.error;
  EXPECT_EQ(after.body, "slow:/other");
  std::lock_guard lock(mu);
  parked.clear();  // before the server goes (see AnswerOutlivingTheServerIsHarmless)
}

// Stop() while a fast-path answer is outstanding returns promptly, and the
// answer arriving after Stop (but before the server is destroyed) is harmless.
TEST(ServerFastPath, AnswerAfterStopIsHarmless) {
  std::mutex mu;
  std::vector<FastAnswer> parked;
  auto server = std::make_unique<FastServer>(SlowEcho, [&](Request&, FastAnswer answer) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(answer));
    return true;
  });
  Connection first(server->port());
  Connection second(server->port());
  ASSERT_TRUE(first.SendRaw("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(second.SendRaw("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server->fast_calls() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  ASSERT_EQ(server->fast_calls(), 2);

  const auto start = std::chrono::steady_clock::now();
  server->server().Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(first.WaitForClose(milliseconds(2000)));
  EXPECT_TRUE(second.WaitForClose(milliseconds(2000)));
  {
    std::lock_guard lock(mu);
    parked[0](TextResponse("after stop"));
    parked[1](std::nullopt);
    parked.clear();
  }
  server.reset();
}

// A FastAnswer still held when the server is destroyed: the cache answers the
// reads still queued on its GET batcher when it is destroyed, which App does
// after the server (and a batcher thread may be mid-batch at that moment).
// Calling or merely dropping that answer afterwards must be harmless.
TEST(ServerFastPath, AnswerOutlivingTheServerIsHarmless) {
  std::mutex mu;
  std::vector<FastAnswer> parked;
  auto server = std::make_unique<FastServer>(SlowEcho, [&](Request&, FastAnswer answer) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(answer));
    return true;
  });
  Connection connection(server->port());
  ASSERT_TRUE(connection.SendRaw("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server->fast_calls() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  ASSERT_EQ(server->fast_calls(), 1);

  server.reset();  // Stop, then destruction, with the answer outstanding
  EXPECT_TRUE(connection.WaitForClose(milliseconds(2000)));
  std::lock_guard lock(mu);
  parked[0](std::nullopt);  // the server is gone
  parked.clear();           // and so is the last reference to its session
}

// Many clients, each on its own keep-alive connection, mixing every kind of
// answer: each response carries the body of its own request.
TEST(ServerFastPath, ManyConcurrentConnectionsGetTheirOwnAnswers) {
  ServerOptions options = TestOptions();
  options.workers = 4;
  options.io_threads = 2;
  Answerer answerer;
  FastServer server([](Request& request) { return TextResponse("slow:" + request.path); },
                    [&](Request& request, FastAnswer answer) {
                      const std::string path = request.path;
                      switch (path.back() % 4) {
                        case 0:
                          answer(TextResponse("fast:" + path));
                          return true;
                        case 1:
                          answerer.Later([answer = std::move(answer), path] {
                            answer(TextResponse("later:" + path));
                          });
                          return true;
                        case 2:
                          answerer.Later([answer = std::move(answer)] { answer(std::nullopt); });
                          return true;
                        default:
                          return false;
                      }
                    },
                    options);
  constexpr int kThreads = 32, kRequests = 200;
  std::atomic<int> good{0};
  std::mutex mu;
  std::vector<std::string> wrong;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Connection connection(server.port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        const char kind = path.back() % 4;
        const std::string expected = (kind == 0 ? "fast:" : kind == 1 ? "later:" : "slow:") + path;
        HttpResult result = connection.Get(path);
        if (result.status == 200 && result.body == expected) {
          ++good;
        } else {
          std::lock_guard lock(mu);
          if (wrong.size() < 10) {
            wrong.push_back(path + " -> " + std::to_string(result.status) + " '" + result.body +
                            "' " + result.error);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(good.load(), kThreads * kRequests);
  for (const std::string& w : wrong) ADD_FAILURE() << w;
  EXPECT_EQ(server.WaitForExchanges(kThreads * kRequests).size(),
            static_cast<std::size_t>(kThreads * kRequests));
}

// Each I/O thread runs its own event loop, and connections are dealt out to
// them in turn: every thread serves some, and a connection stays on one.
TEST(ServerFastPath, ConnectionsAreSpreadOverTheIoThreadsAndStayOnOne) {
  ServerOptions options = TestOptions();
  options.io_threads = 3;
  std::mutex mu;
  std::map<std::string, std::set<std::thread::id>> threads_by_connection;
  FastServer server(
      SlowEcho,
      [&](Request& request, FastAnswer answer) {
        {
          std::lock_guard lock(mu);
          threads_by_connection[std::string(request.Header("x-connection"))].insert(
              std::this_thread::get_id());
        }
        answer(TextResponse("fast"));
        return true;
      },
      options);

  std::vector<std::unique_ptr<Connection>> connections;
  for (int c = 0; c < 6; ++c) connections.push_back(std::make_unique<Connection>(server.port()));
  for (int round = 0; round < 5; ++round) {
    for (int c = 0; c < 6; ++c) {
      HttpResult result = connections[c]->Get("/r", {{"X-Connection", std::to_string(c)}});
      ASSERT_EQ(result.status, 200) << result.error;
    }
  }

  std::lock_guard lock(mu);
  ASSERT_EQ(threads_by_connection.size(), 6u);
  std::set<std::thread::id> all;
  for (const auto& [connection, threads] : threads_by_connection) {
    EXPECT_EQ(threads.size(), 1u) << "connection " << connection;
    all.insert(threads.begin(), threads.end());
  }
  EXPECT_EQ(all.size(), 3u);
}

}  // namespace
}  // namespace analytics::http

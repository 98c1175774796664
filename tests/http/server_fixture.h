// A real http::Server on a free port for the http tests, recording what the
// handler saw and what the CompletionObserver reported.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "http/server.h"

namespace analytics::http {

struct Exchange {
  Request request;
  int status = 0;
  std::string log_note;
  std::size_t body_bytes = 0;
};

inline ServerOptions TestOptions() {
  ServerOptions options;
  options.port = 0;
  options.workers = 2;
  options.io_threads = 1;
  return options;
}

class TestServer {
 public:
  explicit TestServer(Handler handler, ServerOptions options = TestOptions())
      : server_(std::move(options), WrapHandler(std::move(handler)), MakeObserver()) {
    const Result<void> started = server_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  }

  int port() const { return server_.port(); }
  Server& server() { return server_; }

  std::vector<Request> handled() const {
    std::lock_guard lock(mu_);
    return handled_;
  }
  std::vector<Exchange> exchanges() const {
    std::lock_guard lock(mu_);
    return exchanges_;
  }
  // Waits for the observer to have seen `count` exchanges (it runs after the
  // last byte is written, so it can trail the client by a moment).
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

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Request> handled_;
  std::vector<Exchange> exchanges_;
  Server server_;  // last: stopped before the members its callbacks use
};

inline Response TextResponse(std::string body) {
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

}  // namespace analytics::http

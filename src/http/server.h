// The asynchronous HTTP/1.1 server (Boost.Beast), keep-alive, with limits on
// header size, body size, idle time and request time, on open connections and
// on requests waiting for a worker. Socket I/O runs on `io_threads`; handlers
// run on a pool of `workers` threads, so blocking storage work never stalls
// I/O. An optional fast path answers requests that need no blocking work
// without the hand-off to a worker.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "http/request.h"
#include "http/response.h"

namespace analytics::http {

using Handler = std::function<Response(Request&)>;

// Called with std::nullopt to pass a request on to the worker pool after all.
using FastAnswer = std::function<void(std::optional<Response>)>;
// Optional, tried on the I/O thread before a request goes to the worker pool,
// for answers that need no blocking work (a cache hit). It must not block:
// it returns false at once to decline, or true after taking the request, and
// then calls `answer` exactly once, on any thread. `answer` may be called or
// dropped even after the server is stopped or destroyed: then it does
// nothing. A throw counts as declining (Request::server_note says what).
using FastPath = std::function<bool(Request&, FastAnswer answer)>;

// Called once per finished exchange (including the server's own 400/408/413/431
// and 503 answers, and the 499 of a request dropped because its client left)
// with the bytes of body sent and the time from the request's first byte read
// to the last byte written. Runs on an I/O or worker thread.
using CompletionObserver = std::function<void(const Request&, const Response&,
                                              std::size_t body_bytes, std::chrono::nanoseconds)>;

// The body limit of a request whose body is larger than
// ServerLimits::max_body_bytes: declared by Content-Length, or found while
// reading a chunked body. Called with the request's head (method, target,
// path, headers, remote address, request id; no body) on a worker thread, so
// it may block (authenticate against a database). The server goes on reading
// up to the limit it returns, or answers 413 at once. For a declared length
// no `100 Continue` is sent before it allowed the body. Must not throw (a
// throw counts as returning max_body_bytes).
using BodyLimit = std::function<std::size_t(const Request& head)>;

struct ServerLimits {
  std::size_t max_body_bytes = 1 << 20;  // any larger body needs ServerOptions::body_limit
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::seconds idle_timeout{60};
  // Reading the request, and then waiting for a worker, each within this time
  // of the request's first byte: 408 when reading takes longer; a request a
  // worker takes up later is answered 503 without running the handler.
  std::chrono::seconds request_timeout{30};
  // Connections open at once. A connection past it is answered 503 with
  // Retry-After and closed, without reading its request.
  std::size_t max_connections = 1024;
  // Requests waiting for a worker (handler or BodyLimit call). A request past
  // it is answered 503 with Retry-After on the I/O thread at once.
  std::size_t max_queued_requests = 256;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port; see Server::port()
  int workers = 4;
  int io_threads = 1;
  ServerLimits limits;
  // Empty: no body may exceed limits.max_body_bytes.
  BodyLimit body_limit;
};

// Thread-safe. Start, then Stop (or destroy) once. The handler, observer,
// fast path and body limit are called until Stop returns, never after:
// whatever they use must outlive Stop (App's Api does: the server is
// stopped and destroyed before the App).
class Server {
 public:
  Server(ServerOptions options, Handler handler, CompletionObserver observer,
         FastPath fast_path = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving in background threads.
  // Errors: kUnavailable when the address cannot be bound (names host:port).
  Result<void> Start();
  // The bound port (after Start).
  int port() const;
  // Requests waiting for a worker now (for tests and diagnostics).
  std::size_t queued_requests() const;
  // Stops accepting, closes connections, joins threads. Idempotent.
  void Stop();

 private:
  class State;
  std::unique_ptr<State> state_;
};

}  // namespace analytics::http

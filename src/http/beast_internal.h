// Private to http/: what the server's three Beast files share (server.cc:
// accept and stop; session.cc: one connection's reading, dispatch and whole
// answers; chunked_writer.cc: streamed answers). No other file includes it,
// and no Boost type leaves http/.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/text.h"
#include "http/server.h"

namespace analytics::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// One unit of a shared counter (open connections, queued requests), given
// back exactly once: by Release or by the destructor.
class Slot {
 public:
  explicit Slot(std::atomic<std::size_t>* counter) : counter_(counter) {}
  Slot(Slot&& other) noexcept : counter_(std::exchange(other.counter_, nullptr)) {}
  Slot& operator=(Slot&&) = delete;
  ~Slot() { Release(); }
  void Release() {
    if (counter_ != nullptr) counter_->fetch_sub(1, std::memory_order_relaxed);
    counter_ = nullptr;
  }

 private:
  std::atomic<std::size_t>* counter_;
};

// A unit of `counter`, unless it already stands at `limit`.
inline std::optional<Slot> TakeSlot(std::atomic<std::size_t>& counter, std::size_t limit) {
  std::size_t current = counter.load(std::memory_order_relaxed);
  do {
    if (current >= limit) return std::nullopt;
  } while (!counter.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return Slot(&counter);
}

class Session;

// Sessions waiting for a fast-path answer. An answer may come from any
// thread, even after the server is gone (a cache's queue outlives it), so
// the answer callbacks hold this, not the session: the server keeps the
// waiting sessions alive here, and Stop closes it before the io_context goes,
// after which an answer finds nothing to post to.
struct FastAnswers {
  std::mutex mu;
  bool open = true;                                                      // guarded by mu
  std::unordered_map<const Session*, std::shared_ptr<Session>> waiting;  // guarded by mu
};

// What every connection shares. Owned by Server::State, which outlives all
// session activity (Stop joins every thread before State goes away).
struct Context {
  ServerOptions options;
  Handler handler;
  CompletionObserver observer;
  FastPath fast_path;
  std::shared_ptr<FastAnswers> fast_answers = std::make_shared<FastAnswers>();
  asio::thread_pool* workers = nullptr;
  std::chrono::seconds write_timeout{0};
  // Against limits.max_connections, kMaxRefusing and limits.max_queued_requests.
  mutable std::atomic<std::size_t> open_connections{0};
  mutable std::atomic<std::size_t> refusing{0};
  mutable std::atomic<std::size_t> queued{0};
};

// Header names or values with CR, LF or NUL would let a handler's (possibly
// user-derived) value inject headers; such headers are dropped.
inline bool IsUnsafeHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// One connection. Every member is touched only on the connection's I/O
// thread, except while a worker runs the handler or the stream source: then
// that thread starts no I/O for this exchange, and asio::post orders the
// hand-offs.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `slot` counts the connection (against max_connections, or kMaxRefusing
  // for a refused one) until it closes.
  Session(tcp::socket socket, const Context& context, Slot slot);
  void Start();

  // Answers 503 and closes without reading a request: the server is at
  // max_connections. Reading first would cost what the limit is there to save.
  void StartRefused();

  // Thread-safe: closes the connection on its I/O thread.
  void Close();

 private:
  struct StreamHead {
    bhttp::response<bhttp::empty_body> message;
    bhttp::response_serializer<bhttp::empty_body> serializer{message};
  };

  // --- Reading -------------------------------------------------------------

  void ReadIdle();
  void ReadRequest();
  void OnHeader(beast::error_code ec);

  // Asks ServerOptions::body_limit, on a worker (it may block), whether this
  // body may be larger than max_body_bytes; OnBodyLimit goes on. Until then
  // nothing is read and no 100 Continue is sent.
  void AskBodyLimit();
  void OnBodyLimit(std::size_t limit);
  void ContinueAndReadBody();
  void ReadBody();
  void RequestTimedOut();
  void OnReadError(beast::error_code ec);

  // --- Dispatch ------------------------------------------------------------

  void Dispatch();

  // On the I/O thread: `task` goes to a worker, unless max_queued_requests
  // tasks already wait for one. False when it was refused.
  template <class Task>
  bool Enqueue(Task task);
  void QueueHandler();

  // 503 with Retry-After, without running the handler: the server sheds load.
  // `reason` is one word, as the access log shows it: MaxConnections
  // (server.max_connections), QueueFull (server.max_queued_requests),
  // DeadlinePassed (limits.request_timeout_s before a worker took it up).
  void Overloaded(std::string reason, bool close);

  // Runs on a worker, while the I/O thread leaves the socket alone. True when
  // the client closed its side (EOF) or the connection is gone; bytes waiting
  // (a pipelined request) mean it is still there. As nginx does, a client
  // that half-closes counts as gone: HTTP clients do not do that and wait.
  bool ClientLeft() const;

  // On the I/O thread: the client left before a worker took the request up.
  // There is no one to answer; the observer still sees the exchange.
  void Abandon();

  // Runs on the I/O thread. True when the fast path took the request; its
  // answer comes back to that thread, where "no answer" goes on to the workers.
  bool TryFastPath();

  // Method, target, version, headers and request id; for a request that
  // failed to parse these may be partly empty.
  template <class Message>
  void FillRequestHead(const Message& message);

  // Runs on a worker thread.
  void RunHandler();
  void ErrorAnswer(int status, std::string detail);
  static std::string BodyLimitDetail(std::size_t limit);

  // --- Writing -------------------------------------------------------------

  void Respond();

  // A 5xx problem tells the client only a generic reason; the request id in
  // its body lets them quote the log lines that hold the cause.
  void AddRequestIdToServerError();

  template <class Body>
  void FillHeader(bhttp::response<Body>& message, bool with_content_type);
  void WriteWhole();
  void OnWritten(beast::error_code ec);
  void Notify();

  // --- Streamed bodies: one chunk in flight, so memory stays flat ----------

  void NextChunk();
  void OnChunk(const Result<bool>& more);
  void WriteStreamHead(bool more);
  void WriteChunk(bool more);
  void WriteLastChunk();

  // --- Closing and timers --------------------------------------------------

  void LingerAndClose();
  void Drain();
  void CloseNow();

  // Our own timer rather than tcp_stream's expiry, so a timed-out request can
  // still be answered with 408 instead of having its socket closed under it.
  void ArmTimer(SteadyClock::duration duration);
  void DisarmTimer();

  const Context& context_;
  const std::string remote_address_;
  // For ClientLeft on a worker, which must not touch stream_ (the I/O
  // thread's); the descriptor stays the socket's until CloseNow.
  const int socket_fd_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  Slot slot_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  bool closed_ = false;
  std::size_t linger_bytes_ = 0;
  std::size_t body_limit_ = 0;
  bool body_limit_asked_ = false;  // BodyLimit was asked for this request

  // The current exchange.
  Request request_;
  Response response_;
  SteadyClock::time_point started_;
  std::size_t body_bytes_ = 0;
  bool close_after_ = false;
  bool notified_ = false;
  bool chunked_ = false;
  std::string chunk_;
  std::unique_ptr<StreamHead> stream_head_;
};

template <class Body>
void Session::FillHeader(bhttp::response<Body>& message, bool with_content_type) {
  message.version(request_.version);
  message.result(static_cast<unsigned>(response_.status));
  message.reason(ReasonPhrase(response_.status));
  message.set(bhttp::field::server, "analytics");
  if (with_content_type && !response_.content_type.empty() &&
      !IsUnsafeHeaderText(response_.content_type)) {
    message.set(bhttp::field::content_type, response_.content_type);
  }
  for (const auto& [name, value] : response_.headers) {
    if (name.empty() || IsUnsafeHeaderText(name) || IsUnsafeHeaderText(value) ||
        EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "content-length") ||
        EqualsIgnoreCase(name, "transfer-encoding") || EqualsIgnoreCase(name, "x-request-id")) {
      continue;
    }
    message.insert(name, value);
  }
  message.set("X-Request-Id", request_.request_id);
  message.keep_alive(!close_after_);
}

}  // namespace analytics::http::detail

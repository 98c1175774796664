// The only file that includes Boost.Beast/Asio. One Session per connection
// runs on one I/O thread (each thread runs an io_context of its own);
// handlers, body-limit calls and stream sources run on the worker pool and
// hand their result back to the connection's thread with asio::post.
//
// Load shedding: a connection past limits.max_connections, a request past
// limits.max_queued_requests waiting for a worker, and a request a worker
// takes up after its deadline are all answered 503 with Retry-After, and no
// handler runs for them; a request whose client left while it waited is
// dropped (the observer sees 499).
#include "http/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace analytics::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kReadChunkBytes = 4096;
// After an error answer the client may still be sending a body we refused;
// closing with unread data would reset the connection and could destroy our
// answer in flight, so we read and discard for a while first.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::chrono::seconds kStopDrainTimeout{5};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Refused connections being answered at once (each lingers up to
// kLingerTimeout); past this a refused connection is closed without an answer.
constexpr std::size_t kMaxRefusing = 64;
// nginx's "client closed request": for the observer only, never sent.
constexpr int kClientClosedRequest = 499;
constexpr std::string_view kRetryAfterSeconds = "1";

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
std::optional<Slot> TakeSlot(std::atomic<std::size_t>& counter, std::size_t limit) {
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

Method ToMethod(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// Header names or values with CR, LF or NUL would let a handler's (possibly
// user-derived) value inject headers; such headers are dropped.
bool IsUnsafeHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string RemoteAddress(const tcp::socket& socket) {
  beast::error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return {};
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

// The path part of a request target: origin-form "/a?b", absolute-form
// "http://host/a?b" (proxies), or "*".
std::string_view PathOfTarget(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (const std::size_t scheme = target.find("://");
      scheme != std::string_view::npos && !target.empty() && target.front() != '/') {
    const std::size_t slash = target.find('/', scheme + 3);
    return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  return target;
}

Result<bool> CallSource(const ChunkSource& source, std::string& out) {
  // Part of the per-request catch-all: a throwing stream source is a failed response.
  try {
    return source(out);
  } catch (const std::exception& e) {
    return Internal(std::string("stream source threw: ") + e.what());
  } catch (...) {
    return Internal("stream source threw a non-exception");
  }
}

// One connection. Every member is touched only on the connection's I/O
// thread, except while a worker runs the handler or the stream source: then
// that thread starts no I/O for this exchange, and asio::post orders the
// hand-offs.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `slot` counts the connection (against max_connections, or kMaxRefusing
  // for a refused one) until it closes.
  Session(tcp::socket socket, const Context& context, Slot slot)
      : context_(context),
        remote_address_(RemoteAddress(socket)),
        socket_fd_(socket.native_handle()),
        stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        slot_(std::move(slot)) {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadIdle(); });
  }

  // Answers 503 and closes without reading a request: the server is at
  // max_connections. Reading first would cost what the limit is there to save.
  void StartRefused() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->started_ = SteadyClock::now();
      self->request_.remote_address = self->remote_address_;
      self->request_.method = Method::kOther;
      self->request_.request_id = NewRequestId();
      self->Overloaded("connection refused: server.max_connections reached", /*close=*/true);
    });
  }

  // Thread-safe: closes the connection on its I/O thread.
  void Close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  struct StreamHead {
    bhttp::response<bhttp::empty_body> message;
    bhttp::response_serializer<bhttp::empty_body> serializer{message};
  };

  // --- Reading -------------------------------------------------------------

  void ReadIdle() {
    if (closed_) return;
    if (buffer_.size() > 0) {  // a pipelined request is already here
      ReadRequest();
      return;
    }
    ArmTimer(context_.options.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->DisarmTimer();
                              if (ec) return self->CloseNow();  // idle timeout or client left
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    started_ = SteadyClock::now();
    request_ = Request{};
    request_.remote_address = remote_address_;
    response_ = Response{};
    body_bytes_ = 0;
    close_after_ = false;
    notified_ = false;
    chunked_ = false;
    body_limit_asked_ = false;
    stream_head_.reset();

    const ServerLimits& limits = context_.options.limits;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    // OnHeader sets the real limit; beast would refuse a larger Content-Length
    // while parsing the header, before BodyLimit could be asked.
    body_limit_ = limits.max_body_bytes;
    parser_->body_limit(boost::none);

    // Slowloris protection: header and body together must arrive in time.
    ArmTimer(limits.request_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const std::size_t limit = context_.options.limits.max_body_bytes;
    if (parser_->content_length() && *parser_->content_length() > limit) {
      if (context_.options.body_limit) return AskBodyLimit();
      return ErrorAnswer(status::kPayloadTooLarge, BodyLimitDetail(limit));
    }
    parser_->body_limit(limit);
    ContinueAndReadBody();
  }

  // Asks ServerOptions::body_limit, on a worker (it may block), whether this
  // body may be larger than max_body_bytes; OnBodyLimit goes on. Until then
  // nothing is read and no 100 Continue is sent.
  void AskBodyLimit() {
    body_limit_asked_ = true;
    FillRequestHead(parser_->get());
    Request head = request_;
    const std::string_view raw_path = PathOfTarget(head.target);
    head.path = PercentDecode(raw_path, false).value_or(std::string(raw_path));
    const bool queued = Enqueue([self = shared_from_this(), head = std::move(head)] {
      std::size_t limit = self->context_.options.limits.max_body_bytes;
      // Part of the per-request catch-all: a throwing callback grants nothing.
      try {
        limit = self->context_.options.body_limit(head);
      } catch (...) {
      }
      asio::post(self->stream_.get_executor(), [self, limit] { self->OnBodyLimit(limit); });
    });
    if (!queued) {
      Overloaded("worker queue full (server.max_queued_requests)", /*close=*/true);
    }
  }

  void OnBodyLimit(std::size_t limit) {
    if (closed_) return;
    // The request timer may have fired while no read was pending to cancel.
    if (timed_out_) return RequestTimedOut();
    body_limit_ = limit;
    if (const auto length = parser_->content_length()) {
      if (*length > limit) return ErrorAnswer(status::kPayloadTooLarge, BodyLimitDetail(limit));
      parser_->body_limit(limit);
      return ContinueAndReadBody();
    }
    // A chunked body that outgrew max_body_bytes: beast stopped before the
    // chunk that did not fit and reads on from it under the new limit.
    const std::size_t read = parser_->get().body().size();
    if (read >= limit) return ErrorAnswer(status::kPayloadTooLarge, BodyLimitDetail(limit));
    parser_->body_limit(limit - read);
    ReadBody();
  }

  void ContinueAndReadBody() {
    const auto& message = parser_->get();
    if (message.version() == 11 &&
        EqualsIgnoreCase(message[bhttp::field::expect], "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return self->CloseNow();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->DisarmTimer();
                        if (ec) return self->OnReadError(ec);
                        self->Dispatch();
                      });
  }

  void RequestTimedOut() {
    ErrorAnswer(status::kRequestTimeout,
                "request not received within " +
                    std::to_string(context_.options.limits.request_timeout.count()) + " s");
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit && !timed_out_ && !closed_ && parser_ &&
        parser_->chunked() && context_.options.body_limit && !body_limit_asked_) {
      return AskBodyLimit();  // the request timer keeps running meanwhile
    }
    DisarmTimer();
    if (closed_) return;
    const ServerLimits& limits = context_.options.limits;
    if (timed_out_) return RequestTimedOut();
    if (ec == bhttp::error::header_limit) {
      return ErrorAnswer(
          status::kHeaderFieldsTooLarge,
          "header section exceeds " + std::to_string(limits.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      return ErrorAnswer(status::kPayloadTooLarge, BodyLimitDetail(body_limit_));
    }
    const bool client_left = ec == bhttp::error::end_of_stream ||
                             ec == bhttp::error::partial_message || ec == asio::error::eof;
    if (!client_left &&
        ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return ErrorAnswer(status::kBadRequest, "malformed HTTP request: " + ec.message());
    }
    CloseNow();
  }

  // --- Dispatch ------------------------------------------------------------

  void Dispatch() {
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    FillRequestHead(message);
    request_.body = std::move(message.body());
    close_after_ = !message.keep_alive();

    const std::string_view target = request_.target;
    const std::size_t question = target.find('?');
    std::optional<std::string> path = PercentDecode(PathOfTarget(target), false);
    if (!path || path->find('\0') != std::string::npos) {
      response_ = ProblemResponse(status::kBadRequest, "bad percent-encoding in path", "path");
      return Respond();
    }
    request_.path = std::move(*path);
    if (question != std::string_view::npos) {
      auto query = ParseQuery(target.substr(question + 1));
      const bool has_nul = query && std::any_of(query->begin(), query->end(), [](const auto& kv) {
                             return kv.first.find('\0') != std::string::npos ||
                                    kv.second.find('\0') != std::string::npos;
                           });
      if (!query || has_nul) {
        response_ = ProblemResponse(status::kBadRequest, "bad percent-encoding in query", "query");
        return Respond();
      }
      request_.query = std::move(*query);
    }
    if (context_.fast_path && TryFastPath()) return;
    QueueHandler();
  }

  // On the I/O thread: `task` goes to a worker, unless max_queued_requests
  // tasks already wait for one. False when it was refused.
  template <class Task>
  bool Enqueue(Task task) {
    std::optional<Slot> slot =
        TakeSlot(context_.queued, context_.options.limits.max_queued_requests);
    if (!slot) return false;
    // The slot counts the task while it waits, and goes back when a worker
    // takes it up, or when Stop drops it unrun.
    asio::post(*context_.workers, [slot = std::move(*slot), task = std::move(task)]() mutable {
      slot.Release();
      task();
    });
    return true;
  }

  void QueueHandler() {
    if (!Enqueue([self = shared_from_this()] { self->RunHandler(); })) {
      Overloaded("worker queue full (server.max_queued_requests)", /*close=*/false);
    }
  }

  // 503 with Retry-After, without running the handler: the server sheds load.
  void Overloaded(std::string reason, bool close) {
    DisarmTimer();
    response_ = ProblemResponse(status::kUnavailable,
                                "server overloaded; retry after the Retry-After delay");
    response_.SetHeader("Retry-After", std::string(kRetryAfterSeconds));
    response_.log_note = std::move(reason);
    if (close) close_after_ = true;
    Respond();
  }

  // Runs on a worker, while the I/O thread leaves the socket alone. True when
  // the client closed its side (EOF) or the connection is gone; bytes waiting
  // (a pipelined request) mean it is still there. As nginx does, a client
  // that half-closes counts as gone: HTTP clients do not do that and wait.
  bool ClientLeft() const {
    char byte = 0;
    const ssize_t n = ::recv(socket_fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return false;
    if (n == 0) return true;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }

  // On the I/O thread: the client left before a worker took the request up.
  // There is no one to answer; the observer still sees the exchange.
  void Abandon() {
    if (closed_) return;
    response_ = Response{};
    response_.status = kClientClosedRequest;
    response_.log_note = "client left before a worker took the request";
    Notify();
    CloseNow();
  }

  // Runs on the I/O thread. True when the fast path took the request; its
  // answer comes back to that thread, where "no answer" goes on to the workers.
  bool TryFastPath() {
    std::shared_ptr<FastAnswers> answers = context_.fast_answers;
    const Session* key = this;
    {
      std::lock_guard lock(answers->mu);
      if (!answers->open) return false;
      answers->waiting[key] = shared_from_this();
    }
    FastAnswer answer = [answers, key](std::optional<Response> response) {
      std::lock_guard lock(answers->mu);  // held while posting: the io_context is alive
      if (!answers->open) return;
      auto it = answers->waiting.find(key);
      if (it == answers->waiting.end()) return;  // answered twice: a bug of the fast path
      std::shared_ptr<Session> self = std::move(it->second);
      answers->waiting.erase(it);
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        if (!response) {
          return self->QueueHandler();
        }
        self->response_ = std::move(*response);
        self->Respond();
      });
    };
    bool taken = false;
    try {
      taken = context_.fast_path(request_, std::move(answer));
    } catch (...) {
      // Declined, unless it answered before throwing; the worker path
      // answers, and reports whatever it meets.
    }
    if (taken) return true;
    std::lock_guard lock(answers->mu);
    // Not waiting any more: the fast path answered before it threw (the
    // answer is on its way), or Stop took it.
    return answers->waiting.erase(key) == 0;
  }

  // Method, target, version, headers and request id; for a request that
  // failed to parse these may be partly empty.
  template <class Message>
  void FillRequestHead(const Message& message) {
    request_.method = ToMethod(message.method());
    request_.method_text = std::string(message.method_string());
    request_.target = std::string(message.target());
    request_.version = message.version() == 10 ? 10 : 11;
    request_.headers.clear();
    for (const auto& field : message) {
      request_.headers.emplace_back(ToLower(field.name_string()), std::string(field.value()));
    }
    if (!request_.request_id.empty()) return;  // filled once already, for BodyLimit
    const std::string_view client_id = request_.Header("x-request-id");
    request_.request_id = IsSaneRequestId(client_id) ? std::string(client_id) : NewRequestId();
  }

  // Runs on a worker thread.
  void RunHandler() {
    // Work for a client that left, or that has given up waiting, is dropped
    // here, before it costs a handler run.
    if (ClientLeft()) {
      return asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Abandon(); });
    }
    if (SteadyClock::now() - started_ >= context_.options.limits.request_timeout) {
      return asio::post(stream_.get_executor(), [self = shared_from_this()] {
        self->Overloaded("request waited past limits.request_timeout_s for a worker",
                         /*close=*/false);
      });
    }
    Response response;
    // The per-request catch-all (STYLE: one in http/): anything escaping the
    // handler becomes a 500; the cause goes to the access log via log_note.
    try {
      response = context_.handler(request_);
    } catch (const std::exception& e) {
      response = ProblemResponse(status::kInternal, "internal error");
      response.log_note = std::string("unhandled exception: ") + e.what();
    } catch (...) {
      response = ProblemResponse(status::kInternal, "internal error");
      response.log_note = "unhandled non-exception throw";
    }
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), response = std::move(response)]() mutable {
                 self->response_ = std::move(response);
                 self->Respond();
               });
  }

  void ErrorAnswer(int status, std::string detail) {
    DisarmTimer();
    if (parser_) FillRequestHead(parser_->get());
    if (request_.request_id.empty()) request_.request_id = NewRequestId();
    response_ = ProblemResponse(status, detail);
    close_after_ = true;
    Respond();
  }

  static std::string BodyLimitDetail(std::size_t limit) {
    return "request body exceeds " + std::to_string(limit) + " bytes";
  }

  // --- Writing -------------------------------------------------------------

  void Respond() {
    if (closed_) return;  // Stop() closed us while the handler ran
    if (EqualsIgnoreCase(response_.Header("connection"), "close")) close_after_ = true;
    if (response_.status < 100 || response_.status > 999) {
      response_ = ProblemResponse(status::kInternal, "handler returned an invalid status");
    }
    AddRequestIdToServerError();
    if (response_.stream) return NextChunk();
    WriteWhole();
  }

  // A 5xx problem tells the client only a generic reason; the request id in
  // its body lets them quote the log lines that hold the cause.
  void AddRequestIdToServerError() {
    if (response_.status < 500 || response_.stream || response_.body.empty() ||
        response_.body.back() != '}' ||
        response_.content_type.rfind("application/problem+json", 0) != 0) {
      return;
    }
    response_.body.pop_back();
    response_.body += ",\"request_id\":" + JsonString(request_.request_id) + "}";
  }

  template <class Body>
  void FillHeader(bhttp::response<Body>& message, bool with_content_type) {
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

  void WriteWhole() {
    const int status = response_.status;
    const bool bodiless_status = status < 200 || status == 204 || status == 304;
    stream_.expires_after(context_.write_timeout);
    if (bodiless_status || request_.method == Method::kHead) {
      auto message = std::make_shared<bhttp::response<bhttp::empty_body>>();
      FillHeader(*message, !bodiless_status);
      if (!bodiless_status) message->content_length(response_.body.size());
      bhttp::async_write(stream_, *message,
                         [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                           self->OnWritten(ec);
                         });
      return;
    }
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    FillHeader(*message, true);
    message->body() = std::move(response_.body);
    message->prepare_payload();
    body_bytes_ = message->body().size();
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                         // Hand the body back so the observer sees the response as built.
                         self->response_.body = std::move(message->body());
                         self->OnWritten(ec);
                       });
  }

  void OnWritten(beast::error_code ec) {
    stream_.expires_never();
    Notify();
    if (ec) return CloseNow();
    if (close_after_) return LingerAndClose();
    ReadIdle();
  }

  void Notify() {
    if (notified_ || !context_.observer) return;
    notified_ = true;
    context_.observer(request_, response_, body_bytes_, SteadyClock::now() - started_);
  }

  // --- Streamed bodies: one chunk in flight, so memory stays flat ----------

  void NextChunk() {
    if (request_.method == Method::kHead) return WriteStreamHead(/*more=*/false);
    asio::post(*context_.workers, [self = shared_from_this()] {
      self->chunk_.clear();
      Result<bool> more = CallSource(self->response_.stream, self->chunk_);
      asio::post(self->stream_.get_executor(),
                 [self, more = std::move(more)] { self->OnChunk(more); });
    });
  }

  void OnChunk(const Result<bool>& more) {
    if (closed_) return;
    if (!more.ok()) {
      if (!stream_head_) {  // nothing sent yet: a proper error answer is still possible
        response_ = ProblemResponse(more.error());
        response_.log_note = "stream failed: " + more.error().message;
        AddRequestIdToServerError();
        return WriteWhole();
      }
      // No final chunk: the client sees a truncated body, never a complete one.
      response_.log_note = "stream failed: " + more.error().message;
      Notify();
      return CloseNow();
    }
    if (!stream_head_) return WriteStreamHead(*more);
    WriteChunk(*more);
  }

  void WriteStreamHead(bool more) {
    stream_head_ = std::make_unique<StreamHead>();
    // HTTP/1.0 has no chunked encoding: the end of the body is the end of the connection.
    chunked_ = request_.version == 11;
    if (!chunked_) close_after_ = true;
    FillHeader(stream_head_->message, true);
    stream_head_->message.chunked(chunked_);
    stream_.expires_after(context_.write_timeout);
    bhttp::async_write_header(stream_, stream_head_->serializer,
                              [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
                                if (ec || self->request_.method == Method::kHead) {
                                  return self->OnWritten(ec);
                                }
                                self->WriteChunk(more);
                              });
  }

  void WriteChunk(bool more) {
    if (chunk_.empty()) return more ? NextChunk() : WriteLastChunk();
    body_bytes_ += chunk_.size();
    auto on_written = [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
      if (ec) {
        self->Notify();
        return self->CloseNow();
      }
      more ? self->NextChunk() : self->WriteLastChunk();
    };
    stream_.expires_after(context_.write_timeout);
    if (chunked_) {
      asio::async_write(stream_, bhttp::make_chunk(asio::buffer(chunk_)), std::move(on_written));
    } else {
      asio::async_write(stream_, asio::buffer(chunk_), std::move(on_written));
    }
  }

  void WriteLastChunk() {
    if (!chunked_) return OnWritten({});
    stream_.expires_after(context_.write_timeout);
    asio::async_write(
        stream_, bhttp::make_chunk_last(),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWritten(ec); });
  }

  // --- Closing and timers --------------------------------------------------

  void LingerAndClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.consume(buffer_.size());
    linger_bytes_ = 0;
    ArmTimer(kLingerTimeout);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->linger_bytes_ += n;
                              if (ec || self->linger_bytes_ > kMaxLingerBytes) {
                                return self->CloseNow();
                              }
                              self->Drain();
                            });
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    slot_.Release();
    DisarmTimer();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  // Our own timer rather than tcp_stream's expiry, so a timed-out request can
  // still be answered with 408 instead of having its socket closed under it.
  template <class Duration>
  void ArmTimer(Duration duration) {
    if (closed_) return;
    ++timer_generation_;
    timed_out_ = false;
    timer_.expires_after(duration);
    timer_.async_wait(
        [self = shared_from_this(), generation = timer_generation_](beast::error_code ec) {
          if (ec || generation != self->timer_generation_) return;
          self->timed_out_ = true;
          beast::error_code ignored;
          self->stream_.socket().cancel(ignored);
        });
  }

  void DisarmTimer() {
    ++timer_generation_;
    timer_.cancel();
  }

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

// One io_context per I/O thread, each told it is run by one thread.
std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int io_threads) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int i = 0; i < std::max(1, io_threads); ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
  }
  return contexts;
}

}  // namespace

class Server::State {
 public:
  State(ServerOptions options, Handler handler, CompletionObserver observer, FastPath fast_path)
      : iocs_(MakeContexts(options.io_threads)),
        workers_(static_cast<std::size_t>(std::max(1, options.workers))) {
    context_.write_timeout = std::max(options.limits.idle_timeout, options.limits.request_timeout);
    context_.options = std::move(options);
    context_.handler = std::move(handler);
    context_.observer = std::move(observer);
    context_.fast_path = std::move(fast_path);
    context_.workers = &workers_;
  }

  Result<void> Start() {
    const std::string address = context_.options.host + ":" + std::to_string(context_.options.port);
    if (started_ || IsStopping()) return Unavailable("server on " + address + " already started");
    beast::error_code ec;
    tcp::resolver resolver(*iocs_.front());
    const auto endpoints =
        resolver.resolve(context_.options.host, std::to_string(context_.options.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return Unavailable("cannot resolve " + address + ": " + ec.message());
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return Unavailable("cannot listen on " + address + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    started_ = true;

    Accept();
    running_io_threads_ = static_cast<int>(iocs_.size());
    for (const auto& ioc : iocs_) {
      // Until Stop: a context whose connections all closed keeps running.
      idle_guards_.push_back(asio::make_work_guard(*ioc));
      io_threads_.emplace_back([this, ioc = ioc.get()] {
        ioc->run();
        std::lock_guard lock(mu_);
        --running_io_threads_;
        io_done_.notify_all();
      });
    }
    return Ok();
  }

  int port() const { return port_; }
  std::size_t queued_requests() const { return context_.queued.load(); }

  void Stop() {
    std::vector<std::shared_ptr<Session>> open;
    // Sessions waiting for a fast-path answer: released below, after the I/O
    // threads are gone but while the io_context still exists.
    std::unordered_map<const Session*, std::shared_ptr<Session>> waiting;
    {
      std::lock_guard lock(context_.fast_answers->mu);
      context_.fast_answers->open = false;
      waiting.swap(context_.fast_answers->waiting);
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_ || !started_) {
        stopping_ = true;
        return;
      }
      stopping_ = true;
      for (const auto& weak : sessions_) {
        if (auto session = weak.lock()) open.push_back(std::move(session));
      }
      sessions_.clear();
    }
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      accept_retry_.cancel();
      acceptor_.close(ignored);
    });
    for (const auto& session : open) session->Close();
    open.clear();

    // Running handlers finish (their answers go nowhere); queued ones are dropped.
    workers_.stop();
    workers_.join();

    // With the acceptor and every socket closed each io_context runs out of
    // work; the deadline only guards against a bug leaving an operation behind.
    idle_guards_.clear();
    {
      std::unique_lock lock(mu_);
      io_done_.wait_for(lock, kStopDrainTimeout, [this] { return running_io_threads_ == 0; });
    }
    for (const auto& ioc : iocs_) ioc->stop();
    for (std::thread& thread : io_threads_) thread.join();
    io_threads_.clear();
    waiting.clear();
  }

 private:
  void Accept() {
    // Connections go round the I/O threads' contexts; each runs on its
    // context's one thread, so it needs no strand.
    asio::io_context& ioc = *iocs_[next_ioc_++ % iocs_.size()];
    acceptor_.async_accept(ioc.get_executor(), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {  // e.g. out of file descriptors: back off instead of spinning
        accept_retry_.expires_after(kAcceptRetryDelay);
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && !IsStopping()) Accept();
        });
        return;
      }
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;  // the socket closes as it goes out of scope
        std::erase_if(sessions_, [](const std::weak_ptr<Session>& s) { return s.expired(); });
        if (std::optional<Slot> slot =
                TakeSlot(context_.open_connections, context_.options.limits.max_connections)) {
          auto session = std::make_shared<Session>(std::move(socket), context_, std::move(*slot));
          sessions_.push_back(session);
          session->Start();
        } else if (std::optional<Slot> refusal = TakeSlot(context_.refusing, kMaxRefusing)) {
          auto session =
              std::make_shared<Session>(std::move(socket), context_, std::move(*refusal));
          sessions_.push_back(session);
          session->StartRefused();
        }
        // Else even the answer costs too much: the socket closes as it goes
        // out of scope (a reset, if the client's request had arrived).
      }
      Accept();
    });
  }

  bool IsStopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // Declaration order is destruction order in reverse: the worker pool (whose
  // queued tasks hold sessions) must die before the io_context their sockets use.
  Context context_;
  std::mutex mu_;
  std::condition_variable io_done_;
  std::vector<std::weak_ptr<Session>> sessions_;  // guarded by mu_
  bool stopping_ = false;                         // guarded by mu_
  int running_io_threads_ = 0;                    // guarded by mu_
  bool started_ = false;
  std::atomic<int> port_{0};
  // One per I/O thread, each run by that thread alone (concurrency hint 1):
  // a connection's reads, writes and fast-path answers never leave its
  // thread, and no thread wakes another to take its work.
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> idle_guards_;
  std::size_t next_ioc_ = 0;  // touched only by the accept chain
  tcp::acceptor acceptor_{*iocs_.front()};
  asio::steady_timer accept_retry_{acceptor_.get_executor()};
  asio::thread_pool workers_;
  std::vector<std::thread> io_threads_;
};

Server::Server(ServerOptions options, Handler handler, CompletionObserver observer,
               FastPath fast_path)
    : state_(std::make_unique<State>(std::move(options), std::move(handler), std::move(observer),
                                     std::move(fast_path))) {}

Server::~Server() { Stop(); }

Result<void> Server::Start() { return state_->Start(); }

int Server::port() const { return state_->port(); }

std::size_t Server::queued_requests() const { return state_->queued_requests(); }

void Server::Stop() { state_->Stop(); }

}  // namespace analytics::http

// One connection: reading a request within the limits, the fast path or the
// hand-off to a worker, and whole (not streamed) answers. Streamed answers
// are in chunked_writer.cc; accepting and stopping in server.cc.
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "http/beast_internal.h"

namespace analytics::http::detail {
namespace {

constexpr std::size_t kReadChunkBytes = 4096;
// After an error answer the client may still be sending a body we refused;
// closing with unread data would reset the connection and could destroy our
// answer in flight, so we read and discard for a while first.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// nginx's "client closed request": for the observer only, never sent.
constexpr int kClientClosedRequest = 499;
constexpr std::string_view kRetryAfterSeconds = "1";

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

}  // namespace

Session::Session(tcp::socket socket, const Context& context, Slot slot)
    : context_(context),
      remote_address_(RemoteAddress(socket)),
      socket_fd_(socket.native_handle()),
      stream_(std::move(socket)),
      timer_(stream_.get_executor()),
      slot_(std::move(slot)) {
  beast::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
}

void Session::Start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadIdle(); });
}

void Session::StartRefused() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->started_ = SteadyClock::now();
    self->request_.remote_address = self->remote_address_;
    self->request_.method = Method::kOther;
    self->request_.request_id = NewRequestId();
    self->Overloaded("MaxConnections", /*close=*/true);
  });
}

void Session::Close() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
}

void Session::ReadIdle() {
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

void Session::ReadRequest() {
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

void Session::OnHeader(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  const std::size_t limit = context_.options.limits.max_body_bytes;
  if (parser_->content_length() && *parser_->content_length() > limit) {
    if (context_.options.body_limit) return AskBodyLimit();
    return ErrorAnswer(status::kPayloadTooLarge, BodyLimitDetail(limit));
  }
  parser_->body_limit(limit);
  ContinueAndReadBody();
}

void Session::AskBodyLimit() {
  body_limit_asked_ = true;
  FillRequestHead(parser_->get());
  Request head = request_;
  const std::string_view raw_path = PathOfTarget(head.target);
  head.path = PercentDecode(raw_path, false).value_or(std::string(raw_path));
  const bool queued = Enqueue([self = shared_from_this(), head = std::move(head)] {
    std::size_t limit = self->context_.options.limits.max_body_bytes;
    std::string thrown;
    // Part of the per-request catch-all: a throwing callback grants nothing,
    // and the observer gets what it threw (Request::server_note).
    try {
      limit = self->context_.options.body_limit(head);
    } catch (const std::exception& e) {
      thrown = std::string("body limit callback threw: ") + e.what();
    } catch (...) {
      thrown = "body limit callback threw a non-exception";
    }
    asio::post(self->stream_.get_executor(), [self, limit, thrown = std::move(thrown)]() mutable {
      if (!thrown.empty()) self->request_.server_note = std::move(thrown);
      self->OnBodyLimit(limit);
    });
  });
  if (!queued) {
    Overloaded("QueueFull", /*close=*/true);
  }
}

void Session::OnBodyLimit(std::size_t limit) {
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

void Session::ContinueAndReadBody() {
  const auto& message = parser_->get();
  if (message.version() == 11 && EqualsIgnoreCase(message[bhttp::field::expect], "100-continue")) {
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->CloseNow();
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->DisarmTimer();
                      if (ec) return self->OnReadError(ec);
                      self->Dispatch();
                    });
}

void Session::RequestTimedOut() {
  ErrorAnswer(status::kRequestTimeout,
              "request not received within " +
                  std::to_string(context_.options.limits.request_timeout.count()) + " s");
}

void Session::OnReadError(beast::error_code ec) {
  if (ec == bhttp::error::body_limit && !timed_out_ && !closed_ && parser_ && parser_->chunked() &&
      context_.options.body_limit && !body_limit_asked_) {
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

void Session::Dispatch() {
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

template <class Task>
bool Session::Enqueue(Task task) {
  std::optional<Slot> slot = TakeSlot(context_.queued, context_.options.limits.max_queued_requests);
  if (!slot) return false;
  // The slot counts the task while it waits, and goes back when a worker
  // takes it up, or when Stop drops it unrun.
  asio::post(*context_.workers, [slot = std::move(*slot), task = std::move(task)]() mutable {
    slot.Release();
    task();
  });
  return true;
}

void Session::QueueHandler() {
  if (!Enqueue([self = shared_from_this()] { self->RunHandler(); })) {
    Overloaded("QueueFull", /*close=*/false);
  }
}

void Session::Overloaded(std::string reason, bool close) {
  DisarmTimer();
  response_ =
      ProblemResponse(status::kUnavailable, "server overloaded; retry after the Retry-After delay");
  response_.SetHeader("Retry-After", std::string(kRetryAfterSeconds));
  response_.log_note = std::move(reason);
  if (close) close_after_ = true;
  Respond();
}

bool Session::ClientLeft() const {
  char byte = 0;
  const ssize_t n = ::recv(socket_fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;
  if (n == 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

void Session::Abandon() {
  if (closed_) return;
  response_ = Response{};
  response_.status = kClientClosedRequest;
  response_.log_note = "ClientLeft";
  Notify();
  CloseNow();
}

bool Session::TryFastPath() {
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
  // Part of the per-request catch-all: a throw counts as declining (unless
  // it answered before throwing), the worker path answers, and the observer
  // gets what was thrown (Request::server_note).
  try {
    taken = context_.fast_path(request_, std::move(answer));
  } catch (const std::exception& e) {
    request_.server_note = std::string("fast path threw: ") + e.what();
  } catch (...) {
    request_.server_note = "fast path threw a non-exception";
  }
  if (taken) return true;
  std::lock_guard lock(answers->mu);
  // Not waiting any more: the fast path answered before it threw (the
  // answer is on its way), or Stop took it.
  return answers->waiting.erase(key) == 0;
}

template <class Message>
void Session::FillRequestHead(const Message& message) {
  request_.method = ToMethod(message.method());
  request_.method_text = std::string(message.method_string());
  request_.target = std::string(message.target());
  request_.version = message.version() == 10 ? 10 : 11;
  request_.headers.clear();
  for (const auto& field : message) {
    request_.headers.emplace_back(AsciiLower(field.name_string()), std::string(field.value()));
  }
  if (!request_.request_id.empty()) return;  // filled once already, for BodyLimit
  const std::string_view client_id = request_.Header("x-request-id");
  request_.request_id = IsSaneRequestId(client_id) ? std::string(client_id) : NewRequestId();
}

void Session::RunHandler() {
  // Work for a client that left, or that has given up waiting, is dropped
  // here, before it costs a handler run.
  if (ClientLeft()) {
    return asio::post(stream_.get_executor(), [self = shared_from_this()] { self->Abandon(); });
  }
  if (SteadyClock::now() - started_ >= context_.options.limits.request_timeout) {
    return asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->Overloaded("DeadlinePassed",
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

void Session::ErrorAnswer(int status, std::string detail) {
  DisarmTimer();
  if (parser_) FillRequestHead(parser_->get());
  if (request_.request_id.empty()) request_.request_id = NewRequestId();
  response_ = ProblemResponse(status, detail);
  close_after_ = true;
  Respond();
}

std::string Session::BodyLimitDetail(std::size_t limit) {
  return "request body exceeds " + std::to_string(limit) + " bytes";
}

void Session::Respond() {
  if (closed_) return;  // Stop() closed us while the handler ran
  if (EqualsIgnoreCase(response_.Header("connection"), "close")) close_after_ = true;
  if (response_.status < 100 || response_.status > 999) {
    response_ = ProblemResponse(status::kInternal, "handler returned an invalid status");
  }
  AddRequestIdToServerError();
  if (response_.stream) return NextChunk();
  WriteWhole();
}

void Session::AddRequestIdToServerError() {
  if (response_.status < 500 || response_.stream || response_.body.empty() ||
      response_.body.back() != '}' ||
      response_.content_type.rfind("application/problem+json", 0) != 0) {
    return;
  }
  response_.body.pop_back();
  response_.body += ",\"request_id\":" + JsonString(request_.request_id) + "}";
}

void Session::WriteWhole() {
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

void Session::OnWritten(beast::error_code ec) {
  stream_.expires_never();
  Notify();
  if (ec) return CloseNow();
  if (close_after_) return LingerAndClose();
  ReadIdle();
}

void Session::Notify() {
  if (notified_ || !context_.observer) return;
  notified_ = true;
  context_.observer(request_, response_, body_bytes_, SteadyClock::now() - started_);
}

void Session::LingerAndClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  buffer_.consume(buffer_.size());
  linger_bytes_ = 0;
  ArmTimer(kLingerTimeout);
  Drain();
}

void Session::Drain() {
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->linger_bytes_ += n;
                            if (ec || self->linger_bytes_ > kMaxLingerBytes) {
                              return self->CloseNow();
                            }
                            self->Drain();
                          });
}

void Session::CloseNow() {
  if (closed_) return;
  closed_ = true;
  slot_.Release();
  DisarmTimer();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void Session::ArmTimer(SteadyClock::duration duration) {
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

void Session::DisarmTimer() {
  ++timer_generation_;
  timer_.cancel();
}

}  // namespace analytics::http::detail

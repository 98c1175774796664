// Accepting and stopping: Server::State owns the I/O threads (one
// io_context each), the worker pool and the acceptor, and deals each new
// connection to a Session (session.cc) on the next I/O thread in turn.
//
// Load shedding: a connection past limits.max_connections, a request past
// limits.max_queued_requests waiting for a worker, and a request a worker
// takes up after its deadline are all answered 503 with Retry-After, and no
// handler runs for them; a request whose client left while it waited is
// dropped (the observer sees 499).
#include "http/server.h"

#include <algorithm>
#include <condition_variable>
#include <thread>
#include <vector>

#include "http/beast_internal.h"

namespace analytics::http {
namespace {

namespace asio = detail::asio;
namespace beast = detail::beast;
using detail::Context;
using detail::Session;
using detail::Slot;
using detail::TakeSlot;
using detail::tcp;

constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::chrono::seconds kStopDrainTimeout{5};
// Refused connections being answered at once (each lingers up to
// kLingerTimeout); past this a refused connection is closed without an answer.
constexpr std::size_t kMaxRefusing = 64;

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

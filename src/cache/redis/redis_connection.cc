#include "cache/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <charconv>
#include <chrono>

namespace analytics::cache {
namespace {

timeval ToTimeval(std::chrono::milliseconds duration) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(micros / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(micros % 1'000'000);
  return tv;
}

RedisReply Copy(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = reply.type == REDIS_REPLY_STRING   ? RedisReply::Type::kString
                 : reply.type == REDIS_REPLY_STATUS ? RedisReply::Type::kStatus
                                                    : RedisReply::Type::kError;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i)
        out.elements.push_back(Copy(*reply.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

// hiredis writes with write(2), so a write to a connection that Redis has
// reset raises SIGPIPE, which kills the process by default. As libpq does, the
// signal is blocked in this thread around the I/O, and one raised meanwhile is
// consumed, leaving the process' signal handling as it was.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec no_wait{};
        sigtimedwait(&pipe_, nullptr, &no_wait);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

struct ReplyDeleter {
  void operator()(void* reply) const { freeReplyObject(reply); }
};

}  // namespace

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(const RedisOptions& options) {
  redisContext* context = redisConnectWithTimeout(options.host.c_str(), options.port,
                                                  ToTimeval(options.connect_timeout));
  if (context == nullptr) return Unavailable("redis: out of memory while connecting");
  if (context->err != 0) {
    std::string message = "redis: cannot connect to " + options.host + ":" +
                          std::to_string(options.port) + ": " + context->errstr;
    redisFree(context);
    return Unavailable(std::move(message));
  }
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context));
  if (redisSetTimeout(context, ToTimeval(options.command_timeout)) != REDIS_OK) {
    return Unavailable("redis: cannot set the command timeout");
  }
  redisEnableKeepAlive(context);

  std::vector<RedisArgv> hello;
  if (!options.password.empty()) {
    if (options.username.empty()) {
      hello.push_back({"AUTH", options.password});
    } else {
      hello.push_back({"AUTH", options.username, options.password});
    }
  }
  const std::string db = std::to_string(options.db);
  if (options.db != 0) hello.push_back({"SELECT", db});
  hello.push_back({"PING"});
  Result<std::vector<RedisReply>> replies = connection->RunAll(hello);
  if (!replies.ok()) return replies.error();
  for (const RedisReply& reply : *replies) {
    // The server's text, never ours: it holds no password.
    if (reply.is_error()) return Unavailable("redis: " + reply.text);
  }
  return connection;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

Error RedisConnection::Broken() {
  broken_ = true;
  // hiredis 0.14 leaves errstr empty for I/O errors and timeouts on glibc (it
  // calls the GNU strerror_r, which need not fill the buffer).
  if (context_->err == 0) {
    broken_reason_ = "no reply";
  } else if (context_->errstr[0] != '\0') {
    broken_reason_ = context_->errstr;
  } else {
    broken_reason_ = "I/O error or timeout";
  }
  return Unavailable("redis: " + broken_reason_);
}

Result<RedisReply> RedisConnection::Run(const RedisArgv& argv) {
  Result<std::vector<RedisReply>> replies = RunAll({argv});
  if (!replies.ok()) return replies.error();
  return std::move(replies->front());
}

Result<std::vector<RedisReply>> RedisConnection::RunAll(const std::vector<RedisArgv>& commands) {
  if (broken_) return Unavailable("redis: connection already failed");
  const SigpipeBlock no_sigpipe;
  std::vector<const char*> args;
  std::vector<std::size_t> lengths;
  for (const RedisArgv& argv : commands) {
    args.clear();
    lengths.clear();
    for (std::string_view arg : argv) {
      // memcpy from a null pointer is undefined even for 0 bytes.
      args.push_back(arg.data() != nullptr ? arg.data() : "");
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), args.data(),
                               lengths.data()) != REDIS_OK) {
      return Broken();
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return Broken();
    std::unique_ptr<void, ReplyDeleter> reply(raw);
    replies.push_back(Copy(*static_cast<redisReply*>(raw)));
  }
  return replies;
}

std::optional<std::uint64_t> InfoField(std::string_view info, std::string_view name) {
  std::size_t at = 0;
  while ((at = info.find(name, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || info[at - 1] == '\n';
    at += name.size();
    if (!line_start || at >= info.size() || info[at] != ':') continue;
    std::uint64_t value = 0;
    const char* begin = info.data() + at + 1;
    auto [ptr, ec] = std::from_chars(begin, info.data() + info.size(), value);
    if (ec == std::errc() && ptr != begin) return value;
  }
  return std::nullopt;
}

}  // namespace analytics::cache

// One synchronous connection to Redis (hiredis), with connect and command
// timeouts. The only code that includes <hiredis/hiredis.h> is its .cc.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cache/redis/redis_options.h"

struct redisContext;

namespace analytics::cache {

// A reply, copied out of hiredis. An error reply (WRONGTYPE, NOSCRIPT, OOM…)
// is a reply, not an Error: the connection is still good.
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string text;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
};

// Arguments of one command, binary-safe.
using RedisArgv = std::vector<std::string_view>;

// Not thread-safe: one thread at a time (RedisPool hands it out).
class RedisConnection {
 public:
  // Connects within options.connect_timeout, sets the command timeout, then
  // AUTH (when a password is set), SELECT (db != 0) and PING.
  // Errors: kUnavailable (refused, timed out, rejected AUTH or SELECT).
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisOptions& options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and reads its reply.
  // Errors: kUnavailable on an I/O error or a timeout; the connection is then
  // broken() for good.
  Result<RedisReply> Run(const RedisArgv& argv);
  // Sends every command in one write and reads one reply each (a pipeline).
  // Errors: as Run.
  Result<std::vector<RedisReply>> RunAll(const std::vector<RedisArgv>& commands);

  bool broken() const { return broken_; }
  // Why it broke (hiredis' message), for the log; empty while not broken().
  const std::string& broken_reason() const { return broken_reason_; }

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  Error Broken();

  redisContext* context_;
  bool broken_ = false;
  std::string broken_reason_;
};

// The number after "name:" on its own line of an INFO reply
// ("used_memory:1234\r\n" → 1234); nullopt when absent or not a number.
std::optional<std::uint64_t> InfoField(std::string_view info, std::string_view name);

}  // namespace analytics::cache

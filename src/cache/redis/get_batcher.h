// Many concurrent GETs in few round trips: callers queue a key with a
// callback and return at once; one thread sends everything queued as one
// pipeline and answers each caller from its reply. Under load a round trip
// carries tens of GETs, so the syscalls per read shrink with the load.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cache/redis/redis_pool.h"

namespace analytics::cache {

// Thread-safe.
class RedisGetBatcher {
 public:
  // The value, or nullopt for a missing key, a non-string reply or a failure.
  using Done = std::function<void(std::optional<std::string>)>;
  // A connection fit to read from (pending invalidations replayed), or nullopt.
  using Connect = std::function<std::optional<RedisPool::Lease>()>;

  // At most `max_batch` GETs go in one pipeline.
  RedisGetBatcher(Connect connect, std::size_t max_batch);
  // Answers every queued caller with nullopt, then joins the thread.
  ~RedisGetBatcher();
  RedisGetBatcher(const RedisGetBatcher&) = delete;
  RedisGetBatcher& operator=(const RedisGetBatcher&) = delete;

  // Queues GET `key`; `done` runs once, on the batcher's thread (or on the
  // caller's, with nullopt, once the batcher is stopping).
  void Get(std::string key, Done done);

 private:
  using Pending = std::vector<std::pair<std::string, Done>>;
  void Loop(std::stop_token stop);
  void Send(Pending& batch);

  const Connect connect_;
  const std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable_any ready_;
  Pending queue_;          // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::jthread thread_;    // last: started after everything it uses
};

}  // namespace analytics::cache

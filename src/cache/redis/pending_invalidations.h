// Invalidations that could not reach Redis. RedisCache replays them before it
// serves anything from Redis again, so a value cached before a write can
// never be read after that write, however long Redis was unreachable.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace analytics::cache {

// A bounded set of user ids plus a "flush all" flag, which replaces the set
// when it would grow past `max_users`. Thread-safe.
class PendingInvalidations {
 public:
  struct Batch {
    bool flush_all = false;
    std::vector<std::string> user_ids;  // may be empty when flush_all
  };

  explicit PendingInvalidations(std::size_t max_users) : max_users_(max_users) {}

  void AddUser(std::string_view user_id);
  void AddFlushAll();
  // One atomic load: the fast path of every cache call.
  bool empty() const { return empty_.load(std::memory_order_acquire); }

  // Calls `replay` with everything pending, one Drain at a time (a second
  // caller waits, then finds what is left). If `replay` returns true, what it
  // was given is forgotten; what was added meanwhile stays (the next Drain
  // gets it). Returns false only when `replay` did.
  bool Drain(const std::function<bool(const Batch&)>& replay);

 private:
  // REQUIRES: mu_ held.
  void UpdateEmptyLocked();

  const std::size_t max_users_;
  std::mutex drain_mu_;  // taken before mu_
  std::mutex mu_;
  std::uint64_t sequence_ = 0;                            // moves on at every Add
  std::unordered_map<std::string, std::uint64_t> users_;  // user id -> sequence of its Add
  std::uint64_t flush_all_ = 0;  // sequence of the last AddFlushAll; 0 = none
  std::atomic<bool> empty_{true};
};

}  // namespace analytics::cache

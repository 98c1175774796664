#include "cache/redis/redis_pool.h"

#include <algorithm>
#include <string>
#include <utility>

#include "logging/log.h"

namespace analytics::cache {

RedisPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      epoch_(other.epoch_),
      failed_(other.failed_) {}

RedisPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Release(std::move(connection_), epoch_, failed_);
}

void RedisPool::Lease::Fail() { failed_ = true; }

RedisPool::RedisPool(const RedisOptions& options)
    : options_(options), backoff_(options.backoff_initial) {}

RedisPool::~RedisPool() = default;

bool RedisPool::up() const {
  std::lock_guard lock(mu_);
  return up_;
}

std::optional<RedisPool::Lease> RedisPool::Acquire() {
  std::unique_lock lock(mu_);
  const SteadyTime deadline = std::chrono::steady_clock::now() + options_.command_timeout;
  while (true) {
    if (!up_ && (probing_ || std::chrono::steady_clock::now() < retry_at_)) return std::nullopt;
    if (up_ && !idle_.empty()) {
      std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection), epoch_);
    }
    if (!up_ || open_ < options_.pool_size) break;
    // Every connection is lent: wait for one, but no longer than a command may take.
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
  }

  // Open a connection: to grow the pool, or as the one probe while down.
  const bool probe = !up_;
  if (probe) probing_ = true;
  ++open_;
  const std::uint64_t epoch = epoch_;
  lock.unlock();
  Result<std::unique_ptr<RedisConnection>> connection = RedisConnection::Open(options_);
  lock.lock();
  if (probe) probing_ = false;
  if (!connection.ok()) {
    // If the epoch moved, someone else already marked the pool down.
    if (epoch == epoch_) {
      --open_;
      MarkDownLocked(connection.error().message);
    }
    return std::nullopt;
  }
  if (epoch != epoch_) {  // the pool went down meanwhile; this one may be fine, but stay consistent
    return std::nullopt;
  }
  if (probe) {
    up_ = true;
    backoff_ = options_.backoff_initial;
    logging::Info("cache_up", {{"backend", std::string("redis")}});
  }
  return Lease(this, std::move(*connection), epoch);
}

void RedisPool::Release(std::unique_ptr<RedisConnection> connection, std::uint64_t epoch,
                        bool failed) {
  std::unique_ptr<RedisConnection> dropped;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (epoch != epoch_) {
      dropped = std::move(connection);
    } else if (failed || connection->broken()) {
      --open_;
      MarkDownLocked(connection->broken() ? connection->broken_reason()
                                          : std::string_view("an unusable reply"));
      dropped = std::move(connection);
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  freed_.notify_one();
}

void RedisPool::MarkDownLocked(std::string_view reason) {
  const bool was_up = up_;
  up_ = false;
  ++epoch_;
  // Connections to a dead server are dead too; the survivors of a slow one are
  // cheap to reopen. Lent ones of the old epoch are dropped when returned.
  idle_.clear();
  open_ = 0;
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  if (was_up) {
    logging::Warn("cache_down", {{"backend", std::string("redis")},
                                 {"reason", std::string(reason)},
                                 {"retry_ms", static_cast<std::int64_t>(backoff_.count())}});
  }
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  freed_.notify_all();
}

}  // namespace analytics::cache

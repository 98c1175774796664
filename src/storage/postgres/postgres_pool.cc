#include "storage/postgres/postgres_pool.h"

#include <utility>

#include "logging/log.h"
#include "storage/postgres/postgres_error.h"

namespace analytics::storage {

PostgresPool::PostgresPool(PoolOptions options) : options_(std::move(options)) {}

PostgresPool::~PostgresPool() = default;

bool PostgresPool::Expired(const PostgresConnection& connection, Clock::time_point now) const {
  return options_.recycle.count() > 0 && now - connection.created_at() >= options_.recycle;
}

std::unique_ptr<PostgresConnection> PostgresPool::Check(Idle idle) {
  const Clock::time_point now = Clock::now();
  bool good = !Expired(*idle.connection, now) && idle.connection->IsReusable();
  // Only a connection that sat idle a while is pinged: one just returned was
  // working a moment ago, and the ping is a round trip.
  if (good && options_.pre_ping && now - idle.since > kPrePingAfter) {
    good = idle.connection->Ping();
  }
  if (good) return std::move(idle.connection);
  idle.connection.reset();
  {
    std::lock_guard lock(mutex_);
    --open_;
  }
  released_.notify_one();
  return nullptr;
}

Result<std::unique_ptr<PostgresConnection>> PostgresPool::Acquire() {
  const int max_open = options_.pool_size + options_.max_overflow;
  const Clock::time_point deadline = Clock::now() + options_.pool_timeout;
  std::unique_lock lock(mutex_);
  while (true) {
    if (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      std::unique_ptr<PostgresConnection> connection = Check(std::move(idle));
      if (connection) return connection;
      lock.lock();
      continue;
    }
    if (open_ < max_open) {
      // While the server is known to be down, fail at once instead of paying
      // a connect attempt on every call.
      if (Clock::now() < down_until_) return down_error_;
      ++open_;
      lock.unlock();
      return Open();
    }
    ++waiting_;
    const bool free =
        released_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < max_open; });
    --waiting_;
    if (!free) {
      return Unavailable("database busy: no connection free within the pool timeout (" +
                         std::to_string(open_) + " in use)");
    }
  }
}

Result<std::unique_ptr<PostgresConnection>> PostgresPool::Open() {
  const Clock::time_point now = Clock::now();
  Result<std::unique_ptr<PostgresConnection>> connection =
      PostgresConnection::Connect(options_.url, options_.session, now + options_.connect_timeout);
  bool went_down = false;
  bool came_up = false;
  {
    std::lock_guard lock(mutex_);
    if (connection.ok()) {
      came_up = std::exchange(down_, false);
    } else {
      --open_;
      if (connection.error().code == ErrorCode::kUnavailable) {
        down_until_ = Clock::now() + options_.down_for;
        down_error_ = connection.error();
        went_down = !std::exchange(down_, true);
      }
    }
  }
  // Log the transitions only, not every failed attempt.
  const std::string database = UrlWithoutPassword(options_.url);
  if (went_down) {
    logging::Warn("postgres_down", {{"database", database}, {"error", connection.error().message}});
  }
  if (came_up) logging::Info("postgres_up", {{"database", database}});
  if (!connection.ok()) released_.notify_one();
  return connection;
}

void PostgresPool::Release(std::unique_ptr<PostgresConnection> connection) {
  if (!connection) return;
  const Clock::time_point now = Clock::now();
  const bool reusable = connection->IsReusable() && !Expired(*connection, now);
  {
    std::lock_guard lock(mutex_);
    // Overflow connections (beyond pool_size idle) are closed, not kept.
    if (reusable && static_cast<int>(idle_.size()) < options_.pool_size) {
      idle_.push_back(Idle{std::move(connection), now});
    } else {
      --open_;
    }
  }
  released_.notify_one();
  connection.reset();  // closes a connection not kept, outside the lock
}

PoolStats PostgresPool::stats() const {
  std::lock_guard lock(mutex_);
  const int idle = static_cast<int>(idle_.size());
  return PoolStats{.in_use = open_ - idle,
                   .idle = idle,
                   .max = options_.pool_size + options_.max_overflow,
                   .waiting = waiting_};
}

}  // namespace analytics::storage

// The PostgreSQL connection pool (SQLAlchemy's QueuePool semantics): up to
// pool_size connections kept, up to max_overflow more under load, pre-ping,
// recycle, and a short "down" state so calls fail fast while the server is
// unreachable. Internal to storage/postgres.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"
#include "storage/postgres/postgres_connection.h"

namespace analytics::storage {

struct PoolOptions {
  std::string url;
  SessionSettings session;
  int pool_size = 20;                            // connections kept idle at most
  int max_overflow = 10;                         // more opened under load, closed when returned
  std::chrono::milliseconds pool_timeout{2000};  // wait for a free connection
  bool pre_ping = true;                          // check one idle longer than kPrePingAfter
  std::chrono::seconds recycle{3600};            // close older ones; <= 0: never
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds down_for{250};  // after a failed connect, fail at once this long
};

// Thread-safe. Connections are lent with Acquire and handed back with
// Release, which keeps only reusable ones (idle, outside a transaction).
class PostgresPool {
 public:
  static constexpr std::chrono::seconds kPrePingAfter{1};

  explicit PostgresPool(PoolOptions options);
  ~PostgresPool();
  PostgresPool(const PostgresPool&) = delete;
  PostgresPool& operator=(const PostgresPool&) = delete;

  // An idle connection (pinged if it sat idle past kPrePingAfter, replaced if
  // dead or older than recycle), or a new one while fewer than
  // pool_size + max_overflow are open, waiting up to pool_timeout otherwise.
  // Errors: kUnavailable (pool exhausted, server unreachable or recently
  // unreachable), kInvalidArgument (unparsable URL).
  Result<std::unique_ptr<PostgresConnection>> Acquire();
  // Takes `connection` back: kept when reusable and the pool is not over
  // pool_size, closed otherwise.
  void Release(std::unique_ptr<PostgresConnection> connection);

  PoolStats stats() const;

 private:
  using Clock = PostgresConnection::Clock;
  struct Idle {
    std::unique_ptr<PostgresConnection> connection;
    Clock::time_point since;
  };

  // Opens a connection for a slot already counted in open_. Errors: kUnavailable.
  Result<std::unique_ptr<PostgresConnection>> Open();
  bool Expired(const PostgresConnection& connection, Clock::time_point now) const;
  // Hands a taken idle connection out if it is still good; closes it otherwise.
  std::unique_ptr<PostgresConnection> Check(Idle idle);

  const PoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<Idle> idle_;          // guarded by mutex_; most recently used last
  int open_ = 0;                    // guarded by mutex_: idle + lent + connecting
  int waiting_ = 0;                 // guarded by mutex_: callers in wait_until
  Clock::time_point down_until_{};  // guarded by mutex_
  bool down_ = false;               // guarded by mutex_: for up/down log lines
  Error down_error_;                // guarded by mutex_: the last connect failure
};

}  // namespace analytics::storage

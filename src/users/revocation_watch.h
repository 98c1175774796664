// Keeps a TokenCache honest across instances: follows the cache's revocation
// stamp (cache::Cache::RevocationStamp), re-reading it at most once per
// refresh period, and drops every cached token when it moves or cannot be read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "cache/cache.h"
#include "users/token_cache.h"

namespace analytics::users {

// Thread-safe. `cache` and `tokens` must outlive the watch.
class RevocationWatch {
 public:
  static constexpr std::chrono::milliseconds kRefresh{100};

  // Entries are trusted while the stamp was read less than refresh + refresh/2
  // ago (the half covers the read itself), so a revocation elsewhere is seen
  // within at most that long.
  RevocationWatch(cache::Cache& cache, TokenCache& tokens,
                  std::chrono::milliseconds refresh = kRefresh);
  // The stamp from elsewhere: `read_stamp` answers nullopt when it cannot be read.
  using StampReader = std::function<std::optional<std::string>()>;
  RevocationWatch(StampReader read_stamp, TokenCache& tokens,
                  std::chrono::milliseconds refresh = kRefresh);

  // True when the entries of `tokens` may be used now. When the stamp is a
  // refresh period old, one caller re-reads it (the others go on with the
  // last value while it is recent enough) and calls tokens.InvalidateAll()
  // if it changed or could not be read. False while it cannot be read
  // (Redis down): then every lookup goes to the database.
  bool Trusted();
  // Trusted without ever reading the stamp, for callers that must not block
  // (the HTTP fast path): true while the last read is recent enough. Once it
  // lapses, the next Trusted() call (a request on the slow path) re-reads it.
  bool TrustedWithoutRefresh() const;

 private:
  void Refresh();

  static std::int64_t SteadyNanos();

  StampReader read_stamp_;
  TokenCache& tokens_;
  const std::int64_t refresh_ns_;
  const std::int64_t trust_ns_;

  std::mutex refresh_mu_;            // one reader of the stamp at a time
  std::optional<std::string> last_;  // guarded by refresh_mu_; nullopt = unknown
  // Steady-clock nanoseconds: when the stamp is next re-read, and until when
  // the entries may be trusted (0: not at all).
  std::atomic<std::int64_t> refresh_at_ns_{0};
  std::atomic<std::int64_t> trusted_until_ns_{0};
};

}  // namespace analytics::users

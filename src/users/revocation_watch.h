// Keeps a TokenCache honest across processes: follows the database's log of
// token rotations (token_revocation_log), re-reading it at most once per
// refresh period, and drops the cached tokens of each user rotated since.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "users/token_cache.h"

namespace analytics::users {

// What the rotation log holds past a given rotation number.
struct RevocationLog {
  std::int64_t last = 0;           // the number of the last rotation this read covers
  std::vector<std::string> users;  // the users rotated after the number asked for, in order
  // False when the read could not tell every user rotated since (the first
  // read, a gap, or more rows than one read takes): then every entry goes.
  bool complete = true;
};

// Thread-safe. `tokens` must outlive the watch.
class RevocationWatch {
 public:
  static constexpr std::chrono::milliseconds kRefresh{100};
  // How long entries stay trusted after the last good read while the log
  // cannot be read. A database that cannot be read commits no rotation for
  // anyone who shares the outage, and cached reads go on being served; only
  // an instance cut off alone may accept a token rotated elsewhere, for at
  // most this long (docs/internals.md).
  static constexpr std::chrono::seconds kOutageGrace{30};

  // Reads the log after rotation `after` (nullopt: just the current number,
  // with complete = false); nullopt when it cannot be read (database down).
  using LogReader = std::function<std::optional<RevocationLog>(std::optional<std::int64_t> after)>;

  // Entries are trusted while the log was read less than refresh + refresh/2
  // ago (the half covers the read itself), so a rotation elsewhere is seen
  // within at most that long.
  RevocationWatch(LogReader read_log, TokenCache& tokens,
                  std::chrono::milliseconds refresh = kRefresh,
                  std::chrono::milliseconds outage_grace = kOutageGrace);

  // True when the entries of `tokens` may be used now. When the last read is
  // a refresh period old, one caller re-reads the log (the others go on with
  // the last read while it is recent enough) and drops the entries of every
  // user rotated since, or all entries when it cannot tell which. False while
  // the log has not been read for outage_grace: then every lookup goes to
  // the database.
  bool Trusted();
  // Trusted without ever reading the log, for callers that must not block
  // (the HTTP fast path): true while the last read is recent enough. Once it
  // lapses, the next Trusted() call (a request on the slow path) re-reads it.
  bool TrustedWithoutRefresh() const;

 private:
  void Refresh();

  static std::int64_t SteadyNanos();

  LogReader read_log_;
  TokenCache& tokens_;
  const std::int64_t refresh_ns_;
  const std::int64_t trust_ns_;
  const std::int64_t grace_ns_;

  std::mutex refresh_mu_;             // one reader of the log at a time
  std::optional<std::int64_t> last_;  // guarded by refresh_mu_; nullopt = unknown
  std::int64_t last_read_ns_ = 0;     // guarded by refresh_mu_; start of the last good read
  // Steady-clock nanoseconds: when the log is next re-read, and until when
  // the entries may be trusted (0: not at all).
  std::atomic<std::int64_t> refresh_at_ns_{0};
  std::atomic<std::int64_t> trusted_until_ns_{0};
};

}  // namespace analytics::users

#include "users/revocation_watch.h"

namespace analytics::users {

RevocationWatch::RevocationWatch(cache::Cache& cache, TokenCache& tokens,
                                 std::chrono::milliseconds refresh)
    : RevocationWatch([&cache] { return cache.RevocationStamp(); }, tokens, refresh) {}

RevocationWatch::RevocationWatch(StampReader read_stamp, TokenCache& tokens,
                                 std::chrono::milliseconds refresh)
    : read_stamp_(std::move(read_stamp)),
      tokens_(tokens),
      refresh_ns_(std::chrono::nanoseconds(refresh).count()),
      trust_ns_(refresh_ns_ + refresh_ns_ / 2) {}

std::int64_t RevocationWatch::SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool RevocationWatch::Trusted() {
  const std::int64_t now = SteadyNanos();
  if (now >= refresh_at_ns_.load()) Refresh();
  // Not "the last value, however old": an idle instance's stamp may be
  // minutes old, and trusting it while another thread re-reads it would
  // accept a token revoked minutes ago.
  return now < trusted_until_ns_.load();
}

bool RevocationWatch::TrustedWithoutRefresh() const {
  return SteadyNanos() < trusted_until_ns_.load();
}

void RevocationWatch::Refresh() {
  std::unique_lock lock(refresh_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  // Taken before the read: the stamp describes Redis no earlier than this.
  const std::int64_t start = SteadyNanos();
  if (start < refresh_at_ns_.load()) return;  // refreshed while we waited for the lock
  std::optional<std::string> stamp = read_stamp_();
  // Unknown also drops everything: a rotation elsewhere may have happened
  // while Redis was unreachable, and the stamp may read the same afterwards
  // until that instance replays its pending Revoke.
  if (!stamp || !last_ || *stamp != *last_) {
    trusted_until_ns_.store(0);
    tokens_.InvalidateAll();
  }
  last_ = std::move(stamp);
  refresh_at_ns_.store(start + refresh_ns_);
  if (last_) trusted_until_ns_.store(start + trust_ns_);
}

}  // namespace analytics::users

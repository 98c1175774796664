#include "users/revocation_watch.h"

#include <algorithm>

#include "storage/user_repository.h"

namespace analytics::users {

RevocationWatch::RevocationWatch(LogReader read_log, TokenCache& tokens,
                                 std::chrono::milliseconds refresh,
                                 std::chrono::milliseconds outage_grace)
    : read_log_(std::move(read_log)),
      tokens_(tokens),
      refresh_ns_(std::chrono::nanoseconds(refresh).count()),
      trust_ns_(refresh_ns_ + refresh_ns_ / 2),
      grace_ns_(std::chrono::nanoseconds(outage_grace).count()) {}

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
  // Taken before the read: the log describes the database no earlier than this.
  const std::int64_t start = SteadyNanos();
  if (start < refresh_at_ns_.load()) return;  // refreshed while we waited for the lock
  std::optional<RevocationLog> log = read_log_(last_);
  if (!log) {
    // Entries stay trusted for the outage grace after the last good read
    // (the database is likely down for every writer too); the next good read
    // applies every rotation since last_, so nothing is missed afterwards.
    trusted_until_ns_.store(last_ ? last_read_ns_ + grace_ns_ : 0);
    refresh_at_ns_.store(start + refresh_ns_);
    return;
  }
  const bool everyone =
      std::find(log->users.begin(), log->users.end(), storage::kEveryUser) != log->users.end();
  if (!last_ || !log->complete || everyone) {
    tokens_.InvalidateAll();
  } else {
    for (const std::string& user_id : log->users) tokens_.InvalidateUser(user_id);
  }
  last_ = log->last;
  last_read_ns_ = start;
  refresh_at_ns_.store(start + refresh_ns_);
  trusted_until_ns_.store(start + trust_ns_);
}

}  // namespace analytics::users

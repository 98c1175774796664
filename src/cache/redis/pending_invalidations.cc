#include "cache/redis/pending_invalidations.h"

namespace analytics::cache {

void PendingInvalidations::AddUser(std::string_view user_id) {
  std::lock_guard lock(mu_);
  const std::uint64_t sequence = ++sequence_;
  if (auto found = users_.find(std::string(user_id)); found != users_.end()) {
    found->second = sequence;
  } else if (users_.size() >= max_users_) {
    // Too many to remember one by one: a flush covers them all.
    users_.clear();
    flush_all_ = sequence;
  } else {
    users_.emplace(std::string(user_id), sequence);
  }
  UpdateEmptyLocked();
}

void PendingInvalidations::AddFlushAll() {
  std::lock_guard lock(mu_);
  users_.clear();
  flush_all_ = ++sequence_;
  UpdateEmptyLocked();
}

bool PendingInvalidations::Drain(const std::function<bool(const Batch&)>& replay) {
  std::lock_guard drain_lock(drain_mu_);
  Batch batch;
  std::unordered_map<std::string, std::uint64_t> taken;
  std::uint64_t taken_flush = 0;
  {
    std::lock_guard lock(mu_);
    if (users_.empty() && flush_all_ == 0) return true;
    taken = users_;
    taken_flush = flush_all_;
  }
  batch.flush_all = taken_flush != 0;
  if (!batch.flush_all) {
    batch.user_ids.reserve(taken.size());
    for (const auto& [user_id, sequence] : taken) batch.user_ids.push_back(user_id);
  }
  if (!replay(batch)) return false;

  std::lock_guard lock(mu_);
  // Only what was replayed: an Add during the replay may have come too late for it.
  if (flush_all_ == taken_flush) flush_all_ = 0;
  for (const auto& [user_id, sequence] : taken) {
    auto found = users_.find(user_id);
    if (found != users_.end() && found->second == sequence) users_.erase(found);
  }
  UpdateEmptyLocked();
  return true;
}

void PendingInvalidations::UpdateEmptyLocked() {
  empty_.store(users_.empty() && flush_all_ == 0, std::memory_order_release);
}

}  // namespace analytics::cache

#include "stats/invalidation_replayer.h"

#include "logging/log.h"

namespace analytics::stats {

void InvalidationReplayer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void InvalidationReplayer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void InvalidationReplayer::Loop() {
  bool failing = false;  // log a database failure once, not every second
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, kInterval, [this] { return stopping_; })) {
    lock.unlock();
    Result<int> replayed = stats_.ReplayQueuedInvalidations();
    if (!replayed.ok() && !failing) {
      logging::Warn("invalidation_replay_failed", {{"error", replayed.error().message}});
    } else if (replayed.ok() && *replayed > 0) {
      logging::Info("invalidations_replayed", {{"users", std::int64_t{*replayed}}});
    }
    failing = !replayed.ok();
    lock.lock();
  }
}

}  // namespace analytics::stats

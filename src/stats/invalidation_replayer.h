// A thread that applies the invalidations the database holds for users whose
// writes could not reach the shared cache (StatsService::ReplayQueuedInvalidations),
// once a second, for as long as the server runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "stats/stats_service.h"

namespace analytics::stats {

// Start once, then Stop (or destroy). `stats` must outlive the replayer.
class InvalidationReplayer {
 public:
  static constexpr std::chrono::seconds kInterval{1};

  explicit InvalidationReplayer(StatsService& stats) : stats_(stats) {}
  ~InvalidationReplayer() { Stop(); }
  InvalidationReplayer(const InvalidationReplayer&) = delete;
  InvalidationReplayer& operator=(const InvalidationReplayer&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();

  StatsService& stats_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace analytics::stats

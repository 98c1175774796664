// A value recomputed at most once per interval, for answers that anyone may
// ask for as often as they like (/health, /metrics) but whose computation
// costs database work: a flood of anonymous requests costs at most one
// computation per interval.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

namespace analytics {

// Thread-safe. Get() returns the last value while it is younger than
// `max_age`; past that, one caller recomputes it while the others keep the
// last value (they never queue behind a slow computation); only the very
// first callers, when there is no value yet, wait for one.
template <typename T>
class Refreshed {
 public:
  using Clock = std::chrono::steady_clock;

  Refreshed(std::chrono::milliseconds max_age, std::function<T()> compute)
      : max_age_(max_age), compute_(std::move(compute)) {}

  T Get() {
    {
      std::lock_guard lock(mu_);
      if (value_ && Clock::now() - computed_at_ < max_age_) return *value_;
    }
    std::unique_lock compute_lock(compute_mu_, std::try_to_lock);
    if (!compute_lock.owns_lock()) {
      {
        std::lock_guard lock(mu_);
        if (value_) return *value_;  // another caller is recomputing: keep the last value
      }
      compute_lock.lock();  // no value yet: wait for the computation under way
    }
    {
      std::lock_guard lock(mu_);
      if (value_ && Clock::now() - computed_at_ < max_age_) return *value_;  // just computed
    }
    T fresh = compute_();
    std::lock_guard lock(mu_);
    value_ = fresh;
    computed_at_ = Clock::now();
    return fresh;
  }

 private:
  const std::chrono::milliseconds max_age_;
  const std::function<T()> compute_;
  std::mutex compute_mu_;  // held while compute_ runs
  std::mutex mu_;          // guards value_ and computed_at_
  std::optional<T> value_;
  Clock::time_point computed_at_;
};

}  // namespace analytics

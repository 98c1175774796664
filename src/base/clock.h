// Every read of "now" goes through a Clock, so time-dependent logic (overdue,
// daily rows, trends, scheduler) can be tested without waiting.
#pragma once

#include <atomic>

#include "base/time.h"

namespace analytics {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  Time Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_(start.time_since_epoch().count()) {}
  Time Now() const override { return Time{std::chrono::microseconds{now_.load()}}; }
  void Set(Time t) { now_ = t.time_since_epoch().count(); }
  void Advance(std::chrono::microseconds d) { now_ += d.count(); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace analytics

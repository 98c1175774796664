#include "cache/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace analytics::cache {
namespace {

constexpr int kThreads = 8;

// Starts one leader whose computation blocks on `release`, then kThreads-1
// followers, and returns once all followers are waiting on the leader.
template <typename T>
std::vector<std::future<T>> StartGroup(SingleFlight<T>& flight, std::function<T()> compute,
                                       std::shared_future<void> release, std::atomic<int>& runs) {
  std::promise<void> started;
  auto blocking = [&, compute, release] {
    ++runs;
    started.set_value();
    release.wait();
    return compute();
  };
  std::vector<std::future<T>> results;
  results.push_back(
      std::async(std::launch::async, [&flight, blocking] { return flight.Do("k", blocking); }));
  started.get_future().wait();
  for (int i = 1; i < kThreads; ++i) {
    results.push_back(std::async(std::launch::async, [&flight] {
      return flight.Do("k", [] {
        ADD_FAILURE() << "a follower ran its own computation";
        return T{};
      });
    }));
  }
  while (flight.waiters("k") < kThreads - 1) std::this_thread::yield();
  return results;
}

TEST(SingleFlight, ConcurrentCallersShareOneComputation) {
  SingleFlight<int> flight;
  std::atomic<int> runs{0};
  std::promise<void> release;

  auto results = StartGroup<int>(
      flight, [] { return 42; }, release.get_future().share(), runs);
  release.set_value();

  for (auto& result : results) EXPECT_EQ(result.get(), 42);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(flight.waiters("k"), 0u);
}

TEST(SingleFlight, ExceptionReachesEveryWaiter) {
  SingleFlight<int> flight;
  std::atomic<int> runs{0};
  std::promise<void> release;

  auto results = StartGroup<int>(
      flight, []() -> int { throw std::runtime_error("boom"); }, release.get_future().share(),
      runs);
  release.set_value();

  for (auto& result : results) EXPECT_THROW(result.get(), std::runtime_error);
  EXPECT_EQ(runs.load(), 1);
}

TEST(SingleFlight, KeyIsForgottenAfterItFinishes) {
  SingleFlight<std::string> flight;
  int runs = 0;

  std::string first = flight.Do("k", [&] { return "v" + std::to_string(++runs); });
  std::string second = flight.Do("k", [&] { return "v" + std::to_string(++runs); });

  EXPECT_EQ(first, "v1");
  EXPECT_EQ(second, "v2");
}

TEST(SingleFlight, DifferentKeysDoNotWaitForEachOther) {
  SingleFlight<int> flight;

  // The outer computation runs another key inside: it would deadlock if keys shared a call.
  int value = flight.Do("a", [&] { return flight.Do("b", [] { return 2; }) + 1; });

  EXPECT_EQ(value, 3);
}

}  // namespace
}  // namespace analytics::cache

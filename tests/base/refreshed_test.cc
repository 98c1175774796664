#include "base/refreshed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace analytics {
namespace {

using namespace std::chrono_literals;

TEST(Refreshed, ComputesOncePerIntervalHoweverManyCallers) {
  std::atomic<int> computed{0};
  Refreshed<int> value(10s, [&] { return ++computed; });

  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (value.Get() != 1) ++wrong;
      }
    });
  }
  for (auto& c : callers) c.join();

  EXPECT_EQ(computed.load(), 1);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Refreshed, RecomputesOnceTheValueIsOlderThanMaxAge) {
  int computed = 0;
  Refreshed<int> value(500ms, [&] { return ++computed; });

  EXPECT_EQ(value.Get(), 1);
  EXPECT_EQ(value.Get(), 1);
  std::this_thread::sleep_for(600ms);

  EXPECT_EQ(value.Get(), 2);
  EXPECT_EQ(computed, 2);
}

TEST(Refreshed, CallersKeepTheLastValueWhileASlowRecomputationRuns) {
  std::atomic<bool> release{false};
  std::atomic<int> computed{0};
  Refreshed<int> value(1ms, [&] {
    const int n = ++computed;
    if (n == 2) {
      while (!release) std::this_thread::yield();
    }
    return n;
  });
  ASSERT_EQ(value.Get(), 1);
  std::this_thread::sleep_for(5ms);

  std::thread slow([&] { EXPECT_EQ(value.Get(), 2); });
  while (computed.load() < 2) std::this_thread::yield();
  // The recomputation is blocked; others are answered at once with the old value.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(value.Get(), 1);
  release = true;
  slow.join();

  EXPECT_EQ(computed.load(), 2);
}

}  // namespace
}  // namespace analytics

// RedisGetBatcher on its own: every queued GET is answered exactly once (with
// the value, or nullopt for a missing key, a non-string or no connection),
// queued GETs share pipelines of at most max_batch, and destruction answers
// whatever is still queued.
#include "cache/redis/get_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis/redis_pool.h"
#include "redis_test_support.h"

namespace analytics::cache {
namespace {

using redistest::Answers;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// A gate the batcher's Connect waits at, so the test can pile up a queue.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(RedisGetBatcher, NoConnectionAnswersEveryCallerWithNullopt) {
  std::atomic<int> connects{0};
  Answers answers(50);
  {
    RedisGetBatcher batcher(
        [&]() -> std::optional<RedisPool::Lease> {
          ++connects;
          return std::nullopt;
        },
        8);
    for (std::size_t i = 0; i < 50; ++i) batcher.Get("k" + std::to_string(i), answers.For(i));
    ASSERT_TRUE(answers.WaitAll(milliseconds(5000))) << answers.total() << " of 50 answered";
  }
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(answers.value(i), std::nullopt) << i;
    EXPECT_EQ(answers.count(i), 1) << i;
  }
  EXPECT_GE(connects.load(), 50 / 8);
}

// While the thread is held in its first Connect, 100 more GETs queue up; with
// max_batch 8 they must go out in exactly ceil(100 / 8) further batches.
TEST(RedisGetBatcher, QueuedGetsShareBatchesOfAtMostMaxBatch) {
  Gate gate;
  std::atomic<int> connects{0};
  std::atomic<bool> first_entered{false};
  Answers answers(101);
  {
    RedisGetBatcher batcher(
        [&]() -> std::optional<RedisPool::Lease> {
          if (connects.fetch_add(1) == 0) {
            first_entered = true;
            gate.Wait();
          }
          return std::nullopt;
        },
        8);
    batcher.Get("first", answers.For(0));
    const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
    while (!first_entered && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_TRUE(first_entered);
    for (std::size_t i = 1; i <= 100; ++i) batcher.Get("k" + std::to_string(i), answers.For(i));
    EXPECT_EQ(answers.total(), 0u);  // nobody answered while the batch is stuck
    gate.Open();
    ASSERT_TRUE(answers.WaitAll(milliseconds(5000)));
  }
  EXPECT_EQ(connects.load(), 1 + (100 + 7) / 8);
  for (std::size_t i = 0; i <= 100; ++i) EXPECT_EQ(answers.count(i), 1) << i;
}

// Destroyed while the thread is stuck and more callers are queued: each is
// answered exactly once (nullopt here), and nothing hangs or crashes.
TEST(RedisGetBatcher, DestructionAnswersEveryQueuedCaller) {
  Gate gate;
  std::atomic<bool> first_entered{false};
  std::atomic<int> connects{0};
  Answers answers(41);
  auto batcher = std::make_unique<RedisGetBatcher>(
      [&]() -> std::optional<RedisPool::Lease> {
        if (connects.fetch_add(1) == 0) {
          first_entered = true;
          gate.Wait();
        }
        return std::nullopt;
      },
      4);
  batcher->Get("first", answers.For(0));
  const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
  while (!first_entered && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(first_entered);
  for (std::size_t i = 1; i <= 40; ++i) batcher->Get("k" + std::to_string(i), answers.For(i));

  std::thread destroyer([&] { batcher.reset(); });
  std::this_thread::sleep_for(milliseconds(20));  // let the destructor start waiting
  gate.Open();
  destroyer.join();

  ASSERT_TRUE(answers.WaitAll(milliseconds(1)));
  for (std::size_t i = 0; i <= 40; ++i) {
    EXPECT_EQ(answers.count(i), 1) << i;
    EXPECT_EQ(answers.value(i), std::nullopt) << i;
  }
}

class RedisGetBatcherLive : public testing::Test {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_REDIS();
    db_ = std::make_unique<redistest::LeasedDb>();
    pool_ = std::make_unique<RedisPool>(db_->options());
  }

  std::unique_ptr<redistest::LeasedDb> db_;
  std::unique_ptr<RedisPool> pool_;
};

TEST_F(RedisGetBatcherLive, AnswersValuesMissesAndNonStrings) {
  db_->Raw({"SET", "a", "alpha"});
  db_->Raw({"SET", "empty", ""});
  db_->Raw({"SET", "bin", std::string_view("x\0y\r\nz", 6)});
  db_->Raw({"RPUSH", "list", "1"});
  Answers answers(5);
  {
    RedisGetBatcher batcher([&] { return pool_->Acquire(); }, 16);
    batcher.Get("a", answers.For(0));
    batcher.Get("missing", answers.For(1));
    batcher.Get("list", answers.For(2));  // WRONGTYPE: an error reply, not a value
    batcher.Get("empty", answers.For(3));
    batcher.Get("bin", answers.For(4));
    ASSERT_TRUE(answers.WaitAll(milliseconds(5000)));
  }
  EXPECT_EQ(answers.value(0), "alpha");
  EXPECT_EQ(answers.value(1), std::nullopt);
  EXPECT_EQ(answers.value(2), std::nullopt);
  EXPECT_EQ(answers.value(3), "");
  EXPECT_EQ(answers.value(4), std::string("x\0y\r\nz", 6));
  EXPECT_TRUE(pool_->up());  // an error reply does not take the pool down
}

TEST_F(RedisGetBatcherLive, ConcurrentCallersEachGetTheirOwnValueOnce) {
  constexpr int kKeys = 100, kThreads = 8, kPerThread = 250;
  for (int k = 0; k < kKeys; ++k) {
    db_->Raw({"SET", "key:" + std::to_string(k), "value:" + std::to_string(k)});
  }
  Answers answers(kThreads * kPerThread);
  {
    RedisGetBatcher batcher([&] { return pool_->Acquire(); }, 32);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::size_t n = static_cast<std::size_t>(t * kPerThread + i);
          batcher.Get("key:" + std::to_string(n % kKeys), answers.For(n));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    ASSERT_TRUE(answers.WaitAll(milliseconds(10000))) << answers.total() << " answered";
  }
  for (std::size_t n = 0; n < kThreads * kPerThread; ++n) {
    ASSERT_EQ(answers.count(n), 1) << n;
    ASSERT_EQ(answers.value(n), "value:" + std::to_string(n % kKeys)) << n;
  }
}

}  // namespace
}  // namespace analytics::cache

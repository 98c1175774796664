#include "cache/redis/get_batcher.h"

#include <algorithm>

namespace analytics::cache {

RedisGetBatcher::RedisGetBatcher(Connect connect, std::size_t max_batch)
    : connect_(std::move(connect)),
      max_batch_(std::max<std::size_t>(1, max_batch)),
      thread_([this](std::stop_token stop) { Loop(stop); }) {}

RedisGetBatcher::~RedisGetBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  thread_.request_stop();
  thread_.join();
  for (auto& [key, done] : queue_) done(std::nullopt);
}

void RedisGetBatcher::Get(std::string key, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.emplace_back(std::move(key), std::move(done));
      // Only the first of a batch needs to wake the thread.
      if (queue_.size() > 1) return;
      ready_.notify_one();
      return;
    }
  }
  done(std::nullopt);
}

void RedisGetBatcher::Loop(std::stop_token stop) {
  Pending batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (!ready_.wait(lock, stop, [&] { return !queue_.empty(); })) return;
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    Send(batch);
    batch.clear();
  }
}

void RedisGetBatcher::Send(Pending& batch) {
  std::optional<RedisPool::Lease> lease = connect_();
  if (lease) {
    std::vector<RedisArgv> commands;
    commands.reserve(batch.size());
    for (const auto& [key, done] : batch) commands.push_back({"GET", key});
    Result<std::vector<RedisReply>> replies = (*lease)->RunAll(commands);
    if (replies.ok() && replies->size() == batch.size()) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        RedisReply& reply = (*replies)[i];
        if (reply.type == RedisReply::Type::kString) {
          batch[i].second(std::move(reply.text));
        } else {
          batch[i].second(std::nullopt);
        }
      }
      return;
    }
    lease->Fail();
  }
  for (auto& [key, done] : batch) done(std::nullopt);
}

}  // namespace analytics::cache

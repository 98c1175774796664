// Collapses concurrent computations of the same key into one (cache stampede
// protection for cache-aside reads).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace analytics::cache {

// Concurrent Do calls with the same key share one run of `compute`: the first
// caller runs it, the others wait and get a copy of its result (or its
// exception). Once it finishes the key is forgotten, so a later call computes
// afresh. T must be copyable. Thread-safe.
template <typename T>
class SingleFlight {
 public:
  T Do(const std::string& key, const std::function<T()>& compute) {
    std::unique_lock lock(mu_);
    if (auto found = calls_.find(key); found != calls_.end()) {
      std::shared_future<T> result = found->second->result;
      ++found->second->waiters;
      lock.unlock();
      return result.get();
    }
    auto call = std::make_shared<Call>();
    calls_.emplace(key, call);
    lock.unlock();

    try {
      T value = compute();
      Forget(key);
      call->promise.set_value(std::move(value));
    } catch (...) {
      Forget(key);
      call->promise.set_exception(std::current_exception());
    }
    return call->result.get();
  }

  // How many callers are waiting on the computation of `key` (0 if none runs).
  // For tests and diagnostics.
  std::size_t waiters(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto found = calls_.find(key);
    return found == calls_.end() ? 0 : found->second->waiters;
  }

 private:
  struct Call {
    std::promise<T> promise;
    std::shared_future<T> result = promise.get_future().share();
    std::size_t waiters = 0;
  };

  void Forget(const std::string& key) {
    std::lock_guard lock(mu_);
    calls_.erase(key);
  }

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Call>> calls_;
};

}  // namespace analytics::cache

// Reads of the signal store for the API, reports and alerts: the service in
// front of storage::SignalRepository (which holds the SQL). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"
#include "storage/signal_repository.h"

namespace analytics::ops {

class SignalStore {
 public:
  explicit SignalStore(storage::Database& db) : db_(db) {}

  // SignalRepository::Range in one read. Errors: kUnavailable, kInternal.
  Result<std::vector<storage::SignalSeries>> Range(const std::vector<std::string>& names, Time from,
                                                   Time to, std::chrono::seconds step);
  // SignalRepository::Latest in one read.
  Result<std::map<std::string, storage::SignalPoint>> Latest(Time not_before);

 private:
  storage::Database& db_;
};

}  // namespace analytics::ops

#include "ops/signal_store.h"

// Read, not ReadStatement: the repository streams rows (ForEach), which on
// PostgreSQL is a cursor and needs a transaction.

namespace analytics::ops {

Result<std::vector<storage::SignalSeries>> SignalStore::Range(const std::vector<std::string>& names,
                                                              Time from, Time to,
                                                              std::chrono::seconds step) {
  return storage::ReadValue(db_, [&](storage::Transaction& tx) {
    return storage::SignalRepository(tx).Range(names, from, to, step);
  });
}

Result<std::map<std::string, storage::SignalPoint>> SignalStore::Latest(Time not_before) {
  return storage::ReadValue(db_, [&](storage::Transaction& tx) {
    return storage::SignalRepository(tx).Latest(not_before);
  });
}

}  // namespace analytics::ops

// A storage::Database that times every statement it runs and reports it to
// Metrics::ObserveQuery (analytics_db_query_duration_seconds{operation},
// SPEC §8). A decorator over the interfaces: the backends know nothing of it.
#pragma once

#include <memory>
#include <string_view>

#include "metrics/metrics.h"
#include "storage/database.h"

namespace analytics::app {

// The `operation` label of a statement: its first keyword, lower case, one of
// select, insert, update, delete, with; "other" for the rest (VACUUM,
// REFRESH, …). A bounded set, so the histogram's series stay few.
std::string_view QueryOperation(std::string_view sql);

// Thread-safe as `inner` is. `metrics` must outlive it.
class TimedDatabase final : public storage::Database {
 public:
  TimedDatabase(std::unique_ptr<storage::Database> inner, metrics::Metrics& metrics);

  Result<void> InTransaction(const storage::Work& work) override;
  Result<void> Read(const storage::Work& work) override;
  Result<void> ReadStatement(const storage::Work& work) override;
  Result<void> WriteStatement(const storage::Work& work) override;
  Result<void> ExecuteOutsideTransaction(std::string_view sql) override;
  Result<void> Ping() override { return inner_->Ping(); }
  storage::PoolStats pool_stats() const override { return inner_->pool_stats(); }
  const storage::Dialect& dialect() const override { return inner_->dialect(); }
  std::string description() const override { return inner_->description(); }

 private:
  // `work` run on a Transaction that times each statement of `tx`.
  storage::Work Timed(const storage::Work& work);

  std::unique_ptr<storage::Database> inner_;
  metrics::Metrics& metrics_;
};

}  // namespace analytics::app

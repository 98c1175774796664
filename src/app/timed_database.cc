#include "app/timed_database.h"

#include <array>
#include <cctype>
#include <chrono>

#include "storage/task_repository.h"
#include "storage/write_path.h"

namespace analytics::app {
namespace {

using Clock = std::chrono::steady_clock;

// Runs `fn`, one statement, and observes how long it took.
template <typename Fn>
auto Timed(metrics::Metrics& metrics, std::string_view operation, const Fn& fn) {
  auto started = Clock::now();
  auto result = fn();
  metrics.ObserveQuery(operation, Clock::now() - started);
  return result;
}

// Forwards the backend's write path, timing each call as one "insert" (a
// call may be a few statements: ids, COPY, upsert; SPEC §8 has no finer label).
class TimedWritePath final : public storage::WritePath {
 public:
  TimedWritePath(storage::WritePath& inner, metrics::Metrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  Result<std::vector<std::int64_t>> InsertTasks(const std::vector<model::Task>& tasks) override {
    return Timed(metrics_, "insert", [&] { return inner_.InsertTasks(tasks); });
  }
  Result<void> AppendCreates(const storage::AuditEntry& common,
                             const std::vector<model::Task>& tasks) override {
    return Timed(metrics_, "insert", [&] { return inner_.AppendCreates(common, tasks); });
  }
  Result<std::vector<storage::Row>> AddToBuckets(
      const std::string& user_id, const std::vector<storage::DayChange>& changes) override {
    return Timed(metrics_, "insert", [&] { return inner_.AddToBuckets(user_id, changes); });
  }
  Result<storage::CreatedTask> CreateTask(const model::Task& task, const storage::AuditEntry& audit,
                                          Time now) override {
    return Timed(metrics_, "insert", [&] { return inner_.CreateTask(task, audit, now); });
  }

 private:
  storage::WritePath& inner_;
  metrics::Metrics& metrics_;
};

// Forwards every call to the backend's transaction, timing each statement.
// Lives only inside one work function, as the transaction it wraps.
class TimedTransaction final : public storage::Transaction {
 public:
  TimedTransaction(storage::Transaction& inner, metrics::Metrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  Result<std::vector<storage::Row>> Query(std::string_view sql,
                                          const storage::Params& params) override {
    return Timed(metrics_, QueryOperation(sql), [&] { return inner_.Query(sql, params); });
  }
  Result<std::int64_t> Execute(std::string_view sql, const storage::Params& params) override {
    return Timed(metrics_, QueryOperation(sql), [&] { return inner_.Execute(sql, params); });
  }
  Result<void> ForEach(std::string_view sql, const storage::Params& params,
                       const std::function<bool(const storage::Row&)>& row_fn) override {
    // The database's time only: what `row_fn` takes per row (an export
    // waiting on a slow client) is not the query's.
    Clock::duration in_caller{0};
    auto started = Clock::now();
    auto done = inner_.ForEach(sql, params, [&](const storage::Row& row) {
      auto called = Clock::now();
      bool more = row_fn(row);
      in_caller += Clock::now() - called;
      return more;
    });
    metrics_.ObserveQuery(QueryOperation(sql), Clock::now() - started - in_caller);
    return done;
  }
  Result<void> ExecuteScript(std::string_view sql) override {
    return Timed(metrics_, "script", [&] { return inner_.ExecuteScript(sql); });
  }
  storage::WritePath& write_path() override { return write_path_; }

 private:
  storage::Transaction& inner_;
  metrics::Metrics& metrics_;
  TimedWritePath write_path_{inner_.write_path(), metrics_};
};

}  // namespace

std::string_view QueryOperation(std::string_view sql) {
  static constexpr std::array<std::string_view, 5> kOperations = {"select", "insert", "update",
                                                                  "delete", "with"};
  std::size_t begin = 0;
  while (begin < sql.size() && std::isspace(static_cast<unsigned char>(sql[begin]))) ++begin;
  std::size_t end = begin;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end]))) ++end;
  std::string_view word = sql.substr(begin, end - begin);
  for (std::string_view operation : kOperations) {
    bool same = word.size() == operation.size();
    for (std::size_t i = 0; same && i < word.size(); ++i) {
      same = std::tolower(static_cast<unsigned char>(word[i])) == operation[i];
    }
    if (same) return operation;
  }
  return "other";
}

TimedDatabase::TimedDatabase(std::unique_ptr<storage::Database> inner, metrics::Metrics& metrics)
    : inner_(std::move(inner)), metrics_(metrics) {}

storage::Work TimedDatabase::Timed(const storage::Work& work) {
  return [this, &work](storage::Transaction& tx) -> Result<void> {
    TimedTransaction timed(tx, metrics_);
    return work(timed);
  };
}

Result<void> TimedDatabase::InTransaction(const storage::Work& work) {
  return inner_->InTransaction(Timed(work));
}

Result<void> TimedDatabase::Read(const storage::Work& work) { return inner_->Read(Timed(work)); }

Result<void> TimedDatabase::ReadStatement(const storage::Work& work) {
  return inner_->ReadStatement(Timed(work));
}

Result<void> TimedDatabase::WriteStatement(const storage::Work& work) {
  return inner_->WriteStatement(Timed(work));
}

Result<void> TimedDatabase::ExecuteOutsideTransaction(std::string_view sql) {
  auto started = Clock::now();
  auto done = inner_->ExecuteOutsideTransaction(sql);
  metrics_.ObserveQuery(QueryOperation(sql), Clock::now() - started);
  return done;
}

}  // namespace analytics::app

#include "storage/sqlite/sqlite_database.h"

#include <algorithm>
#include <utility>

#include "base/check.h"
#include "storage/run_work.h"
#include "storage/sqlite/sqlite_connection.h"

namespace analytics::storage {
namespace {

// The databases whose writer this thread holds, to catch nested writes that
// would otherwise wait on themselves until the pool timeout.
thread_local std::vector<const SqliteDatabase*> writing_databases;

bool IsWriting(const SqliteDatabase* db) {
  return std::find(writing_databases.begin(), writing_databases.end(), db) !=
         writing_databases.end();
}

}  // namespace

std::string SqliteDialect::DayOf(std::string_view column) const {
  return "substr(" + std::string(column) + ", 1, 10)";
}

std::string SqliteDialect::LiftStatementTimeout() const {
  return std::string(SqliteConnection::kLiftStatementTimeout);
}

// A reader connection borrowed from the pool for one Read or Ping.
class SqliteDatabase::ReaderLease {
 public:
  ReaderLease(SqliteDatabase& db, std::unique_ptr<SqliteConnection> connection)
      : db_(db), connection_(std::move(connection)) {}
  ~ReaderLease() { db_.ReleaseReader(std::move(connection_)); }
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  SqliteConnection& connection() { return *connection_; }

 private:
  SqliteDatabase& db_;
  std::unique_ptr<SqliteConnection> connection_;
};

// The writer connection, taken for one InTransaction or ExecuteOutsideTransaction.
class SqliteDatabase::WriterLease {
 public:
  explicit WriterLease(SqliteDatabase& db) : db_(db) { writing_databases.push_back(&db); }
  ~WriterLease() {
    writing_databases.pop_back();
    db_.ReleaseWriter();
  }
  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;

 private:
  SqliteDatabase& db_;
};

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             const config::DatabaseOptions& options,
                                                             std::string description) {
  Result<std::unique_ptr<SqliteConnection>> writer = SqliteConnection::Open(
      path, SqliteConnection::Mode::kReadWrite, options.pool_timeout, options.statement_timeout);
  if (!writer.ok()) return writer.error();
  // WAL is a property of the file, so setting it once on the writer is enough;
  // it lets readers keep their snapshot while the writer commits.
  Result<std::vector<Row>> mode = (*writer)->Query("PRAGMA journal_mode = WAL");
  if (!mode.ok())
    return Unavailable("cannot set WAL mode on " + path + ": " + mode.error().message);
  if (mode->empty() || (*mode)[0].Text(0) != "wal") {
    return Unavailable("cannot set WAL mode on " + path);
  }
  return std::unique_ptr<SqliteDatabase>(
      new SqliteDatabase(path, options, std::move(description), std::move(*writer)));
}

SqliteDatabase::SqliteDatabase(std::string path, const config::DatabaseOptions& options,
                               std::string description, std::unique_ptr<SqliteConnection> writer)
    : BackendDatabase(std::move(description)),
      path_(std::move(path)),
      pool_timeout_(options.pool_timeout),
      statement_timeout_(options.statement_timeout),
      max_readers_(std::max(1, options.pool_size)),
      writer_(std::move(writer)) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<void> SqliteDatabase::RunTransaction(SqliteConnection& connection, std::string_view begin,
                                            const Work& work) {
  Result<void> result = connection.ExecuteScript(begin);
  if (!result.ok()) return result;
  result = RunWork(work, connection);
  if (result.ok()) result = connection.ExecuteScript("COMMIT");
  // Covers failed work, a failed COMMIT, and work that left a statement error
  // behind; SQLite may already have rolled back on its own (BUSY, FULL, IOERR).
  if (connection.InTransaction()) (void)connection.ExecuteScript("ROLLBACK");
  return result;
}

Result<void> SqliteDatabase::InTransaction(const Work& work) {
  ANALYTICS_CHECK(!IsWriting(this)) << "InTransaction called inside InTransaction";
  ANALYTICS_RETURN_IF_ERROR(AcquireWriter());
  WriterLease lease(*this);
  return RunTransaction(*writer_, "BEGIN IMMEDIATE", work);
}

Result<void> SqliteDatabase::Read(const Work& work) {
  Result<std::unique_ptr<SqliteConnection>> reader = AcquireReader();
  if (!reader.ok()) return reader.error();
  ReaderLease lease(*this, std::move(*reader));
  return RunTransaction(lease.connection(), "BEGIN", work);
}

Result<void> SqliteDatabase::ExecuteOutsideTransaction(std::string_view sql) {
  ANALYTICS_CHECK(!IsWriting(this)) << "ExecuteOutsideTransaction called inside InTransaction";
  ANALYTICS_RETURN_IF_ERROR(AcquireWriter());
  WriterLease lease(*this);
  return writer_->ExecuteScriptWithoutTimeout(sql);
}

Result<void> SqliteDatabase::Ping() {
  Result<std::unique_ptr<SqliteConnection>> reader = AcquireReader();
  if (!reader.ok()) return reader.error();
  ReaderLease lease(*this, std::move(*reader));
  Result<std::vector<Row>> rows = lease.connection().Query("SELECT 1");
  if (!rows.ok()) return Unavailable(rows.error().message);
  return Ok();
}

PoolStats SqliteDatabase::pool_stats() const {
  std::lock_guard lock(pool_mutex_);
  const int idle_readers = static_cast<int>(idle_readers_.size());
  return PoolStats{
      .in_use = open_readers_ - idle_readers + (writer_in_use_ ? 1 : 0),
      .idle = idle_readers + (writer_in_use_ ? 0 : 1),
      .max = max_readers_ + 1,
      .waiting = waiting_,
  };
}

Result<void> SqliteDatabase::AcquireWriter() {
  std::unique_lock lock(pool_mutex_);
  ++waiting_;
  const bool free =
      writer_released_.wait_for(lock, pool_timeout_, [this] { return !writer_in_use_; });
  --waiting_;
  if (!free) {
    return Unavailable("database busy: no writer connection within the pool timeout");
  }
  writer_in_use_ = true;
  return Ok();
}

void SqliteDatabase::ReleaseWriter() {
  {
    std::lock_guard lock(pool_mutex_);
    writer_in_use_ = false;
  }
  writer_released_.notify_one();
}

Result<std::unique_ptr<SqliteConnection>> SqliteDatabase::AcquireReader() {
  std::unique_lock lock(pool_mutex_);
  ++waiting_;
  const bool available = reader_released_.wait_for(lock, pool_timeout_, [this] {
    return !idle_readers_.empty() || open_readers_ < max_readers_;
  });
  --waiting_;
  if (!available) return Unavailable("database busy: no reader connection within the pool timeout");
  if (!idle_readers_.empty()) {
    std::unique_ptr<SqliteConnection> reader = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return reader;
  }
  // Count the connection as open before opening it, outside the lock, so
  // other threads neither wait on the open nor exceed the pool size.
  ++open_readers_;
  lock.unlock();
  Result<std::unique_ptr<SqliteConnection>> reader = SqliteConnection::Open(
      path_, SqliteConnection::Mode::kReadOnly, pool_timeout_, statement_timeout_);
  if (!reader.ok()) {
    lock.lock();
    --open_readers_;
    reader_released_.notify_one();
  }
  return reader;
}

void SqliteDatabase::ReleaseReader(std::unique_ptr<SqliteConnection> reader) {
  {
    std::lock_guard lock(pool_mutex_);
    idle_readers_.push_back(std::move(reader));
  }
  reader_released_.notify_one();
}

}  // namespace analytics::storage

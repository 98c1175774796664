#include "storage/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <optional>
#include <string>
#include <utility>

#include "base/check.h"
#include "base/time.h"
#include "logging/log.h"

namespace analytics::storage {
namespace {

// Bounds the per-connection cache if callers build SQL dynamically; past it,
// statements are prepared per use and finalized afterwards.
constexpr std::size_t kMaxCachedStatements = 256;

// How many virtual-machine instructions run between two looks at the clock:
// a few microseconds of work, so a look (tens of nanoseconds) costs under 1%
// and a timeout is noticed within milliseconds.
constexpr int kProgressInstructions = 1000;

// The client-safe message: SQLite's own text ("UNIQUE constraint failed: users.id")
// never holds the statement, which we leave out on purpose.
Error MapError(int rc, const char* sqlite_message) {
  std::string message = std::string("sqlite: ") + sqlite_message;
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Conflict(std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return Unavailable(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

// Log lines keep at most this much of a statement (migration scripts are long).
constexpr std::size_t kMaxLoggedSql = 1000;

// The statement goes to the log, never into the Error a client may see.
// Conflicts are expected outcomes (a duplicate id), so they are not logged.
Error Logged(Error error, std::string_view sql) {
  if (error.code == ErrorCode::kConflict) return error;
  std::string logged(sql.substr(0, kMaxLoggedSql));
  if (error.code == ErrorCode::kUnavailable) {
    logging::Warn("sqlite_unavailable", {{"sql", logged}, {"error", error.message}});
  } else {
    logging::Error("sqlite_error", {{"sql", logged}, {"error", error.message}});
  }
  return error;
}

int Bind(sqlite3_stmt* stmt, int index, const Value& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return sqlite3_bind_null(stmt, index);
  if (const auto* v = std::get_if<std::int64_t>(&value)) return sqlite3_bind_int64(stmt, index, *v);
  if (const auto* v = std::get_if<double>(&value)) return sqlite3_bind_double(stmt, index, *v);
  if (const auto* v = std::get_if<bool>(&value)) return sqlite3_bind_int(stmt, index, *v ? 1 : 0);
  if (const auto* v = std::get_if<std::string>(&value)) {
    return sqlite3_bind_text64(stmt, index, v->data(), v->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  std::string text = FormatStorageTime(std::get<Time>(value));
  return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

Row ReadRow(sqlite3_stmt* stmt) {
  const int columns = sqlite3_column_count(stmt);
  std::vector<Value> values;
  values.reserve(columns);
  for (int c = 0; c < columns; ++c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
        break;
      case SQLITE_FLOAT:
        values.emplace_back(sqlite3_column_double(stmt, c));
        break;
      case SQLITE_TEXT: {
        // Read the pointer before the size, as SQLite documents.
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        values.emplace_back(std::string(text, sqlite3_column_bytes(stmt, c)));
        break;
      }
      case SQLITE_BLOB: {
        const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, c));
        const int size = sqlite3_column_bytes(stmt, c);
        values.emplace_back(size == 0 ? std::string() : std::string(blob, size));
        break;
      }
      default:
        values.emplace_back(nullptr);
        break;
    }
  }
  return Row(std::move(values));
}

}  // namespace

// The statement timeout of one statement (or one ExecuteScript). Only time
// spent inside SQLite counts: a ForEach callback's work between rows (an
// export streaming to a slow client) is the caller's, as PostgreSQL's timer
// would not see a client that reads slowly from a cursor it already filled.
class SqliteConnection::Timed {
 public:
  Timed(SqliteConnection& connection, bool timed) : connection_(connection) {
    // A lift lasts to the end of its transaction: the first statement that
    // starts outside one (the next BEGIN) ends it.
    if (sqlite3_get_autocommit(connection.db_) != 0) connection.timeout_lifted_ = false;
    connection.timed_out_ = false;
    unlimited_ = !timed || connection.timeout_lifted_ ||
                 connection.statement_timeout_ <= std::chrono::milliseconds(0);
  }

  // Runs `call` (one sqlite3_step or sqlite3_exec) within the time left.
  template <class Call>
  int Run(const Call& call) {
    if (unlimited_) return call();
    const SteadyClock::time_point start = SteadyClock::now();
    // A ForEach callback may run other statements on this connection, which
    // set and clear the deadline themselves: set it again before each step.
    connection_.deadline_ = start + left_;
    const int rc = call();
    connection_.deadline_ = SteadyClock::time_point::max();
    left_ -= std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start);
    return rc;
  }

 private:
  SqliteConnection& connection_;
  bool unlimited_ = true;
  std::chrono::nanoseconds left_{connection_.statement_timeout_};
};

int SqliteConnection::OnProgress(void* connection) {
  auto* self = static_cast<SqliteConnection*>(connection);
  if (SteadyClock::now() < self->deadline_) return 0;
  self->timed_out_ = true;
  return 1;
}

// A statement in use. A cached statement goes back to the cache reset and
// unbound; an uncached one is finalized.
class SqliteConnection::Statement {
 public:
  Statement(sqlite3_stmt* stmt, bool cached) : stmt_(stmt), cached_(cached) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), cached_(other.cached_) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (stmt_ == nullptr) return;
    if (cached_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
  bool cached_;
};

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, Mode mode, std::chrono::milliseconds busy_timeout,
    std::chrono::milliseconds statement_timeout) {
  // NOMUTEX: the pool guarantees one thread per connection at a time, so
  // SQLite's per-connection mutex would be pure overhead.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (mode == Mode::kReadWrite ? SQLITE_OPEN_CREATE : 0);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open database " + path + ": " +
                          (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return Unavailable(std::move(message));
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, statement_timeout));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  if (statement_timeout > std::chrono::milliseconds(0)) {
    sqlite3_progress_handler(db, kProgressInstructions, &SqliteConnection::OnProgress,
                             connection.get());
  }
  // DIRECTONLY: only top-level SQL may call it, never a view or trigger.
  const int created = sqlite3_create_function_v2(
      db, "analytics_lift_statement_timeout", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, connection.get(),
      [](sqlite3_context* context, int, sqlite3_value**) {
        static_cast<SqliteConnection*>(sqlite3_user_data(context))->timeout_lifted_ = true;
        sqlite3_result_null(context);
      },
      nullptr, nullptr, nullptr);
  if (created != SQLITE_OK) {
    return Unavailable("cannot configure database " + path + ": " + sqlite3_errstr(created));
  }
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
  if (mode == Mode::kReadOnly) pragmas += " PRAGMA query_only = ON;";
  Result<void> set = connection->ExecuteScript(pragmas);
  if (!set.ok())
    return Unavailable("cannot configure database " + path + ": " + set.error().message);
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Error SqliteConnection::ErrorFrom(int rc) const {
  // sqlite3_errmsg describes the connection's latest failure, which is `rc`
  // unless something succeeded since; fall back to the generic text then.
  if ((rc & 0xff) == SQLITE_INTERRUPT && timed_out_) {
    return Unavailable("sqlite: statement timeout (database.statement_timeout_ms)");
  }
  const bool current = sqlite3_extended_errcode(db_) == rc;
  return MapError(rc, current ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
}

Result<SqliteConnection::Statement> SqliteConnection::Prepare(std::string_view sql,
                                                              const Params& params) {
  std::string key(sql);
  auto it = cache_.find(key);
  // A cached statement still stepping (a ForEach whose callback runs the same
  // SQL) must not be reset under its caller: prepare a second copy.
  const bool reuse = it != cache_.end() && sqlite3_stmt_busy(it->second) == 0;
  std::optional<Statement> statement;
  if (reuse) {
    statement.emplace(it->second, true);
  } else {
    const bool cache = it == cache_.end() && cache_.size() < kMaxCachedStatements;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
    if (rc != SQLITE_OK) return ErrorFrom(rc);
    if (stmt == nullptr) return Internal("sqlite: empty statement");
    if (std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      sqlite3_finalize(stmt);
      return Internal("sqlite: more than one statement; use ExecuteScript");
    }
    if (cache) cache_.emplace(std::move(key), stmt);
    statement.emplace(stmt, cache);
  }
  sqlite3_stmt* stmt = statement->get();
  const int expected = sqlite3_bind_parameter_count(stmt);
  if (expected != static_cast<int>(params.size())) {
    return Internal("sqlite: statement takes " + std::to_string(expected) + " parameters, got " +
                    std::to_string(params.size()));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    // "$N" is a named parameter to SQLite; binding by name keeps $N meaning
    // params[N-1] whatever order the placeholders appear in.
    const std::string name = "$" + std::to_string(i + 1);
    const int index = sqlite3_bind_parameter_index(stmt, name.c_str());
    if (index == 0) return Internal("sqlite: statement has no parameter " + name);
    const int rc = Bind(stmt, index, params[i]);
    if (rc != SQLITE_OK) return ErrorFrom(rc);
  }
  return std::move(*statement);
}

Result<std::vector<Row>> SqliteConnection::Query(std::string_view sql, const Params& params) {
  std::vector<Row> rows;
  Result<void> result = ForEach(sql, params, [&rows](const Row& row) {
    rows.push_back(row);
    return true;
  });
  if (!result.ok()) return result.error();
  return rows;
}

Result<std::int64_t> SqliteConnection::Execute(std::string_view sql, const Params& params) {
  // Rows a statement returns (RETURNING) are stepped through and dropped.
  Result<void> done = Step(sql, params, nullptr);
  if (!done.ok()) return done.error();
  return static_cast<std::int64_t>(sqlite3_changes64(db_));
}

Result<void> SqliteConnection::ForEach(std::string_view sql, const Params& params,
                                       const std::function<bool(const Row&)>& row_fn) {
  return Step(sql, params, &row_fn);
}

Result<void> SqliteConnection::Step(std::string_view sql, const Params& params,
                                    const std::function<bool(const Row&)>* row_fn) {
  Result<Statement> statement = Prepare(sql, params);
  if (!statement.ok()) return Logged(statement.error(), sql);
  Timed timed(*this, true);
  sqlite3_stmt* stmt = statement->get();
  int rc;
  while ((rc = timed.Run([stmt] { return sqlite3_step(stmt); })) == SQLITE_ROW) {
    if (row_fn != nullptr && !(*row_fn)(ReadRow(stmt))) return Ok();
  }
  if (rc != SQLITE_DONE) return Logged(ErrorFrom(rc), sql);
  return Ok();
}

Result<void> SqliteConnection::ExecuteScript(std::string_view sql) { return RunScript(sql, true); }

Result<void> SqliteConnection::ExecuteScriptWithoutTimeout(std::string_view sql) {
  return RunScript(sql, false);
}

Result<void> SqliteConnection::RunScript(std::string_view sql, bool timed) {
  const std::string script(sql);
  Timed timer(*this, timed);
  const int rc =
      timer.Run([&] { return sqlite3_exec(db_, script.c_str(), nullptr, nullptr, nullptr); });
  if (rc != SQLITE_OK) return Logged(ErrorFrom(rc), sql);
  return Ok();
}

}  // namespace analytics::storage

#include "storage/postgres/postgres_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include "base/time.h"
#include "logging/log.h"
#include "storage/postgres/postgres_error.h"

namespace analytics::storage {
namespace {

// Bounds the per-connection statement cache if callers build SQL dynamically;
// past it, statements go through the unnamed statement, parsed per use.
constexpr std::size_t kMaxPreparedStatements = 256;
// Rows per FETCH in ForEach: memory stays flat, round trips stay few.
constexpr int kFetchRows = 256;
// Log lines keep at most this much of a statement (migration scripts are long).
constexpr std::size_t kMaxLoggedSql = 1000;

using ResultPtr = std::shared_ptr<pg_result>;

ResultPtr Own(PGresult* result) { return ResultPtr(result, PQclear); }

// pg_type's oid of timestamptz (catalog/pg_type_d.h, not part of libpq's API).
constexpr Oid kTimestampTzOid = 1184;

// Text as PostgreSQL sent it, except timestamptz, which is read into a Time
// here: the text (22 to 29 bytes) would be a heap string per value, and an
// export reads four such columns a row for a million rows.
Row ReadRow(const PGresult* result, int row) {
  const int columns = PQnfields(result);
  std::vector<Value> values;
  values.reserve(columns);
  for (int c = 0; c < columns; ++c) {
    if (PQgetisnull(result, row, c)) {
      values.emplace_back(nullptr);
      continue;
    }
    std::string_view text(PQgetvalue(result, row, c), PQgetlength(result, row, c));
    if (PQftype(result, c) == kTimestampTzOid) {
      if (std::optional<Time> time = ParseTime(text)) {
        values.emplace_back(*time);
        continue;
      }
    }
    values.emplace_back(std::string(text));
  }
  return Row(std::move(values));
}

bool Succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

// Server notices (e.g. "relation already exists, skipping") would otherwise
// go to stderr.
void LogNotice(void*, const char* message) {
  logging::Debug("postgres_notice", {{"message", std::string(message)}});
}

// Startup options ("-c name=value"): set before the first query, no round trip.
std::string SessionOptions(const SessionSettings& settings) {
  return " -c TimeZone=UTC -c DateStyle=ISO -c client_min_messages=warning"
         " -c statement_timeout=" +
         std::to_string(settings.statement_timeout.count()) +
         " -c idle_in_transaction_session_timeout=" +
         std::to_string(settings.idle_in_transaction_timeout.count());
}

Error ConnectionError(PGconn* conn, std::string_view what) {
  return MapPostgresError("", std::string(what) + ": " + PQerrorMessage(conn), true);
}

// Drives PQconnectPoll until connected or `deadline`, waiting on the socket.
Result<void> PollUntilConnected(PGconn* conn, PostgresConnection::Clock::time_point deadline) {
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) return ConnectionError(conn, "cannot connect");
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - PostgresConnection::Clock::now());
    if (remaining.count() <= 0) return Unavailable("postgresql: connect timed out");
    pollfd fd{PQsocket(conn),
              static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    const int ready =
        ::poll(&fd, 1, static_cast<int>(std::max<std::int64_t>(remaining.count(), 1)));
    if (ready < 0 && errno != EINTR) return Unavailable("postgresql: poll failed while connecting");
    if (ready == 0) return Unavailable("postgresql: connect timed out");
    status = PQconnectPoll(conn);
  }
  return Ok();
}

}  // namespace

std::string PostgresParamText(const Value& value) {
  if (const auto* v = std::get_if<std::int64_t>(&value)) return std::to_string(*v);
  if (const auto* v = std::get_if<bool>(&value)) return *v ? "true" : "false";
  if (const auto* v = std::get_if<std::string>(&value)) return *v;
  if (const auto* v = std::get_if<double>(&value)) {
    if (std::isnan(*v)) return "NaN";
    if (std::isinf(*v)) return *v > 0 ? "Infinity" : "-Infinity";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *v);
    return std::string(buf, end);
  }
  // "2024-01-15T10:00:00.000000Z" → "2024-01-15 10:00:00.000000+00": timestamptz input.
  std::string text = FormatStorageTime(std::get<Time>(value));
  text[10] = ' ';
  text.pop_back();
  return text + "+00";
}

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Connect(
    const std::string& url, const SessionSettings& settings, Clock::time_point deadline) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgument("database.url", "cannot parse the PostgreSQL URL: " + message);
  }
  // The URL's own settings, plus ours; its "options" (e.g. a search_path)
  // are kept and ours appended.
  std::vector<std::string> keywords;
  std::vector<std::string> values;
  std::string options;
  bool has_application_name = false;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string_view keyword = o->keyword;
    if (keyword == "options") {
      options = o->val;
      continue;
    }
    has_application_name |= keyword == "application_name";
    keywords.emplace_back(o->keyword);
    values.emplace_back(o->val);
  }
  PQconninfoFree(parsed);
  keywords.emplace_back("options");
  values.push_back(options + SessionOptions(settings));
  keywords.emplace_back("client_encoding");
  values.emplace_back("UTF8");
  if (!has_application_name) {
    keywords.emplace_back("application_name");
    values.push_back(settings.application_name);
  }
  std::vector<const char*> keyword_ptrs;
  std::vector<const char*> value_ptrs;
  for (std::size_t i = 0; i < keywords.size(); ++i) {
    keyword_ptrs.push_back(keywords[i].c_str());
    value_ptrs.push_back(values[i].c_str());
  }
  keyword_ptrs.push_back(nullptr);
  value_ptrs.push_back(nullptr);

  PGconn* conn = PQconnectStartParams(keyword_ptrs.data(), value_ptrs.data(), 0);
  if (conn == nullptr) return Unavailable("postgresql: out of memory");
  std::unique_ptr<PostgresConnection> connection(new PostgresConnection(conn));
  if (PQstatus(conn) == CONNECTION_BAD) return ConnectionError(conn, "cannot connect");
  ANALYTICS_RETURN_IF_ERROR(PollUntilConnected(conn, deadline));
  PQsetNoticeProcessor(conn, LogNotice, nullptr);
  return connection;
}

PostgresConnection::PostgresConnection(pg_conn* conn) : conn_(conn), created_at_(Clock::now()) {}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

Error PostgresConnection::Fail(const pg_result* result, std::string_view sql) {
  const bool lost = PQstatus(conn_) == CONNECTION_BAD;
  Error error;
  if (result != nullptr && PQresultErrorField(result, PG_DIAG_SQLSTATE) != nullptr) {
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    error = MapPostgresError(PQresultErrorField(result, PG_DIAG_SQLSTATE),
                             primary != nullptr ? primary : "", lost);
  } else {
    error = MapPostgresError("", PQerrorMessage(conn_), true);
  }
  if (!transaction_error_) transaction_error_ = error;
  // The statement and the server's full text go to the log, never into the
  // Error a client may see. Conflicts are expected outcomes: not logged.
  if (error.code == ErrorCode::kConflict) return error;
  const std::string server_message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  const std::string logged(sql.substr(0, kMaxLoggedSql));
  if (error.code == ErrorCode::kUnavailable) {
    logging::Warn("postgres_unavailable", {{"sql", logged}, {"error", server_message}});
  } else {
    logging::Error("postgres_error", {{"sql", logged}, {"error", server_message}});
  }
  return error;
}

Result<PostgresConnection::Prepared> PostgresConnection::Prepare(std::string_view sql) {
  const std::string key(sql);
  if (auto it = prepared_.find(key); it != prepared_.end()) return it->second;
  Prepared prepared;
  if (prepared_.size() < kMaxPreparedStatements) {
    prepared.name = "analytics_" + std::to_string(next_statement_++);
  }
  // Parameter types are left to the server to infer from the statement.
  ResultPtr made = Own(PQprepare(conn_, prepared.name.c_str(), key.c_str(), 0, nullptr));
  if (!made || !Succeeded(made.get())) return Fail(made.get(), sql);
  ResultPtr described = Own(PQdescribePrepared(conn_, prepared.name.c_str()));
  if (!described || !Succeeded(described.get())) return Fail(described.get(), sql);
  prepared.parameters = PQnparams(described.get());
  if (!prepared.name.empty()) prepared_.emplace(key, prepared);
  return prepared;
}

Result<ResultPtr> PostgresConnection::Run(std::string_view sql, const Params& params) {
  Result<Prepared> prepared = Prepare(sql);
  if (!prepared.ok()) return prepared.error();
  if (prepared->parameters != static_cast<int>(params.size())) {
    Error error = Internal("postgresql: statement takes " + std::to_string(prepared->parameters) +
                           " parameters, got " + std::to_string(params.size()));
    logging::Error("postgres_error",
                   {{"sql", std::string(sql.substr(0, kMaxLoggedSql))}, {"error", error.message}});
    return error;
  }
  std::vector<std::string> texts(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (std::holds_alternative<std::nullptr_t>(params[i])) continue;
    texts[i] = PostgresParamText(params[i]);
    values[i] = texts[i].c_str();
  }
  ResultPtr result =
      Own(PQexecPrepared(conn_, prepared->name.c_str(), static_cast<int>(params.size()),
                         values.data(), nullptr, nullptr, 0));
  if (!result || !Succeeded(result.get())) {
    // "cached plan must not change result type" after DDL: prepare afresh next time.
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr && std::string_view(state) == "0A000") prepared_.erase(std::string(sql));
    return Fail(result.get(), sql);
  }
  return result;
}

Result<std::vector<Row>> PostgresConnection::Query(std::string_view sql, const Params& params) {
  Result<ResultPtr> result = Run(sql, params);
  if (!result.ok()) return result.error();
  const int count = PQntuples(result->get());
  std::vector<Row> rows;
  rows.reserve(count);
  for (int r = 0; r < count; ++r) rows.push_back(ReadRow(result->get(), r));
  return rows;
}

Result<std::int64_t> PostgresConnection::Execute(std::string_view sql, const Params& params) {
  Result<ResultPtr> result = Run(sql, params);
  if (!result.ok()) return result.error();
  const std::string_view changed = PQcmdTuples(result->get());
  std::int64_t count = 0;
  std::from_chars(changed.data(), changed.data() + changed.size(), count);
  return count;
}

Result<void> PostgresConnection::ForEach(std::string_view sql, const Params& params,
                                         const std::function<bool(const Row&)>& row_fn) {
  // One cursor name per nesting depth, so a callback may stream another query;
  // the DECLARE text is then stable and prepared once like any statement.
  const std::string cursor = "analytics_cursor_" + std::to_string(open_cursors_);
  ANALYTICS_RETURN_IF_ERROR(
      Run("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + std::string(sql), params));
  struct Depth {
    int& n;
    explicit Depth(int& count) : n(++count) {}
    ~Depth() { --n; }
  } depth(open_cursors_);
  const std::string fetch = "FETCH FORWARD " + std::to_string(kFetchRows) + " FROM " + cursor;
  bool more = true;
  while (more) {
    Result<ResultPtr> batch = Run(fetch, {});
    if (!batch.ok()) return batch.error();
    const int count = PQntuples(batch->get());
    more = count == kFetchRows;
    for (int r = 0; r < count; ++r) {
      if (!row_fn(ReadRow(batch->get(), r))) {
        more = false;
        break;
      }
    }
  }
  Result<ResultPtr> closed = Run("CLOSE " + cursor, {});
  if (!closed.ok()) return closed.error();
  return Ok();
}

Result<void> PostgresConnection::ExecuteScript(std::string_view sql) {
  const std::string script(sql);
  ResultPtr result = Own(PQexec(conn_, script.c_str()));
  if (!result || !Succeeded(result.get())) return Fail(result.get(), sql);
  return Ok();
}

Result<std::int64_t> PostgresConnection::CopyFrom(std::string_view copy_sql,
                                                  const std::function<bool(std::string&)>& fill) {
  const std::string sql(copy_sql);
  ResultPtr started = Own(PQexec(conn_, sql.c_str()));
  if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) return Fail(started.get(), sql);
  // libpq sends what it buffers past 8 kB, so the server stores one part
  // while `fill` formats the next.
  std::string part;
  bool more = true;
  bool sent = true;
  while (more && sent) {
    part.clear();
    more = fill(part);
    sent = part.empty() || PQputCopyData(conn_, part.data(), static_cast<int>(part.size())) == 1;
  }
  // A failed send ends the COPY with an error, so nothing of it is kept. The
  // server may also have stopped it early (a duplicate key in the first
  // part): then PQputCopyData fails and the server's error is the result.
  const bool ended =
      PQputCopyEnd(conn_, sent ? nullptr : "analytics: sending the rows failed") == 1;
  ResultPtr result = Own(PQgetResult(conn_));
  if (result && PQresultStatus(result.get()) == PGRES_COPY_IN) {
    // Still copying: the end could not be sent, so the session is lost.
    Discard();
    return Fail(nullptr, sql);
  }
  // The COPY's result is followed by a null one; read it so the connection is idle.
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) return Fail(result.get(), sql);
  if (!sent || !ended) return Fail(nullptr, sql);
  std::int64_t count = 0;
  const std::string_view loaded = PQcmdTuples(result.get());
  std::from_chars(loaded.data(), loaded.data() + loaded.size(), count);
  return count;
}

Result<void> PostgresConnection::Begin(std::string_view begin) {
  transaction_error_.reset();
  return ExecuteScript(begin);
}

Result<void> PostgresConnection::Commit() {
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
    // PostgreSQL would answer COMMIT with ROLLBACK: report why it failed.
    Error error = transaction_error_.value_or(Internal("postgresql: transaction failed"));
    Rollback();
    return error;
  }
  ResultPtr result = Own(PQexec(conn_, "COMMIT"));
  if (!result || !Succeeded(result.get())) {
    Error error = Fail(result.get(), "COMMIT");
    Rollback();
    return error;
  }
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    return transaction_error_.value_or(Internal("postgresql: transaction was rolled back"));
  }
  return Ok();
}

void PostgresConnection::Rollback() {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  if (status != PQTRANS_INTRANS && status != PQTRANS_INERROR) return;
  ResultPtr result = Own(PQexec(conn_, "ROLLBACK"));
  if (!result || !Succeeded(result.get())) {
    logging::Warn("postgres_rollback_failed", {{"error", std::string(PQerrorMessage(conn_))}});
  }
}

bool PostgresConnection::IsReusable() const {
  return !discarded_ && PQstatus(conn_) == CONNECTION_OK &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE && open_cursors_ == 0;
}

bool PostgresConnection::Ping() {
  if (!IsReusable()) return false;
  // A server that went away has closed the socket (or sent a FATAL first):
  // reading it now notices without waiting on a query.
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (::poll(&fd, 1, 0) > 0 && (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK)) {
    return false;
  }
  ResultPtr result = Own(PQexec(conn_, ""));
  return result && PQresultStatus(result.get()) == PGRES_EMPTY_QUERY && IsReusable();
}

}  // namespace analytics::storage

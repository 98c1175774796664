// One SQLite connection with its prepared-statement cache: runs statements,
// binds $1, $2… parameters by name and turns SQLite result codes into Errors.
// Internal to storage/sqlite; SqliteDatabase owns and pools these.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/database.h"
#include "storage/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace analytics::storage {

// Not thread-safe: one thread at a time. Its Transaction methods are what the
// work function of InTransaction/Read receives, between BEGIN and COMMIT.
class SqliteConnection final : public Transaction {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` (creating the file in kReadWrite mode) with foreign keys on,
  // synchronous=NORMAL and the given busy timeout. kReadOnly connections
  // refuse writes (PRAGMA query_only). Errors: kUnavailable.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, Mode mode,
                                                        std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Result<std::vector<Row>> Query(std::string_view sql, const Params& params = {}) override;
  Result<std::int64_t> Execute(std::string_view sql, const Params& params = {}) override;
  Result<void> ForEach(std::string_view sql, const Params& params,
                       const std::function<bool(const Row&)>& row_fn) override;
  Result<void> ExecuteScript(std::string_view sql) override;

  // True while a transaction is open on this connection.
  bool InTransaction() const;

 private:
  class Statement;

  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  // A statement ready to step, with `params` bound. Errors: kInternal.
  Result<Statement> Prepare(std::string_view sql, const Params& params);
  Error ErrorFrom(int rc) const;

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace analytics::storage

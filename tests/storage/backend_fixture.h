// Shared set-up for the storage tests that hold on every backend (STYLE: one
// contract test per interface, run on every backend): a TEST_P fixture whose
// parameter is the backend (support/backends.h), with a fresh, exclusively
// leased database opened through OpenDatabase; and the small read/write
// helpers the PostgreSQL-only fixture (postgres_fixture.h) shares.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "storage/database.h"
#include "storage/open_database.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::storage::test {

// One statement or script in its own transaction, or a read's rows.
struct StorageHelpers {
  static Result<void> Write(Database& db, const std::string& sql, const Params& params = {}) {
    return db.InTransaction([&](Transaction& tx) -> Result<void> {
      auto changed = tx.Execute(sql, params);
      if (!changed.ok()) return changed.error();
      return Ok();
    });
  }

  static Result<void> Script(Database& db, const std::string& sql) {
    return db.InTransaction([&](Transaction& tx) { return tx.ExecuteScript(sql); });
  }

  static std::vector<Row> Select(Database& db, const std::string& sql, const Params& params = {}) {
    std::vector<Row> rows;
    Result<void> read = db.Read([&](Transaction& tx) -> Result<void> {
      auto result = tx.Query(sql, params);
      if (!result.ok()) return result.error();
      rows = std::move(*result);
      return Ok();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return rows;
  }
};

// db_: an empty database on GetParam()'s backend (no schema). A backend that
// is not configured skips the test, or fails it under
// ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1.
class BackendTest : public ::testing::TestWithParam<analytics::test::Backend>,
                    public StorageHelpers {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<analytics::test::BackendLease>(GetParam(), dir_);
    db_ = OpenAnother(Options());
    ASSERT_NE(db_, nullptr);
  }

  void TearDown() override { db_.reset(); }

  bool IsPostgres() const { return GetParam() == analytics::test::Backend::kPostgresRedis; }

  // A small pool: 4 connections (PostgreSQL: and 2 overflow; SQLite: 4
  // readers and the writer), waiting at most 5 s for one.
  static config::DatabaseOptions Options() {
    config::DatabaseOptions options;
    options.pool_size = 4;
    options.max_overflow = 2;
    options.pool_timeout = std::chrono::milliseconds(5000);
    return options;
  }

  // Another Database on the leased database (nullptr, reported, on failure).
  std::unique_ptr<Database> OpenAnother(config::DatabaseOptions options) {
    options.url = lease_->database_url();
    auto db = OpenDatabase(options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    if (!db.ok()) return nullptr;
    return std::move(*db);
  }

  // Runs `work` in a write transaction, or a read, failing the test on error.
  void InTx(const Work& work) {
    Result<void> result = db_->InTransaction(work);
    ASSERT_TRUE(result.ok()) << result.error().message;
  }
  void InRead(const Work& work) {
    Result<void> result = db_->Read(work);
    ASSERT_TRUE(result.ok()) << result.error().message;
  }

  std::int64_t Count(std::string_view table) {
    return Select(*db_, "SELECT COUNT(*) FROM " + std::string(table)).at(0).Int(0);
  }

  analytics::test::TempDir dir_;
  std::unique_ptr<analytics::test::BackendLease> lease_;
  std::unique_ptr<Database> db_;
};

}  // namespace analytics::storage::test

// What the alert tests share: a migrated database on one backend, a FakeClock
// and a real webhook receiver on loopback (an http::Server) that records
// every notification it is sent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/clock.h"
#include "http/server.h"
#include "ops/alert_engine.h"
#include "ops/notifier.h"
#include "storage/migrations.h"
#include "storage/open_database.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::ops::test {

using analytics::test::Backend;

// A webhook target: answers `status` and keeps each JSON body.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int status = 200)
      : server_(Options(), [this, status](http::Request& r) { return Record(r, status); }, {}) {
    const Result<void> started = server_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  }
  int port() const { return server_.port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/hook"; }
  std::vector<nlohmann::json> received() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  // The `state` of each notification, in order.
  std::vector<std::string> states() const {
    std::vector<std::string> out;
    for (const auto& body : received()) out.push_back(body.value("state", "?"));
    return out;
  }

 private:
  static http::ServerOptions Options() {
    http::ServerOptions options;
    options.port = 0;
    options.workers = 2;
    return options;
  }
  http::Response Record(const http::Request& request, int status) {
    std::lock_guard lock(mu_);
    bodies_.push_back(nlohmann::json::parse(request.body, nullptr, false));
    return http::JsonResponse(status, "{}");
  }

  mutable std::mutex mu_;
  std::vector<nlohmann::json> bodies_;
  http::Server server_;
};

inline Time T0() { return *ParseTime("2024-01-15T10:00:00Z"); }

// A migrated database on GetParam()'s backend; OpenAnother gives a second
// Database (another pool: "another instance") on the same one.
class AlertTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ANALYTICS_REQUIRE_BACKEND(GetParam());
    lease_ = std::make_unique<analytics::test::BackendLease>(GetParam(), dir_);
    db_ = OpenAnother();
    ASSERT_NE(db_, nullptr);
    auto migrated = storage::Migrate(*db_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }

  std::unique_ptr<storage::Database> OpenAnother() {
    config::DatabaseOptions options;
    options.url = lease_->database_url();
    auto db = storage::OpenDatabase(options);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(*db) : nullptr;
  }

  // The default rules named, in their order.
  static std::vector<AlertRule> Rules(std::initializer_list<std::string> names) {
    auto all = LoadAlertRules("");
    EXPECT_TRUE(all.ok());
    std::vector<AlertRule> out;
    for (const auto& name : names) {
      for (const auto& rule : *all) {
        if (rule.name == name) out.push_back(rule);
      }
    }
    return out;
  }

  std::vector<storage::Row> Select(const std::string& sql) {
    std::vector<storage::Row> rows;
    Result<void> read = db_->Read([&](storage::Transaction& tx) -> Result<void> {
      auto r = tx.Query(sql);
      if (!r.ok()) return r.error();
      rows = std::move(*r);
      return Ok();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return rows;
  }

  // "state/delivery" of every alert event, in order.
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    for (const auto& r : Select("SELECT state, delivery FROM alert_events ORDER BY id")) {
      out.push_back(r.Text(0) + "/" + r.Text(1));
    }
    return out;
  }

  static void NoSleep(std::chrono::milliseconds) {}

  analytics::test::TempDir dir_;
  std::unique_ptr<analytics::test::BackendLease> lease_;
  std::unique_ptr<storage::Database> db_;
};

}  // namespace analytics::ops::test

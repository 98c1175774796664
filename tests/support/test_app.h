// A real App on a fresh SQLite file and an in-process cache, with its HTTP
// server on a free loopback port: what API tests talk to over a socket.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/app.h"
#include "base/clock.h"
#include "config/config.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::test {

inline constexpr const char* kAdminToken = "test-admin-token-0123456789abcdef0123456789";

// Not thread-safe to construct; the server it runs is.
class TestApp {
 public:
  // `tweak` may change the config before the app is built (rate limits, TTLs…).
  explicit TestApp(const std::function<void(config::Config&)>& tweak = {},
                   const Clock* clock = nullptr);
  // The same on `backend` (a leased PostgreSQL database and Redis db for PostgresRedis).
  TestApp(Backend backend, const std::function<void(config::Config&)>& tweak = {},
          const Clock* clock = nullptr);
  ~TestApp();

  int port() const { return server_->port(); }
  app::App& app() { return *app_; }
  const config::Config& config() const { return config_; }
  const std::string& dir() const { return dir_.path(); }
  // What the database stores, as bytes: the SQLite file and its WAL, or a
  // pg_dump of the PostgreSQL database (for "no plain tokens stored" checks).
  std::string DatabaseBytes() const;
  // Creates a user through the service and returns its token.
  std::string CreateUser(const std::string& id);
  // "Bearer <token>" header pair for the test client.
  static std::pair<std::string, std::string> Auth(const std::string& token);

 private:
  TempDir dir_;
  std::unique_ptr<BackendLease> lease_;
  config::Config config_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace analytics::test

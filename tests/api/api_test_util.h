// Helpers shared by the API tests: a keep-alive client that carries a bearer
// token, problem+json assertions, and a fixture owning one TestApp (a real
// server on a free port over a fresh SQLite file).
#pragma once

#include <gtest/gtest.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/config.h"
#include "support/backends.h"
#include "support/http_client.h"
#include "support/test_app.h"

namespace analytics::apitest {

using Json = nlohmann::json;
using analytics::testing::HeaderList;
using analytics::testing::HttpResult;

inline const std::string kUsers = "/api/v1/users";

inline std::string UserPath(const std::string& uid) { return kUsers + "/" + uid; }
inline std::string TasksPath(const std::string& uid) { return UserPath(uid) + "/tasks"; }
inline std::string TaskPath(const std::string& uid, std::int64_t id) {
  return TasksPath(uid) + "/" + std::to_string(id);
}
inline std::string AnalyticsPath(const std::string& uid, const std::string& what) {
  return UserPath(uid) + "/analytics/" + what;
}

// Parses a response body; a body that is not JSON gives a discarded value.
inline Json Body(const HttpResult& r) { return Json::parse(r.body, nullptr, false); }

// A problem+json answer (RFC 9457) with `status`, and, when `field` is not
// empty, the member "field" naming the offending field.
inline ::testing::AssertionResult IsProblem(const HttpResult& r, int status,
                                            std::string_view field = {}) {
  if (r.status != status) {
    return ::testing::AssertionFailure()
           << "status " << r.status << ", want " << status << "; body: " << r.body.substr(0, 400)
           << (r.error.empty() ? "" : "; error: " + r.error);
  }
  if (r.Header("content-type").rfind("application/problem+json", 0) != 0) {
    return ::testing::AssertionFailure() << "content-type '" << r.Header("content-type") << "'";
  }
  Json j = Body(r);
  if (!j.is_object()) return ::testing::AssertionFailure() << "body not a JSON object: " << r.body;
  for (const char* key : {"type", "title", "detail"}) {
    if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty()) {
      return ::testing::AssertionFailure() << "missing/empty '" << key << "' in " << r.body;
    }
  }
  if (!j.contains("status") || !j["status"].is_number_integer() || j["status"] != status) {
    return ::testing::AssertionFailure() << "problem status mismatch in " << r.body;
  }
  if (!field.empty()) {
    if (!j.contains("field") || !j["field"].is_string() || j["field"] != field) {
      return ::testing::AssertionFailure() << "field: want '" << field << "' in " << r.body;
    }
  }
  return ::testing::AssertionSuccess();
}

// One keep-alive connection acting with one bearer token (none when empty).
// Reconnects when the server closed the previous connection. Not thread-safe.
class Client {
 public:
  Client(int port, std::string token) : port_(port), token_(std::move(token)), conn_(port) {}

  HttpResult Get(std::string_view path, HeaderList headers = {}) {
    return Send("GET", path, {}, std::move(headers));
  }
  HttpResult Post(std::string_view path, std::string_view body, HeaderList headers = {}) {
    return Send("POST", path, body, std::move(headers));
  }
  // A JSON body (a template so that string literals pick the overload above).
  template <typename T>
  requires std::same_as<std::remove_cvref_t<T>, Json> HttpResult Post(std::string_view path,
                                                                      T&& body) {
    return Post(path, std::string_view(body.dump()));
  }
  HttpResult Patch(std::string_view path, const Json& body) {
    return Send("PATCH", path, body.dump(), {});
  }
  HttpResult Delete(std::string_view path) { return Send("DELETE", path, {}, {}); }

  HttpResult Send(std::string_view method, std::string_view path, std::string_view body,
                  HeaderList headers) {
    if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
    if (!conn_.connected()) conn_ = analytics::testing::Connection(port_);
    HttpResult r = conn_.Send(method, path, body, headers);
    if (!r.complete || r.Header("connection") == "close") conn_.Close();
    return r;
  }

  const std::string& token() const { return token_; }

 private:
  int port_;
  std::string token_;
  analytics::testing::Connection conn_;
};

// A fixture with one App; derived fixtures pass a config tweak.
// Parameterized by backend: every API test runs on SQLite + the in-process
// cache and on PostgreSQL + Redis. Where a backend's services are not
// configured the app is built on SQLite (so fixture constructors work) and
// SetUp skips the test, or fails it when every backend is required (CI).
class ApiTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  explicit ApiTest(const std::function<void(config::Config&)>& tweak = {})
      : app_(test::BackendAvailable(GetParam()) ? GetParam() : test::Backend::kSqliteMemory,
             tweak) {}

  void SetUp() override { ANALYTICS_REQUIRE_BACKEND(GetParam()); }

  int port() const { return app_.port(); }
  Client Admin() { return Client(port(), test::kAdminToken); }
  Client As(const std::string& token) { return Client(port(), token); }
  Client Anonymous() { return Client(port(), ""); }

  // Creates a task as `client`, expecting 201; returns the task JSON.
  template <typename T>
  requires std::same_as<std::remove_cvref_t<T>, Json> Json CreateTask(Client& client,
                                                                      const std::string& uid,
                                                                      T&& body) {
    HttpResult r = client.Post(TasksPath(uid), body);
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r);
  }
  Json CreateTask(Client& client, const std::string& uid, const std::string& title) {
    return CreateTask(client, uid, Json{{"title", title}});
  }

  // Every task of `uid` (deleted too, first page of up to 1000) and the
  // overview numbers without as_of: what a bad request must not change.
  Json Snapshot(const std::string& uid) {
    Client admin = Admin();
    HttpResult list = admin.Get(TasksPath(uid) + "?include_deleted=true&limit=1000");
    EXPECT_EQ(list.status, 200) << list.body;
    HttpResult overview = admin.Get(AnalyticsPath(uid, "overview"));
    EXPECT_EQ(overview.status, 200) << overview.body;
    Json o = Body(overview);
    if (o.is_object()) o.erase("as_of");
    return Json{{"tasks", Body(list)}, {"overview", o}};
  }

  // The server still answers /health with 200.
  ::testing::AssertionResult Healthy() {
    HttpResult r = analytics::testing::Get(port(), "/health");
    if (r.status != 200) return ::testing::AssertionFailure() << "health " << r.status << r.error;
    return ::testing::AssertionSuccess();
  }

  test::TestApp app_;
};

}  // namespace analytics::apitest

// Runs the TEST_Ps of `fixture` on every backend.
#define ANALYTICS_API_TEST_ON_ALL_BACKENDS(fixture)                                       \
  INSTANTIATE_TEST_SUITE_P(                                                               \
      AllBackends, fixture, ::testing::ValuesIn(::analytics::test::ConfiguredBackends()), \
      [](const auto& info) { return ::analytics::test::BackendName(info.param); })

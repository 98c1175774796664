// Private PostgreSQL and Redis instances for end-to-end tests that stop and
// kill them (scripts/test-services.sh), the real `analytics serve` on them,
// and a small API client. Each suite starts ONE pair in SetUpTestSuite; ctest
// runs every test in its own process, so an initdb'd data directory is kept as
// a template under /tmp and copied, which turns a ~10 s initdb into a copy.
//
// Header-only: tests/CMakeLists.txt compiles only tests/e2e/*_test.cc.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "e2e/child_process.h"
#include "support/backends.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace analytics::e2e {

inline constexpr char kServicesAdminToken[] = "e2e-backends-admin-token-0123456789abcdef";
inline constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";

// What this machine lacks to run private instances; "" when nothing.
inline std::string MissingServiceTools() {
  std::string missing;
  const std::string pg_bin = kPgBin;
  for (const std::string& path :
       {pg_bin + "/initdb", pg_bin + "/pg_ctl", pg_bin + "/postgres",
        std::string("/usr/bin/redis-server"), std::string("/usr/bin/redis-cli"),
        std::string("/usr/bin/psql")}) {
    if (::access(path.c_str(), X_OK) != 0) missing += (missing.empty() ? "" : ", ") + path;
  }
  return missing;
}

// scripts/test-services.sh, found above the test binary (build dirs live in
// the source tree), the working directory, or this file; "" when none has it.
inline std::string TestServicesScript() {
  std::error_code ec;
  for (std::filesystem::path dir :
       {std::filesystem::read_symlink("/proc/self/exe", ec).parent_path(),
        std::filesystem::current_path(ec), std::filesystem::path(__FILE__).parent_path()}) {
    for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      const std::filesystem::path script = dir / "scripts" / "test-services.sh";
      if (std::filesystem::exists(script, ec)) return script.string();
    }
  }
  return "";
}

// A shell command's exit status and standard output.
struct ShellResult {
  int code = -1;
  std::string out;
};

inline ShellResult RunShell(const std::string& command) {
  ShellResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    result.out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// One PostgreSQL 15 and one Redis on free loopback ports, with data under a
// TempDir; both killed on destruction. Not thread-safe.
class PrivateServices {
 public:
  PrivateServices()
      : pg_port_(FreePort()),
        redis_port_(FreePort()),
        pg_dir_(dir_.File("pg")),
        redis_dir_(dir_.File("redis")) {
    ::chmod(dir_.path().c_str(), 0755);  // the server runs as `postgres` when we are root
  }
  ~PrivateServices() {
    Postgres("kill");
    Redis("kill");
  }
  PrivateServices(const PrivateServices&) = delete;
  PrivateServices& operator=(const PrivateServices&) = delete;

  // Starts both; returns "" or what failed.
  std::string Start() {
    if (TestServicesScript().empty()) return "scripts/test-services.sh not found";
    if (std::string copied = CopyTemplate(); !copied.empty()) return copied;
    if (!Postgres("start")) return "cannot start PostgreSQL on port " + std::to_string(pg_port_);
    if (!Redis("start")) return "cannot start redis-server on port " + std::to_string(redis_port_);
    return "";
  }

  // scripts/test-services.sh postgres|redis start|stop|kill; true on exit 0.
  bool Postgres(const std::string& action) {
    return Service("postgres", action, pg_dir_, pg_port_);
  }
  bool Redis(const std::string& action) {
    return Service("redis", action, redis_dir_, redis_port_);
  }

  std::string database_url() const {
    return "postgresql://analytics@127.0.0.1:" + std::to_string(pg_port_) + "/analytics_test";
  }
  std::string redis_url() const {
    return "redis://127.0.0.1:" + std::to_string(redis_port_) + "/0";
  }
  int redis_port() const { return redis_port_; }

  // psql on analytics_test, unaligned tuples-only, stopping at the first error.
  ShellResult Psql(const std::string& sql) const {
    return RunShell("psql -X -q -A -t -v ON_ERROR_STOP=1 " + ShellQuote(database_url()) + " -c " +
                    ShellQuote(sql) + " 2>&1");
  }
  // redis-cli -p PORT <args> (args already shell-quoted where needed).
  ShellResult RedisCli(const std::string& args) const {
    return RunShell("redis-cli -p " + std::to_string(redis_port_) + " " + args + " 2>&1");
  }

 private:
  // Per user: a template made by root is owned by `postgres`, mode 0700.
  static std::string TemplateDir() {
    return "/tmp/analytics-test-pg-template-15-uid" + std::to_string(::getuid());
  }

  bool Service(const std::string& which, const std::string& action, const std::string& dir,
               int port) {
    return test::RunCommand("bash " + ShellQuote(TestServicesScript()) + " " + which + " " +
                            action + " " + ShellQuote(dir) + " " + std::to_string(port) +
                            " >/dev/null 2>&1") == 0;
  }

  // An initdb'd data directory (role and databases made, server stopped) is
  // built once per machine under a lock, then copied for each instance; the
  // copy gets its own socket directory (later lines of postgresql.conf win).
  std::string CopyTemplate() {
    const std::string template_dir = TemplateDir();
    const std::string lock_path = template_dir + ".lock";
    const int lock = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) return "cannot lock " + lock_path;
    std::string error;
    std::error_code ec;
    if (!std::filesystem::exists(template_dir + "/PG_VERSION", ec)) {
      const std::string building = template_dir + ".building";
      std::filesystem::remove_all(building, ec);
      const int port = FreePort();
      const bool built = Service("postgres", "start", building, port) &&
                         Service("postgres", "stop", building, port);
      if (!built) {
        Service("postgres", "kill", building, port);
        error = "cannot initdb a PostgreSQL template in " + building;
      } else {
        std::filesystem::rename(building, template_dir, ec);
        if (ec) error = "cannot rename " + building + ": " + ec.message();
      }
    }
    if (error.empty() &&
        test::RunCommand("cp -a " + ShellQuote(template_dir) + " " + ShellQuote(pg_dir_)) != 0) {
      error = "cannot copy " + template_dir;
    }
    ::close(lock);
    if (!error.empty()) return error;
    const std::string conf = pg_dir_ + "/postgresql.conf";
    WriteFileText(conf, ReadFileText(conf) + "unix_socket_directories = '" + pg_dir_ + "'\n");
    ::unlink((pg_dir_ + "/postmaster.pid").c_str());
    return "";
  }

  test::TempDir dir_;
  int pg_port_;
  int redis_port_;
  std::string pg_dir_;
  std::string redis_dir_;
};

// A suite's shared pair: started by SetUpTestSuite, checked by each test.
class ServicesSuite : public E2eTest {
 protected:
  static void SetUpTestSuite() {
    start_error_.clear();
    if (!MissingServiceTools().empty()) return;
    services_ = new PrivateServices();
    start_error_ = services_->Start();
  }
  static void TearDownTestSuite() {
    delete services_;
    services_ = nullptr;
  }

  void SetUp() override {
    E2eTest::SetUp();
    if (const std::string missing = MissingServiceTools(); !missing.empty()) {
      if (test::RequireAllBackends()) {
        FAIL() << "ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 but this machine lacks " << missing;
      }
      GTEST_SKIP() << "needs PostgreSQL 15 server binaries and redis-server; missing " << missing;
    }
    ASSERT_NE(services_, nullptr);
    ASSERT_EQ(start_error_, "") << "private PostgreSQL/Redis did not start";
  }

  PrivateServices& services() { return *services_; }

  // `analytics --config … serve --port N` on the pair, in a subfolder of the
  // test's folder; rate limiting and the scheduler off (they would only add
  // noise to outage timings). Waits until /health answers 200.
  std::unique_ptr<ChildProcess> StartServer(const std::string& name, int port) {
    const std::string dir = Path(name);
    std::filesystem::create_directories(dir);
    WriteFileText(dir + "/config.yml",
                  "rate_limit:\n  enabled: false\njobs:\n  scheduler_enabled: false\n");
    auto server = std::make_unique<ChildProcess>(
        BinaryPath(),
        std::vector<std::string>{"--config", dir + "/config.yml", "serve", "--port",
                                 std::to_string(port)},
        ServiceEnv(), dir);
    EXPECT_TRUE(WaitHealthy(*server, port, seconds(30)))
        << name << " did not become healthy; stderr:\n"
        << server->Stderr();
    return server;
  }

  // The environment every command of these tests gets.
  Env ServiceEnv() const {
    return {{"DATABASE_URL", services_->database_url()},
            {"REDIS_URL", services_->redis_url()},
            {"ANALYTICS_ADMIN_TOKEN", kServicesAdminToken}};
  }

  static inline PrivateServices* services_ = nullptr;
  static inline std::string start_error_;
};

// Task counts that an overview must show, kept by the client.
struct Totals {
  int total = 0, todo = 0, in_progress = 0, done = 0, cancelled = 0;

  void Add(const std::string& status, int n) {
    total += n;
    if (status == "todo") todo += n;
    if (status == "in_progress") in_progress += n;
    if (status == "done") done += n;
    if (status == "cancelled") cancelled += n;
  }
  std::string Describe() const {
    return "total=" + std::to_string(total) + " todo=" + std::to_string(todo) +
           " in_progress=" + std::to_string(in_progress) + " done=" + std::to_string(done) +
           " cancelled=" + std::to_string(cancelled);
  }
  // "" when `overview_body` shows exactly these counts, else what differs.
  std::string Mismatch(const std::string& overview_body) const {
    nlohmann::json j = nlohmann::json::parse(overview_body, nullptr, false);
    if (!j.is_object() || !j.contains("task_totals")) return "not an overview: " + overview_body;
    const nlohmann::json& t = j["task_totals"];
    Totals seen{t.value("total", -1), t.value("todo", -1), t.value("in_progress", -1),
                t.value("done", -1), t.value("cancelled", -1)};
    if (seen.Describe() == Describe()) return "";
    return "expected " + Describe() + ", overview says " + seen.Describe();
  }
};

// Calls the API of one server as one caller over a keep-alive connection
// (reopened after a failure). Not thread-safe.
class ApiClient {
 public:
  ApiClient(int port, std::string token) : port_(port), token_(std::move(token)) {}

  testing::HttpResult Send(const std::string& method, const std::string& path,
                           const std::string& body = {}) {
    if (!connection_ || !connection_->connected()) {
      connection_ = std::make_unique<testing::Connection>(port_, "127.0.0.1", seconds(10));
    }
    testing::HeaderList headers = {{"Authorization", "Bearer " + token_}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    testing::HttpResult result = connection_->Send(method, path, body, headers);
    if (result.status == 0 || result.Header("Connection") == "close") connection_.reset();
    return result;
  }

  // Creates a user with the admin token; returns its token ("" on failure).
  std::string CreateUser(const std::string& id) {
    testing::HttpResult created = Send("POST", "/api/v1/users", R"({"id":")" + id + R"("})");
    EXPECT_EQ(created.status, 201) << created.body;
    return nlohmann::json::parse(created.body, nullptr, false).value("token", "");
  }
  testing::HttpResult CreateTask(const std::string& uid, const std::string& status,
                                 const std::string& priority = "medium") {
    return Send("POST", "/api/v1/users/" + uid + "/tasks",
                R"({"title":"t","status":")" + status + R"(","priority":")" + priority + R"("})");
  }
  testing::HttpResult Overview(const std::string& uid) {
    return Send("GET", "/api/v1/users/" + uid + "/analytics/overview");
  }

 private:
  int port_;
  std::string token_;
  std::unique_ptr<testing::Connection> connection_;
};

inline std::int64_t IdOf(const testing::HttpResult& result) {
  return nlohmann::json::parse(result.body, nullptr, false).value("id", std::int64_t{0});
}

inline std::string HealthStatus(const testing::HttpResult& result) {
  return nlohmann::json::parse(result.body, nullptr, false).value("status", "");
}

// Every task id of `uid` (deleted ones too), following next_cursor.
inline std::vector<std::int64_t> ListTaskIds(ApiClient& client, const std::string& uid) {
  std::vector<std::int64_t> ids;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    testing::HttpResult list =
        client.Send("GET", "/api/v1/users/" + uid + "/tasks?include_deleted=true&limit=1000" +
                               (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_EQ(list.status, 200) << list.body;
    nlohmann::json j = nlohmann::json::parse(list.body, nullptr, false);
    if (!j.is_object()) break;
    for (const auto& item : j["items"]) ids.push_back(item.value("id", std::int64_t{0}));
    if (!j["next_cursor"].is_string()) break;
    cursor = j["next_cursor"].get<std::string>();
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace analytics::e2e

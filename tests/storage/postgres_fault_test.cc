// The database going away and coming back, on a private PostgreSQL instance
// (other tests share the main one): calls fail fast with kUnavailable while
// it is down and succeed again without reopening the Database.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "postgres_fixture.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::storage {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A port nobody listens on right now (the kernel's choice for port 0).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t size = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// scripts/test-services.sh, found above the test binary (build dirs live in
// the source tree) or the working directory; "" when neither has it.
std::string FindScript() {
  std::error_code ec;
  for (std::filesystem::path dir :
       {std::filesystem::read_symlink("/proc/self/exe", ec).parent_path(),
        std::filesystem::current_path(ec)}) {
    for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      const std::filesystem::path script = dir / "scripts" / "test-services.sh";
      if (std::filesystem::exists(script, ec)) return script.string();
    }
  }
  return "";
}

class PrivatePostgres {
 public:
  PrivatePostgres() : port_(FreePort()), data_(dir_.File("pg")) {
    // The server runs as `postgres` when we are root: let it reach its folder.
    ::chmod(dir_.path().c_str(), 0755);
  }
  ~PrivatePostgres() { Run("kill"); }

  int Run(const std::string& action) {
    return analytics::test::RunCommand("bash " + FindScript() + " postgres " + action + " " +
                                       data_ + " " + std::to_string(port_) + " >/dev/null 2>&1");
  }
  std::string url() const {
    return "postgresql://analytics@127.0.0.1:" + std::to_string(port_) + "/analytics_test";
  }

 private:
  analytics::test::TempDir dir_;
  int port_;
  std::string data_;
};

Result<void> Insert(Database& db, std::int64_t n) {
  return db.InTransaction([n](Transaction& tx) -> Result<void> {
    auto changed = tx.Execute("INSERT INTO acked (n) VALUES ($1)", {n});
    if (!changed.ok()) return changed.error();
    return Ok();
  });
}

Result<std::int64_t> CountRows(Database& db) {
  std::int64_t count = 0;
  Result<void> read = db.Read([&count](Transaction& tx) -> Result<void> {
    auto rows = tx.Query("SELECT COUNT(*) FROM acked");
    if (!rows.ok()) return rows.error();
    count = (*rows)[0].Int(0);
    return Ok();
  });
  if (!read.ok()) return read.error();
  return count;
}

TEST(PostgresFault, DownFailsFastThenRecoversWithoutReopeningAndKeepsAcknowledgedWrites) {
  ANALYTICS_REQUIRE_POSTGRES();  // the same machines that have the main instance
  ASSERT_NE(FindScript(), "") << "scripts/test-services.sh not found above the test binary";
  PrivatePostgres server;
  ASSERT_EQ(server.Run("start"), 0) << "cannot start a private PostgreSQL";
  config::DatabaseOptions options;
  options.url = server.url();
  options.pool_size = 4;
  auto opened = PostgresDatabase::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Database& db = **opened;
  ASSERT_TRUE(db.InTransaction([](Transaction& tx) {
                  return tx.ExecuteScript("CREATE TABLE acked (n BIGINT PRIMARY KEY)");
                }).ok());
  for (std::int64_t n = 0; n < 5; ++n) ASSERT_TRUE(Insert(db, n).ok());

  ASSERT_EQ(server.Run("stop"), 0);
  for (int call = 0; call < 5; ++call) {
    const auto start = Clock::now();
    Result<void> written = Insert(db, 100 + call);
    Result<std::int64_t> read = CountRows(db);
    const auto elapsed = Clock::now() - start;

    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code, ErrorCode::kUnavailable) << written.error().message;
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(elapsed, milliseconds(1000)) << "call " << call;
    EXPECT_EQ(db.Ping().error().code, ErrorCode::kUnavailable);
  }

  ASSERT_EQ(server.Run("start"), 0);
  // Within the short "down" window calls still fail fast; then they reconnect.
  Result<std::int64_t> count = Unavailable("not tried");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!count.ok() && Clock::now() < deadline) {
    count = CountRows(db);
    if (!count.ok()) std::this_thread::sleep_for(milliseconds(50));
  }

  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, 5);
  EXPECT_TRUE(Insert(db, 5).ok());
  EXPECT_EQ(CountRows(db).value(), 6);
}

}  // namespace
}  // namespace analytics::storage

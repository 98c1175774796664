#include "support/backends.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "base/check.h"

namespace analytics::test {
namespace {

constexpr int kSlots = 8;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// "postgresql://user@host:port/analytics_test" → the same with "_<slot>".
std::string SlotDatabaseUrl(const std::string& base, int slot) {
  auto query = base.find('?');
  std::string head = base.substr(0, query);
  std::string tail = query == std::string::npos ? "" : base.substr(query);
  return head + "_" + std::to_string(slot) + tail;
}

// "redis://host:port/0" → "redis://host:port/<slot + 1>" (db 0 stays for people).
std::string SlotRedisUrl(const std::string& base, int slot) {
  auto scheme_end = base.find("://");
  auto path = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string head = path == std::string::npos ? base : base.substr(0, path);
  return head + "/" + std::to_string(slot + 1);
}

}  // namespace

std::vector<Backend> ConfiguredBackends() {
  return {Backend::kSqliteMemory, Backend::kPostgresRedis};
}

bool BackendAvailable(Backend backend) {
  if (backend == Backend::kSqliteMemory) return true;
  return !Env("ANALYTICS_TEST_POSTGRES_URL").empty() && !Env("ANALYTICS_TEST_REDIS_URL").empty();
}

bool RequireAllBackends() { return Env("ANALYTICS_TEST_REQUIRE_ALL_BACKENDS") == "1"; }

std::string BackendName(Backend backend) {
  return backend == Backend::kSqliteMemory ? "SqliteMemory" : "PostgresRedis";
}

int RunCommand(const std::string& command) {
  int status = std::system(command.c_str());
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

BackendLease::BackendLease(Backend backend, const TempDir& dir) : backend_(backend) {
  ANALYTICS_CHECK(BackendAvailable(backend))
      << BackendName(backend) << " is not configured: check ANALYTICS_REQUIRE_BACKEND first";
  if (backend == Backend::kSqliteMemory) {
    database_url_ = "sqlite:///" + dir.File("analytics.db");
    cache_url_ = "memory";
    return;
  }
  // Take the first free slot; wait for one when all are busy.
  for (int attempt = 0; lock_fd_ < 0; ++attempt) {
    for (int slot = 0; slot < kSlots && lock_fd_ < 0; ++slot) {
      std::string path = "/tmp/analytics-test-slot-" + std::to_string(slot) + ".lock";
      int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
      ANALYTICS_CHECK(fd >= 0) << "cannot open " << path;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        lock_fd_ = fd;
        database_url_ = SlotDatabaseUrl(Env("ANALYTICS_TEST_POSTGRES_URL"), slot);
        cache_url_ = SlotRedisUrl(Env("ANALYTICS_TEST_REDIS_URL"), slot);
      } else {
        ::close(fd);
      }
    }
    if (lock_fd_ < 0) {
      ANALYTICS_CHECK(attempt < 6000) << "no free backend slot in 60 s";
      ::usleep(10'000);
    }
  }
  int reset = RunCommand("psql -q -v ON_ERROR_STOP=1 '" + database_url_ +
                         "' -c 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;' "
                         ">/dev/null 2>&1");
  ANALYTICS_CHECK(reset == 0) << "cannot reset " << database_url_;
  int flushed = RunCommand("redis-cli -u '" + cache_url_ + "' FLUSHDB >/dev/null 2>&1");
  ANALYTICS_CHECK(flushed == 0) << "cannot flush " << cache_url_;
}

BackendLease::~BackendLease() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

}  // namespace analytics::test

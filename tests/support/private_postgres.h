// A PostgreSQL server of a test's own (scripts/test-services.sh), on a free
// loopback port, that the test may stop and start: for outage tests.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/backends.h"
#include "support/temp_dir.h"

namespace analytics::test {

// A port nobody listens on right now (the kernel's choice for port 0).
inline int FreePort() {
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
inline std::string FindServicesScript() {
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

// Stopped (killed) on destruction. Run("start"), Run("stop").
// With Archiving::kPgBackRest the server archives its WAL into a pgBackRest
// repository of its own (`test-services.sh pgbackrest start`, on the first
// Run("start")): stanza "analytics", configuration pgbackrest_config().
class PrivatePostgres {
 public:
  enum class Archiving { kNone, kPgBackRest };

  explicit PrivatePostgres(Archiving archiving = Archiving::kNone)
      : archiving_(archiving), port_(FreePort()), data_(dir_.File("pg")) {
    // The server runs as `postgres` when we are root: let it reach its folder.
    ::chmod(dir_.path().c_str(), 0755);
  }
  ~PrivatePostgres() { Run("kill"); }

  int Run(const std::string& action) {
    if (action == "start" && archiving_ == Archiving::kPgBackRest && !archiving_set_up_) {
      archiving_set_up_ = true;
      return RunCommand("bash " + FindServicesScript() + " pgbackrest start " + dir_.path() + " " +
                        std::to_string(port_) + " >/dev/null 2>&1");
    }
    return RunCommand("bash " + FindServicesScript() + " postgres " + action + " " + data_ + " " +
                      std::to_string(port_) + " >/dev/null 2>&1");
  }
  std::string url() const {
    return "postgresql://analytics@127.0.0.1:" + std::to_string(port_) + "/analytics_test";
  }
  int port() const { return port_; }
  const std::string& data_dir() const { return data_; }
  // kPgBackRest only: the pgbackrest.conf naming the repository and this server.
  std::string pgbackrest_config() const { return dir_.File("pgbackrest.conf"); }

 private:
  TempDir dir_;
  Archiving archiving_;
  bool archiving_set_up_ = false;
  int port_;
  std::string data_;
};

}  // namespace analytics::test

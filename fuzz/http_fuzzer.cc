// The HTTP request path, raw bytes in: the App's real http::Server (Beast
// parsing, limits, keep-alive, pipelining, the fast path) in front of the
// real API (routing, authentication, handlers) over SQLite. Each input is
// written to a fresh connection, which then half-closes; the server must
// answer what it can and close within kDeadline, whatever the bytes. The
// reading goes on while writing, so a large answer cannot block a large
// input. A hang, or bytes back that are not an HTTP/1.x response, fail.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_app.h"
#include "fuzz_check.h"

namespace {

using analytics::fuzz::Fail;
constexpr std::chrono::milliseconds kDeadline{3000};

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Writes `input`, half-closes, and reads until the server closes. Returns
// what it read.
std::string Exchange(int port, std::string_view input) {
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (socket.fd() < 0) Fail("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS) {
    Fail("cannot connect to the server (did it die?)");
  }

  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  std::string received;
  std::size_t written = 0;
  bool write_closed = false;
  char buffer[65536];
  for (;;) {
    if (!write_closed && written == input.size()) {
      shutdown(socket.fd(), SHUT_WR);
      write_closed = true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      Fail("the server neither answered nor closed within 3 s",
           received.substr(0, 200) + "\n(written " + std::to_string(written) + " of " +
               std::to_string(input.size()) + " bytes)");
    }
    pollfd events{socket.fd(), static_cast<short>(POLLIN | (write_closed ? 0 : POLLOUT)), 0};
    if (poll(&events, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      Fail("poll() failed");
    }
    if (events.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = recv(socket.fd(), buffer, sizeof buffer, 0);
      if (n == 0) return received;
      if (n < 0) {
        if (errno == ECONNRESET) return received;  // closed with our bytes unread: fine
        if (errno != EAGAIN && errno != EINTR) Fail("recv() failed");
      } else {
        received.append(buffer, static_cast<std::size_t>(n));
      }
    }
    if (!write_closed && (events.revents & POLLOUT)) {
      const ssize_t n =
          send(socket.fd(), input.data() + written, input.size() - written, MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        write_closed = true;  // the server closed first (e.g. after a 400): read what it sent
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int port = analytics::fuzz::FuzzApp::Get().ServerPort();
  const std::string received =
      Exchange(port, std::string_view(reinterpret_cast<const char*>(data), size));
  if (!received.empty() && !received.starts_with("HTTP/1.")) {
    Fail("the server sent bytes that are not an HTTP/1.x response", received.substr(0, 200));
  }
  return 0;
}

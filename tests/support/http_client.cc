#include "support/http_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace analytics::testing {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

bool HasHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (Lower(key) == Lower(name)) return true;
  }
  return false;
}

std::string BuildRequest(std::string_view method, std::string_view path, std::string_view body,
                         const HeaderList& headers) {
  std::string out = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\n";
  if (!HasHeader(headers, "host")) out += "Host: localhost\r\n";
  const bool wants_length =
      !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (wants_length && !HasHeader(headers, "content-length") &&
      !HasHeader(headers, "transfer-encoding")) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (!body.empty() && !HasHeader(headers, "content-type")) {
    out += "Content-Type: application/json\r\n";
  }
  for (const auto& [key, value] : headers) out += key + ": " + value + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

}  // namespace

std::string HttpResult::Header(std::string_view name) const {
  const auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

Connection::Connection(int port, std::string host, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd_ = fd;
      break;
    }
    close(fd);
  }
  freeaddrinfo(found);
  if (fd_ < 0) return;
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  SetTimeout(timeout);
}

Connection::~Connection() { Close(); }

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pending_(std::move(other.pending_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    pending_ = std::move(other.pending_);
  }
  return *this;
}

void Connection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void Connection::SetTimeout(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

HttpResult Connection::Get(std::string_view path, const HeaderList& headers) {
  return Send("GET", path, {}, headers);
}

HttpResult Connection::Post(std::string_view path, std::string_view body,
                            const HeaderList& headers) {
  return Send("POST", path, body, headers);
}

HttpResult Connection::Send(std::string_view method, std::string_view path, std::string_view body,
                            const HeaderList& headers) {
  if (!SendRaw(BuildRequest(method, path, body, headers))) {
    HttpResult result;
    result.error = "send failed";
    return result;
  }
  return ReadResponse(method == "HEAD");
}

bool Connection::SendRaw(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Connection::Fill(std::string* error) {
  if (fd_ < 0) {
    *error = "not connected";
    return false;
  }
  char buffer[16384];
  for (;;) {
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n > 0) {
      pending_.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      *error = "connection closed";
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *error = "timed out";
    } else {
      *error = std::strerror(errno);
    }
    return false;
  }
}

bool Connection::ReadLine(std::string* line, std::string* error) {
  for (;;) {
    const std::size_t end = pending_.find("\r\n");
    if (end != std::string::npos) {
      *line = pending_.substr(0, end);
      pending_.erase(0, end + 2);
      return true;
    }
    if (!Fill(error)) return false;
  }
}

bool Connection::ReadExactly(std::size_t n, std::string* out, std::string* error) {
  while (pending_.size() < n) {
    if (!Fill(error)) return false;
  }
  out->append(pending_, 0, n);
  pending_.erase(0, n);
  return true;
}

HttpResult Connection::ReadResponse(bool head) {
  HttpResult result;
  std::string line;
  do {
    result.headers.clear();
    if (!ReadLine(&line, &result.error)) return result;
    // "HTTP/1.1 200 OK"
    const std::size_t space = line.find(' ');
    if (line.rfind("HTTP/", 0) != 0 || space == std::string::npos) {
      result.error = "bad status line: " + line;
      return result;
    }
    result.status = std::atoi(line.c_str() + space + 1);
    for (;;) {
      if (!ReadLine(&line, &result.error)) return result;
      if (line.empty()) break;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::string name = Lower(line.substr(0, colon));
      const std::string value = Trim(std::string_view(line).substr(colon + 1));
      auto [it, inserted] = result.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    if (result.status >= 100 && result.status < 200) result.interim.push_back(result.status);
  } while (result.status >= 100 && result.status < 200);

  if (head || result.status == 204 || result.status == 304) {
    result.complete = true;
    return result;
  }
  if (Lower(result.Header("transfer-encoding")).find("chunked") != std::string::npos) {
    result.chunked = true;
    for (;;) {
      if (!ReadLine(&line, &result.error)) return result;
      const std::size_t size = std::strtoul(line.c_str(), nullptr, 16);
      if (size == 0) {
        do {  // trailers until the empty line
          if (!ReadLine(&line, &result.error)) return result;
        } while (!line.empty());
        result.complete = true;
        return result;
      }
      std::string crlf;
      if (!ReadExactly(size, &result.body, &result.error)) return result;
      if (!ReadExactly(2, &crlf, &result.error)) return result;
    }
  }
  const std::string length = result.Header("content-length");
  if (!length.empty()) {
    result.complete =
        ReadExactly(std::strtoull(length.c_str(), nullptr, 10), &result.body, &result.error);
    return result;
  }
  std::string ignored;
  while (Fill(&ignored)) {
  }
  result.body = std::move(pending_);
  pending_.clear();
  result.complete = ignored == "connection closed";
  return result;
}

bool Connection::WaitForData(std::chrono::milliseconds timeout) {
  if (!pending_.empty() || fd_ < 0) return true;
  pollfd pfd{fd_, POLLIN, 0};
  return poll(&pfd, 1, static_cast<int>(timeout.count())) > 0;
}

bool Connection::WaitForClose(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
}

HttpResult Request(int port, std::string_view raw_request) {
  Connection connection(port);
  HttpResult result;
  if (!connection.connected()) {
    result.error = "connect failed";
    return result;
  }
  if (!connection.SendRaw(raw_request)) {
    result.error = "send failed";
    return result;
  }
  return connection.ReadResponse(raw_request.rfind("HEAD ", 0) == 0);
}

HttpResult Get(int port, std::string_view path, const HeaderList& headers) {
  return Send(port, "GET", path, {}, headers);
}

HttpResult Post(int port, std::string_view path, std::string_view body, const HeaderList& headers) {
  return Send(port, "POST", path, body, headers);
}

HttpResult Send(int port, std::string_view method, std::string_view path, std::string_view body,
                const HeaderList& headers) {
  HeaderList with_close = headers;
  if (!HasHeader(with_close, "connection")) with_close.emplace_back("Connection", "close");
  return Request(port, BuildRequest(method, path, body, with_close));
}

}  // namespace analytics::testing

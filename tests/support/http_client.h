// A small blocking HTTP/1.1 client on plain POSIX sockets, for tests that talk
// to a real server (http, api, e2e). Parses status, headers and bodies
// (Content-Length, chunked, or read-to-close). Not for production use.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace analytics::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;                              // 0 when no response could be read (see `error`)
  std::map<std::string, std::string> headers;  // lower-case names; repeated names joined by ", "
  std::string body;                            // de-chunked
  bool chunked = false;                        // the body came with Transfer-Encoding: chunked
  bool complete = false;     // the whole body arrived (for chunked: the final 0-chunk too)
  std::string error;         // what went wrong reading, if anything
  std::vector<int> interim;  // 1xx statuses read (and skipped) before this response

  // The header's value or "" (name in any case).
  std::string Header(std::string_view name) const;
};

// One client connection; keep-alive by default. Not thread-safe.
class Connection {
 public:
  // Connects to host:port; check connected(). Reads time out after `timeout`.
  explicit Connection(int port, std::string host = "127.0.0.1",
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return fd_ >= 0; }

  HttpResult Get(std::string_view path, const HeaderList& headers = {});
  HttpResult Post(std::string_view path, std::string_view body, const HeaderList& headers = {});
  // Sends one request (adding Host, and Content-Length/Content-Type when there
  // is a body, unless given) and reads its response.
  HttpResult Send(std::string_view method, std::string_view path, std::string_view body = {},
                  const HeaderList& headers = {});

  // Raw access for protocol tests.
  bool SendRaw(std::string_view bytes);
  // Reads one response (skipping 1xx interim ones). `head` means the
  // response has no body whatever its headers say.
  HttpResult ReadResponse(bool head = false);
  // True when response bytes (or EOF) are ready to read within `timeout`.
  bool WaitForData(std::chrono::milliseconds timeout);
  // True when the peer closes (EOF or reset) within `timeout`; bytes
  // arriving meanwhile are discarded.
  bool WaitForClose(std::chrono::milliseconds timeout);
  void SetTimeout(std::chrono::milliseconds timeout);
  void Close();

 private:
  // Appends at least one byte to pending_; false on EOF, error or timeout.
  bool Fill(std::string* error);
  bool ReadLine(std::string* line, std::string* error);
  bool ReadExactly(std::size_t n, std::string* out, std::string* error);

  int fd_ = -1;
  std::string pending_;  // received, not yet consumed
};

// One-shot helpers: a fresh connection per call, with Connection: close.
HttpResult Request(int port, std::string_view raw_request);
HttpResult Get(int port, std::string_view path, const HeaderList& headers = {});
HttpResult Post(int port, std::string_view path, std::string_view body,
                const HeaderList& headers = {});
HttpResult Send(int port, std::string_view method, std::string_view path,
                std::string_view body = {}, const HeaderList& headers = {});

}  // namespace analytics::testing

// A small blocking HTTP/1.1 client for the operations tooling (webhook
// deliveries, `doctor`'s and `alerts watch`'s /health probes). Plain http://
// only: an https target is refused with a message that says to use a command
// target (docs/alerts.md). Boost types never leave http/. Thread-safe: each
// call uses its own connection and io_context.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace analytics::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // the whole exchange: connect, send, read
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;  // an answer whose body is over 1 MiB fails (kUnavailable)
};

// Sends `request` and reads the answer. Errors: kInvalidArgument (field
// "url") for a URL that is not http://host[:port]/…; kUnavailable naming the
// server (scheme, host and port only: never the path or query, where webhook
// tokens live) and the cause (resolve, connect, timeout, read) for anything
// that did not answer.
// Any status, 5xx included, is a successful exchange.
Result<ClientResponse> Fetch(const ClientRequest& request);

}  // namespace analytics::http

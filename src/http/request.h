// Our own HTTP request type; Boost types never leave http/.
#pragma once

#include <any>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace analytics::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view ToString(Method method);

// Not thread-safe; one per request.
class Request {
 public:
  Method method = Method::kGet;
  std::string method_text;  // as sent, for the access log
  std::string target;       // as sent: path and query
  std::string path;         // percent-decoded path, no query
  std::string body;
  std::string remote_address;
  std::string request_id;  // the client's X-Request-Id if sane, else a new one (session.cc)
  // What the server recovered from on this request, for the observer to log
  // (a fast path or BodyLimit callback that threw, a stream that failed after
  // its 200 head was sent); almost always empty.
  std::string server_note;
  int version = 11;                                          // 10 or 11
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::map<std::string, std::string> path_params;            // set by the router
  // The handler side's own notes on this exchange (api/ keeps its route, caller
  // and rate charge here). http/ never looks inside: it only carries the value
  // from the fast path to the handler and on to the CompletionObserver.
  std::any context;

  // The first header of that (case-insensitive) name, or "".
  std::string_view Header(std::string_view name) const;
  // The first query parameter of that name.
  std::optional<std::string> QueryParam(std::string_view name) const;
  std::string_view PathParam(const std::string& name) const;
};

// Splits "a=1&b=%20x" into decoded pairs (base/text.h's PercentDecode, '+'
// as a space). Returns nullopt on bad percent-encoding.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

// True for a client-supplied X-Request-Id we echo: 1-128 chars of [A-Za-z0-9._:-].
bool IsSaneRequestId(std::string_view id);
// A fresh random request id (32 lower-case hex digits). Thread-safe.
std::string NewRequestId();

}  // namespace analytics::http

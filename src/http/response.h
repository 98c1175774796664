// Our own HTTP response type, with an optional streamed body.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/result.h"

namespace analytics::http {

namespace status {
inline constexpr int kOk = 200, kCreated = 201, kNoContent = 204, kBadRequest = 400,
                     kUnauthorized = 401, kForbidden = 403, kNotFound = 404,
                     kMethodNotAllowed = 405, kRequestTimeout = 408, kConflict = 409,
                     kPayloadTooLarge = 413, kUnsupportedMediaType = 415, kUnprocessable = 422,
                     kTooManyRequests = 429, kHeaderFieldsTooLarge = 431, kInternal = 500,
                     kUnavailable = 503;
}

// Produces the next piece of a streamed body into `out` (cleared by the
// caller). Returns true while more may follow, false after the last piece. It
// runs on a worker thread, between network writes, so it may block on storage.
// An error after the first piece ends the response early (the client sees a
// truncated chunked body, never a silently complete one).
using ChunkSource = std::function<Result<bool>(std::string& out)>;

struct Response {
  int status = status::kOk;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  ChunkSource stream;    // when set, `body` is ignored and the body is sent chunked
  std::string log_note;  // appended to the access-log line (e.g. "RateLimitExceeded")

  void SetHeader(std::string name, std::string value);
  std::string_view Header(std::string_view name) const;
};

Response JsonResponse(int status, std::string json_body);
// RFC 9457 problem+json: type, title, status, detail (and "field" when set).
Response ProblemResponse(int status, std::string_view detail, std::string_view field = {});
// Maps each ErrorCode to one status (the only such mapping).
Response ProblemResponse(const Error& error);
int StatusFor(ErrorCode code);
// The standard reason phrase ("Not Found"), or "Unknown" for a status we do not use.
std::string_view ReasonPhrase(int status);
// `text` as a quoted JSON string: quotes, backslashes and control characters
// escaped, each invalid UTF-8 byte replaced by U+FFFD (base/json_text.h's
// escaper, InvalidUtf8::kRawEachByte).
std::string JsonString(std::string_view text);

}  // namespace analytics::http

// What went wrong, in terms a caller can act on. http::ProblemResponse
// (http/response.cc) maps each code to one HTTP status; cli::ExitCodeFor
// (cli/exit_code.cc) maps each code to one exit code.
#pragma once

#include <string>
#include <string_view>

namespace analytics {

enum class ErrorCode {
  kInvalidArgument,   // 400: malformed or invalid input; `field` names it
  kUnauthenticated,   // 401
  kPermissionDenied,  // 403
  kNotFound,          // 404
  kConflict,          // 409
  kUnprocessable,     // 422
  kRateLimited,       // 429
  kUnavailable,       // 503: a dependency is down
  kInternal,          // 500
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  // Never contains SQL or tokens. Clients see it for the 4xx codes; for
  // kUnavailable and kInternal it may hold a dependency's own words (host,
  // database user, file path), so it goes only to logs and the CLI.
  std::string message;
  std::string field;  // kInvalidArgument only: the offending field, e.g. "due_at"
};

inline Error InvalidArgument(std::string field, std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(field)};
}
inline Error NotFound(std::string message) {
  return Error{ErrorCode::kNotFound, std::move(message), {}};
}
inline Error Unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message), {}};
}
inline Error Internal(std::string message) {
  return Error{ErrorCode::kInternal, std::move(message), {}};
}
inline Error Conflict(std::string message) {
  return Error{ErrorCode::kConflict, std::move(message), {}};
}
inline Error PermissionDenied(std::string message) {
  return Error{ErrorCode::kPermissionDenied, std::move(message), {}};
}

std::string_view ErrorCodeName(ErrorCode code);

}  // namespace analytics

#include <charconv>
#include <optional>

#include "api/handlers.h"
#include "api/json_input.h"
#include "base/text.h"

namespace analytics::api {

Response Problem(const Error& error) { return http::ProblemResponse(error); }

Response UnsupportedMediaType() {
  return http::ProblemResponse(http::status::kUnsupportedMediaType,
                               "Content-Type must be application/json", "content-type");
}

namespace {

// A positive decimal integer, all of `text`.
std::optional<std::int64_t> ParsePositive(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

Result<int> LimitParam(const Request& request, int fallback) {
  const std::optional<std::string> text = request.QueryParam("limit");
  if (!text) return fallback;
  const std::optional<std::int64_t> limit = ParsePositive(*text);
  if (!limit || *limit > tasks::kMaxPageSize) {
    return InvalidArgument("limit", "limit must be an integer from 1 to 1000");
  }
  return static_cast<int>(*limit);
}

Result<std::int64_t> ParseTaskId(std::string_view text) {
  const std::optional<std::int64_t> id = ParsePositive(text);
  if (!id) return InvalidArgument("id", "task id must be a positive integer");
  return *id;
}

Result<Day> DayParam(const Request& request, const char* name, Day fallback) {
  auto text = request.QueryParam(name);
  if (!text) return fallback;
  if (auto day = ParseDay(*text)) return *day;
  if (auto time = ParseTime(*text)) return DayOf(*time);
  return InvalidArgument(
      name, std::string(name) + " must be a date (YYYY-MM-DD) between 0001-01-01 and 9999-12-31");
}

Result<bool> BoolParam(const Request& request, const char* name, bool fallback) {
  auto text = request.QueryParam(name);
  if (!text) return fallback;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  return InvalidArgument(name, std::string(name) + " must be true or false");
}

std::string_view BearerToken(const http::Request& request) {
  std::string_view header = request.Header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || !StartsWithIgnoreCase(header, kScheme)) return {};
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

std::string AddressKey(std::string_view address) { return "a:" + std::string(address); }

Result<model::Caller> AuthenticateGated(users::UserService& users, RateLimiter& failed_auth,
                                        bool gated, std::string_view token,
                                        const std::string& address_key, RateDecision& refused) {
  if (std::optional<model::Caller> cached = users.KnownCaller(token)) return std::move(*cached);
  gated = gated && !token.empty();
  if (gated) {
    refused = failed_auth.Check(address_key, std::chrono::steady_clock::now());
    if (!refused.allowed) return Error{ErrorCode::kRateLimited, "too many unknown tokens", {}};
  }
  Result<model::Caller> caller = users.Authenticate(token);
  if (gated && !caller.ok() && caller.error().code == ErrorCode::kUnauthenticated) {
    (void)failed_auth.Take(address_key, std::chrono::steady_clock::now());
  }
  return caller;
}

}  // namespace analytics::api

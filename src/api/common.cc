#include <cctype>
#include <charconv>

#include "api/handlers.h"
#include "api/json_input.h"

namespace analytics::api {

Response Problem(const Error& error) { return http::ProblemResponse(error); }

Response UnsupportedMediaType() {
  return http::ProblemResponse(http::status::kUnsupportedMediaType,
                               "Content-Type must be application/json", "content-type");
}

Result<std::int64_t> ParseTaskId(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return InvalidArgument("id", "task id must be a positive integer");
  }
  return id;
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
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return {};
    }
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace analytics::api

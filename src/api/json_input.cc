#include "api/json_input.h"

#include "base/text.h"

namespace analytics::api {

using nlohmann::json;

bool HasJsonContentType(const http::Request& request) {
  std::string_view type = request.Header("content-type");
  if (type.empty()) return true;
  auto semicolon = type.find(';');
  std::string_view base = type.substr(0, semicolon);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return EqualsIgnoreCase(base, "application/json") ||
         (base.size() > 5 && EndsWithIgnoreCase(base, "+json"));
}

Result<void> CheckBodyBytes(const http::Request& request) {
  if (request.body.empty()) return InvalidArgument("body", "request body is empty");
  // The parser stops at a NUL byte; JSON never contains a raw one, so refuse
  // rather than act on a prefix of what the client (or a proxy) sent.
  if (request.body.find('\0') != std::string::npos) {
    return InvalidArgument("body", "request body contains a NUL byte");
  }
  return Ok();
}

Result<json> ParseJsonBody(const http::Request& request) {
  ANALYTICS_RETURN_IF_ERROR(CheckBodyBytes(request));
  json parsed = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return InvalidArgument("body", "request body is not valid JSON (UTF-8)");
  }
  return parsed;
}

}  // namespace analytics::api

#include "http/response.h"

#include <cstdint>

#include "base/json_text.h"
#include "base/text.h"

namespace analytics::http {
namespace {

constexpr std::string_view kProblemTypeBase = "https://analytics.example/problems/";

// The slug of the problem type URI; empty means "about:blank".
std::string_view ProblemSlug(int status) {
  switch (status) {
    case status::kBadRequest:
      return "invalid-request";
    case status::kUnauthorized:
      return "unauthenticated";
    case status::kForbidden:
      return "permission-denied";
    case status::kNotFound:
      return "not-found";
    case status::kMethodNotAllowed:
      return "method-not-allowed";
    case status::kRequestTimeout:
      return "request-timeout";
    case status::kConflict:
      return "conflict";
    case status::kPayloadTooLarge:
      return "payload-too-large";
    case status::kUnsupportedMediaType:
      return "unsupported-media-type";
    case status::kUnprocessable:
      return "unprocessable";
    case status::kTooManyRequests:
      return "rate-limited";
    case status::kHeaderFieldsTooLarge:
      return "headers-too-large";
    case status::kInternal:
      return "internal";
    case status::kUnavailable:
      return "unavailable";
    default:
      return {};
  }
}

}  // namespace

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      existing = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

Response JsonResponse(int status, std::string json_body) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(json_body);
  return response;
}

Response ProblemResponse(int status, std::string_view detail, std::string_view field) {
  const std::string_view title = ReasonPhrase(status);
  const std::string_view slug = ProblemSlug(status);
  std::string type =
      slug.empty() ? "about:blank" : std::string(kProblemTypeBase) + std::string(slug);

  std::string body = "{\"type\":" + JsonString(type) + ",\"title\":" + JsonString(title) +
                     ",\"status\":" + std::to_string(status) +
                     ",\"detail\":" + JsonString(detail.empty() ? title : detail);
  if (!field.empty()) body += ",\"field\":" + JsonString(field);
  body += '}';

  Response response = JsonResponse(status, std::move(body));
  response.content_type = "application/problem+json";
  return response;
}

Response ProblemResponse(const Error& error) {
  if (error.code == ErrorCode::kInternal) {
    // As for an exception: the cause (a database's own message, say, with the
    // values it choked on) goes to the logs via log_note, not to the client.
    Response response = ProblemResponse(status::kInternal, "internal error");
    response.log_note = error.message;
    return response;
  }
  if (error.code == ErrorCode::kUnavailable) {
    // A dependency's own words name hosts, addresses, database users and file
    // paths: the client gets a generic reason (and the request id, added by
    // the server to every 5xx problem); the log gets the words.
    Response response = ProblemResponse(status::kUnavailable,
                                        "a service this request needs is unavailable; retry later");
    response.SetHeader("Retry-After", "1");
    response.log_note = error.message;
    return response;
  }
  Response response = ProblemResponse(StatusFor(error.code), error.message, error.field);
  if (error.code == ErrorCode::kUnauthenticated) response.SetHeader("WWW-Authenticate", "Bearer");
  return response;
}

int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return status::kBadRequest;
    case ErrorCode::kUnauthenticated:
      return status::kUnauthorized;
    case ErrorCode::kPermissionDenied:
      return status::kForbidden;
    case ErrorCode::kNotFound:
      return status::kNotFound;
    case ErrorCode::kConflict:
      return status::kConflict;
    case ErrorCode::kUnprocessable:
      return status::kUnprocessable;
    case ErrorCode::kRateLimited:
      return status::kTooManyRequests;
    case ErrorCode::kUnavailable:
      return status::kUnavailable;
    case ErrorCode::kInternal:
      break;
  }
  return status::kInternal;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

std::string JsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  AppendJsonEscaped(out, text, InvalidUtf8::kRawEachByte);
  out.push_back('"');
  return out;
}

}  // namespace analytics::http

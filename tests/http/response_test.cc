#include "http/response.h"

#include <gtest/gtest.h>

// Header-only; used here only to check our hand-written JSON with a real parser.
#include <nlohmann/json.hpp>

namespace analytics::http {
namespace {

nlohmann::json ParseBody(const Response& response) {
  return nlohmann::json::parse(response.body);  // throws (fails the test) on bad JSON
}

TEST(ProblemResponse, HasTypeTitleStatusDetailAndField) {
  Response response = ProblemResponse(status::kBadRequest, "due_at is not a time", "due_at");

  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/problem+json");
  nlohmann::json body = ParseBody(response);
  EXPECT_EQ(body["type"], "https://analytics.example/problems/invalid-request");
  EXPECT_EQ(body["title"], "Bad Request");
  EXPECT_EQ(body["status"], 400);
  EXPECT_EQ(body["detail"], "due_at is not a time");
  EXPECT_EQ(body["field"], "due_at");
}

TEST(ProblemResponse, OmitsEmptyField) {
  nlohmann::json body = ParseBody(ProblemResponse(status::kNotFound, "no such task"));

  EXPECT_FALSE(body.contains("field"));
  EXPECT_EQ(body["title"], "Not Found");
}

TEST(ProblemResponse, UnknownStatusIsAboutBlank) {
  nlohmann::json body = ParseBody(ProblemResponse(418, "teapot"));

  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["status"], 418);
}

TEST(ProblemResponse, EmptyDetailFallsBackToTitle) {
  nlohmann::json body = ParseBody(ProblemResponse(status::kPayloadTooLarge, ""));

  EXPECT_EQ(body["detail"], "Content Too Large");
}

TEST(ProblemResponse, EscapesUserTextInDetail) {
  const std::string detail = std::string("say \"hi\" \\ tab\t nl\n bell\x07 nul") + '\0' + " end";

  nlohmann::json body = ParseBody(ProblemResponse(status::kBadRequest, detail, "ti\"tle"));

  EXPECT_EQ(body["detail"], detail);
  EXPECT_EQ(body["field"], "ti\"tle");
}

TEST(ProblemResponse, ReplacesInvalidUtf8) {
  nlohmann::json body = ParseBody(ProblemResponse(status::kBadRequest, "bad \xFF\xC3 end"));

  EXPECT_EQ(body["detail"], "bad \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(JsonString, KeepsValidMultibyteAndRejectsMalformedSequences) {
  EXPECT_EQ(JsonString("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  EXPECT_EQ(JsonString("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong '/'
  EXPECT_EQ(JsonString("\xED\xA0\x80"),                               // a surrogate
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonString("\xF4\x90\x80\x80").find("\xF4"), std::string::npos);  // past U+10FFFF
  EXPECT_EQ(JsonString("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");          // truncated
}

TEST(JsonString, EscapesControlCharacters) {
  EXPECT_EQ(JsonString(std::string("\x01\x1f\b\f\r", 5)), "\"\\u0001\\u001f\\b\\f\\r\"");
  EXPECT_EQ(JsonString("a\\b\"c"), "\"a\\\\b\\\"c\"");
}

TEST(ProblemResponse, FromErrorMapsEveryCode) {
  const std::vector<std::pair<ErrorCode, int>> table = {
      {ErrorCode::kInvalidArgument, 400},  {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403}, {ErrorCode::kNotFound, 404},
      {ErrorCode::kConflict, 409},         {ErrorCode::kUnprocessable, 422},
      {ErrorCode::kRateLimited, 429},      {ErrorCode::kUnavailable, 503},
      {ErrorCode::kInternal, 500}};

  for (const auto& [code, expected] : table) {
    EXPECT_EQ(StatusFor(code), expected) << ErrorCodeName(code);
    EXPECT_EQ(ProblemResponse(Error{code, "m", ""}).status, expected);
  }
}

TEST(ProblemResponse, FromErrorCarriesMessageAndField) {
  Response response = ProblemResponse(InvalidArgument("limit", "limit must be <= 1000"));

  nlohmann::json body = ParseBody(response);
  EXPECT_EQ(body["detail"], "limit must be <= 1000");
  EXPECT_EQ(body["field"], "limit");
}

// An internal error's message can carry a dependency's own text (PostgreSQL's,
// with the values it rejected): the client gets "internal error", the logs
// get the message (log_note: the access log and error.log's request_failed).
TEST(ProblemResponse, InternalErrorKeepsItsMessageForTheLogs) {
  Response response =
      ProblemResponse(Internal("postgresql: invalid input syntax for type bigint: \"x1\""));

  nlohmann::json body = ParseBody(response);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(body["detail"], "internal error");
  EXPECT_EQ(response.body.find("bigint"), std::string::npos) << response.body;
  EXPECT_EQ(response.log_note, "postgresql: invalid input syntax for type bigint: \"x1\"");
}

TEST(ProblemResponse, UnauthenticatedAsksForBearer) {
  Response response = ProblemResponse(Error{ErrorCode::kUnauthenticated, "missing token", ""});

  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(ProblemResponse(NotFound("x")).Header("WWW-Authenticate"), "");
}

TEST(Response, SetHeaderReplacesIgnoringCase) {
  Response response;
  response.SetHeader("X-Cache", "miss");
  response.SetHeader("x-cache", "hit");
  response.SetHeader("Age", "3");

  EXPECT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(response.Header("X-CACHE"), "hit");
  EXPECT_EQ(response.Header("age"), "3");
  EXPECT_EQ(response.Header("missing"), "");
}

TEST(JsonResponse, SetsStatusTypeAndBody) {
  Response response = JsonResponse(status::kCreated, "{\"id\":1}");

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, "{\"id\":1}");
  EXPECT_FALSE(response.stream);
}

TEST(ReasonPhrase, KnowsTheStatusesWeUse) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
}

}  // namespace
}  // namespace analytics::http

// Streamed (chunked) responses: reassembly, one chunk in flight, truncation on error.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "http/server_fixture.h"
#include "support/http_client.h"

namespace analytics::http {
namespace {

using analytics::testing::Connection;
using analytics::testing::HttpResult;
using std::chrono::milliseconds;

std::string Piece(int i) { return "line " + std::to_string(i) + "\n"; }

// A source of `count` pieces that fails with `error` after `fail_after` pieces
// (never, when negative), counting calls and checking they never overlap.
struct CountingSource {
  int count = 0;
  int fail_after = -1;
  std::atomic<int> calls{0};
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlapped{false};

  ChunkSource Make() {
    auto next = std::make_shared<int>(0);
    return [this, next](std::string& out) -> Result<bool> {
      if (in_flight.fetch_add(1) != 0) overlapped = true;
      ++calls;
      Result<bool> result = true;
      if (*next == fail_after) {
        result = Unavailable("storage went away");
      } else {
        out = Piece((*next)++);
        result = *next < count;
      }
      in_flight.fetch_sub(1);
      return result;
    };
  }
};

Response Streamed(ChunkSource source) {
  Response response;
  response.content_type = "text/csv";
  response.stream = std::move(source);
  return response;
}

std::string Expected(int count) {
  std::string all;
  for (int i = 0; i < count; ++i) all += Piece(i);
  return all;
}

TEST(ServerStream, ManyChunksReassembleAndTheConnectionStaysUsable) {
  CountingSource source{.count = 2000};
  TestServer server([&](Request& request) {
    if (request.path == "/plain") return TextResponse("plain");
    return Streamed(source.Make());
  });
  Connection connection(server.port());

  HttpResult streamed = connection.Get("/export");
  HttpResult after = connection.Get("/plain");

  EXPECT_EQ(streamed.status, 200);
  EXPECT_TRUE(streamed.chunked);
  EXPECT_TRUE(streamed.complete);
  EXPECT_EQ(streamed.Header("content-type"), "text/csv");
  EXPECT_EQ(streamed.Header("content-length"), "");
  EXPECT_EQ(streamed.body, Expected(2000));
  EXPECT_EQ(source.calls.load(), 2000);
  EXPECT_FALSE(source.overlapped.load());
  EXPECT_EQ(after.body, "plain");
  EXPECT_EQ(server.WaitForExchanges(1)[0].body_bytes, Expected(2000).size());
}

TEST(ServerStream, ErrorMidStreamTruncatesWithoutTheFinalChunk) {
  CountingSource source{.count = 100, .fail_after = 5};
  TestServer server([&](Request&) { return Streamed(source.Make()); });
  Connection connection(server.port());

  HttpResult result = connection.Get("/export");

  EXPECT_EQ(result.status, 200);
  EXPECT_TRUE(result.chunked);
  EXPECT_FALSE(result.complete);
  EXPECT_EQ(result.body, Expected(5));
  EXPECT_TRUE(connection.WaitForClose(milliseconds(3000)));
  auto exchanges = server.WaitForExchanges(1);
  EXPECT_EQ(exchanges[0].log_note, "StreamFailed");  // one word for the access log
  EXPECT_NE(exchanges[0].request.server_note.find("storage went away"), std::string::npos);
}

TEST(ServerStream, ErrorBeforeTheFirstChunkIsAProperProblem) {
  CountingSource source{.count = 100, .fail_after = 0};
  TestServer server([&](Request&) { return Streamed(source.Make()); });
  Connection connection(server.port());

  HttpResult result = connection.Get("/export");
  HttpResult again = connection.Get("/export");

  EXPECT_EQ(result.status, 503);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.Header("content-type"), "application/problem+json");
  // The dependency's own words go to the log, not to the client, who gets
  // the request id to quote.
  EXPECT_EQ(result.body.find("storage went away"), std::string::npos) << result.body;
  EXPECT_NE(result.body.find("\"request_id\":\"" + result.Header("x-request-id") + "\""),
            std::string::npos)
      << result.body;
  EXPECT_EQ(result.Header("retry-after"), "1");
  EXPECT_EQ(again.status, 503);  // keep-alive survives
  auto exchanges = server.WaitForExchanges(2);
  EXPECT_NE(exchanges[0].log_note.find("storage went away"), std::string::npos);
}

TEST(ServerStream, ThrowingSourceTruncates) {
  std::atomic<int> calls{0};
  TestServer server([&](Request&) {
    return Streamed([&](std::string& out) -> Result<bool> {
      if (++calls > 2) throw std::runtime_error("source exploded");
      out = "x";
      return true;
    });
  });

  HttpResult result = testing::Get(server.port(), "/export");

  EXPECT_EQ(result.status, 200);
  EXPECT_FALSE(result.complete);
  EXPECT_EQ(result.body, "xx");
  auto exchanges = server.WaitForExchanges(1);
  EXPECT_NE(exchanges[0].request.server_note.find("source exploded"), std::string::npos);
}

TEST(ServerStream, EmptyPiecesAreSkippedNotTreatedAsTheEnd) {
  auto step = std::make_shared<int>(0);
  TestServer server([&](Request&) {
    return Streamed([step](std::string& out) -> Result<bool> {
      const int i = (*step)++;
      if (i % 2 == 0) out = Piece(i);
      return i < 9;
    });
  });

  HttpResult result = testing::Get(server.port(), "/export");

  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.body, Piece(0) + Piece(2) + Piece(4) + Piece(6) + Piece(8));
}

TEST(ServerStream, HeadDoesNotRunTheSource) {
  CountingSource source{.count = 10};
  TestServer server([&](Request&) { return Streamed(source.Make()); });
  Connection connection(server.port());

  HttpResult head = connection.Send("HEAD", "/export");
  HttpResult get = connection.Get("/export");

  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(get.body, Expected(10));
  EXPECT_EQ(source.calls.load(), 10);
}

TEST(ServerStream, Http10BodyEndsWithTheConnection) {
  CountingSource source{.count = 50};
  TestServer server([&](Request&) { return Streamed(source.Make()); });
  Connection connection(server.port());

  ASSERT_TRUE(connection.SendRaw("GET /export HTTP/1.0\r\n\r\n"));
  HttpResult result = connection.ReadResponse();

  EXPECT_EQ(result.status, 200);
  EXPECT_FALSE(result.chunked);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.body, Expected(50));
}

}  // namespace
}  // namespace analytics::http

// http::Fetch against a real http::Server on loopback, a port nobody listens
// on, and a listener that never answers.
#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/server_fixture.h"

namespace analytics::http {
namespace {

ClientRequest To(std::string url, std::string method = "GET",
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  ClientRequest request;
  request.url = std::move(url);
  request.method = std::move(method);
  request.timeout = timeout;
  return request;
}

std::string Url(int port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// A bound, listening socket that never accepts: connects succeed (the
// backlog takes them) and nothing is ever answered. Closed on destruction.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HttpClient, PostsBodyAndHeadersAndReadsTheAnswer) {
  TestServer server([](Request& request) {
    Response response;
    response.status = 202;
    response.body = request.method_text + " " + request.target + " " +
                    std::string(request.Header("x-rule")) + " " + request.body;
    response.SetHeader("X-Seen", "yes");
    return response;
  });
  ClientRequest request;
  request.method = "POST";
  request.url = Url(server.port(), "/hook?a=1");
  request.headers = {{"X-Rule", "API Down"}, {"Content-Type", "application/json"}};
  request.body = R"({"state":"firing"})";
  Result<ClientResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, R"(POST /hook?a=1 API Down {"state":"firing"})");
  bool seen = false;
  for (const auto& [name, value] : response->headers) seen |= name == "x-seen" && value == "yes";
  EXPECT_TRUE(seen);
}

TEST(HttpClient, AServerErrorIsAnAnswerNotAFailure) {
  TestServer server([](Request&) {
    Response response;
    response.status = 503;
    response.body = "{}";
    return response;
  });
  Result<ClientResponse> response = Fetch(To(Url(server.port(), "/health")));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 503);
}

TEST(HttpClient, ANoListenerPortIsUnavailableNamingConnect) {
  int port = 0;
  {
    SilentListener probe;  // a port that was free a moment ago, closed again
    port = probe.port();
  }
  Result<ClientResponse> response = Fetch(To(Url(port, "/hook/T0KEN?key=s3cret")));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("connect failed"), std::string::npos)
      << response.error().message;
  // A webhook's token rides in its path or query: errors name the server only.
  EXPECT_EQ(response.error().message.find("T0KEN"), std::string::npos) << response.error().message;
  EXPECT_EQ(response.error().message.find("s3cret"), std::string::npos) << response.error().message;
}

TEST(HttpClient, ASilentServerTimesOutWithinTheTimeout) {
  SilentListener silent;
  const auto start = std::chrono::steady_clock::now();
  Result<ClientResponse> response =
      Fetch(To(Url(silent.port(), "/"), "GET", std::chrono::milliseconds(300)));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("timed out"), std::string::npos)
      << response.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(HttpClient, BadUrlsAreRefusedNamingTheUrl) {
  for (const char* url : {"ftp://x/", "http://", "http://host:0/", "http://host:99999/",
                          "http://host:8x/", "http://u:p@host/", "https://example.com/"}) {
    Result<ClientResponse> response = Fetch(To(url));
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(response.error().field, "url") << url;
  }
  Result<ClientResponse> https = Fetch(To("https://example.com/"));
  EXPECT_NE(https.error().message.find("command target"), std::string::npos);
}

TEST(HttpClient, UnknownMethodIsRefused) {
  Result<ClientResponse> response = Fetch(To("http://127.0.0.1:1/", "FETCH"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().field, "method");
}

}  // namespace
}  // namespace analytics::http

// http::Fetch: one exchange on its own io_context, with one deadline over
// connect, write and read (Beast's tcp_stream expiry).
#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <optional>

#include "base/text.h"

namespace analytics::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxBody = 1 << 20;

struct Target {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

// "http://host[:port][/path]"; IPv6 literals in brackets.
Result<Target> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!StartsWithIgnoreCase(url, kScheme)) {
    if (StartsWithIgnoreCase(url, "https://")) {
      return InvalidArgument("url",
                             "https is not supported here: use a command target "
                             "(for example curl) for an https webhook");
    }
    return InvalidArgument("url", "must start with http://");
  }
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  Target t;
  if (slash != std::string_view::npos) {
    t.path = std::string(rest.substr(slash));
    if (t.path.front() == '?') t.path.insert(0, "/");
  }
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("url", "user information in the URL is not supported");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("url", "unclosed [ in the host");
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("url", "bad text after the host");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) return InvalidArgument("url", "has no host");
  if (!port.empty()) {
    int n = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535) {
      return InvalidArgument("url", "port must be 1-65535");
    }
    t.port = std::string(port);
  }
  return t;
}

std::optional<bhttp::verb> VerbOf(const std::string& method) {
  const bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) return std::nullopt;
  return verb;
}

}  // namespace

Result<ClientResponse> Fetch(const ClientRequest& request) {
  Result<Target> target = ParseUrl(request.url);
  if (!target.ok()) return target.error();
  const std::optional<bhttp::verb> verb = VerbOf(request.method);
  if (!verb) return InvalidArgument("method", "unknown HTTP method " + request.method);

  // Errors name the server, never the path or query: a webhook's token often
  // rides there, and these messages reach logs and alert history.
  const std::string where = "http://" + target->host + ":" + target->port;
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  bhttp::request<bhttp::string_body> req{*verb, target->path, 11};
  req.set(bhttp::field::host, target->host + ":" + target->port);
  req.set(bhttp::field::user_agent, "analytics");
  req.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxBody);
  std::string failed_at;
  beast::error_code failure;
  auto fail = [&](std::string_view stage, beast::error_code ec) {
    failed_at = std::string(stage);
    failure = ec;
    stream.socket().close(ec);
  };

  stream.expires_after(request.timeout);
  resolver.async_resolve(target->host, target->port, [&](beast::error_code ec, auto results) {
    if (ec) return fail("resolve", ec);
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return fail("connect", ec);
      bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("send", ec);
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
          if (ec) return fail("read", ec);
        });
      });
    });
  });
  // The resolver has no expiry of its own: bound the whole run too.
  io.run_for(request.timeout + std::chrono::milliseconds(100));
  if (!io.stopped()) {
    return Unavailable(where + ": no answer within " + std::to_string(request.timeout.count()) +
                       " ms");
  }
  if (!failed_at.empty()) {
    const bool timed_out = failure == beast::error::timeout;
    return Unavailable(where + ": " + failed_at +
                       " failed: " + (timed_out ? std::string("timed out") : failure.message()));
  }
  ClientResponse response;
  auto& res = parser.get();
  response.status = res.result_int();
  for (const auto& field : res) {
    response.headers.emplace_back(AsciiLower(std::string(field.name_string())),
                                  std::string(field.value()));
  }
  response.body = std::move(res.body());
  return response;
}

}  // namespace analytics::http

// Query strings: percent-decoding, http::ParseQuery, and the parameter
// parsers of the routes that take parameters (task and user lists with
// limit and cursor, trends, daily, export, a stat). The input's first line
// names the route, the rest is the raw query ("tasks\nlimit=5&cursor=t1");
// an input whose first line names none is a query whole, its first byte
// choosing the route.
//
// Decoding must round-trip: what decodes, encoded again, decodes to the same.
// Each request goes through FuzzApp's API over SQLite (a streamed export is
// read to its end); a 500 is a failure.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "base/text.h"
#include "fuzz_app.h"
#include "fuzz_check.h"

namespace {

using analytics::fuzz::Fail;
namespace http = analytics::http;

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' || byte == '.' || byte == '~') {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

void CheckDecoding(std::string_view query) {
  for (bool plus_is_space : {false, true}) {
    if (auto decoded = analytics::PercentDecode(query, plus_is_space)) {
      if (analytics::PercentDecode(PercentEncode(*decoded), plus_is_space) != decoded) {
        Fail("PercentDecode does not round-trip", query);
      }
    }
  }
  auto pairs = http::ParseQuery(query);
  if (!pairs) return;
  std::string encoded;
  for (const auto& [key, value] : *pairs) {
    encoded += PercentEncode(key) + "=" + PercentEncode(value) + "&";
  }
  if (http::ParseQuery(encoded) != pairs) Fail("ParseQuery does not round-trip", query);
}

struct Route {
  std::string_view name;
  std::string_view path;
};

constexpr Route kRoutes[] = {
    {"tasks", "/api/v1/users/alice/tasks"},
    {"users", "/api/v1/users"},
    {"trends", "/api/v1/users/alice/analytics/trends"},
    {"daily", "/api/v1/users/alice/analytics/daily"},
    {"export", "/api/v1/users/alice/export"},
    {"stat", "/api/v1/users/alice/analytics/completion_rate"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view first_line = input.substr(0, newline);
  const Route* route = nullptr;
  for (const Route& r : kRoutes) {
    if (first_line == r.name) route = &r;
  }
  std::string_view query = input;
  if (route == nullptr) {
    route = &kRoutes[data[0] % std::size(kRoutes)];
  } else {
    query = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  }

  CheckDecoding(query);
  http::Request request;
  const std::string target = std::string(route->path) + "?" + std::string(query);
  if (!analytics::fuzz::BuildRequest(http::Method::kGet, target, "", request)) return 0;
  analytics::fuzz::FuzzApp::Get().Handle(request);
  return 0;
}

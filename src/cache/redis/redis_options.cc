#include "cache/redis/redis_options.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/text.h"

namespace analytics::cache {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kField = "cache.url";
constexpr long long kMaxPoolSize = 64;
constexpr long long kMaxMillis = 60'000;
constexpr long long kMaxPort = 65'535;
// Redis' default `databases 16`; a server configured with more is rare.
constexpr long long kMaxDb = 1'000;

Error Bad(std::string what) { return InvalidArgument(std::string(kField), "cache.url: " + what); }

std::optional<long long> ParseInt(std::string_view text, long long min, long long max) {
  long long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

Result<void> ApplyQuery(std::string_view query, RedisOptions& options) {
  for (std::string_view pair : Split(query, '&')) {
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view text = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (name == "password") {
      std::optional<std::string> password = PercentDecode(text, /*plus_is_space=*/false);
      if (!password) return Bad("the password is not valid percent-encoding");
      options.password = std::move(*password);
      continue;
    }
    const bool is_pool = name == "pool_size";
    const std::optional<long long> value = ParseInt(text, 1, is_pool ? kMaxPoolSize : kMaxMillis);
    if (!value) {
      return Bad(std::string(name) + " must be an integer in 1.." +
                 std::to_string(is_pool ? kMaxPoolSize : kMaxMillis) + ", got \"" +
                 std::string(text) + "\"");
    }
    const std::chrono::milliseconds millis(*value);
    if (is_pool) {
      options.pool_size = static_cast<std::size_t>(*value);
    } else if (name == "timeout_ms") {
      options.command_timeout = millis;
    } else if (name == "connect_timeout_ms") {
      options.connect_timeout = millis;
    } else if (name == "backoff_initial_ms") {
      options.backoff_initial = millis;
    } else if (name == "backoff_max_ms") {
      options.backoff_max = millis;
    } else {
      return Bad("unknown parameter \"" + std::string(name) + "\"");
    }
  }
  if (options.backoff_max < options.backoff_initial) options.backoff_max = options.backoff_initial;
  return Ok();
}

}  // namespace

Result<RedisOptions> ParseRedisUrl(std::string_view url) {
  if (!url.starts_with(kScheme)) return Bad("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisOptions options;

  const std::size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    ANALYTICS_RETURN_IF_ERROR(ApplyQuery(rest.substr(question + 1), options));
    rest = rest.substr(0, question);
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  const std::string_view path =
      authority.size() == rest.size() ? std::string_view() : rest.substr(authority.size() + 1);

  // The userinfo ends at the last '@', so an unencoded '@' in a password still works.
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const std::size_t colon = userinfo.find(':');
    std::optional<std::string> user = PercentDecode(userinfo.substr(0, colon), false);
    std::optional<std::string> password =
        PercentDecode(colon == std::string_view::npos ? "" : userinfo.substr(colon + 1), false);
    if (!user || !password) return Bad("the user info is not valid percent-encoding");
    options.username = std::move(*user);
    if (!password->empty()) options.password = std::move(*password);
  }

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [::1]:6379
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad("unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return Bad("bad text after the host");
    if (!after.empty()) port = after.substr(1);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Bad("the host is missing");
  options.host = std::string(host);
  if (!port.empty() || authority.ends_with(':')) {
    const std::optional<long long> value = ParseInt(port, 1, kMaxPort);
    if (!value) return Bad("the port must be in 1..65535, got \"" + std::string(port) + "\"");
    options.port = static_cast<int>(*value);
  }
  if (!path.empty()) {
    const std::optional<long long> db = ParseInt(path, 0, kMaxDb);
    if (!db)
      return Bad("the database must be a number after the host, got \"" + std::string(path) + "\"");
    options.db = static_cast<int>(*db);
  }
  return options;
}

}  // namespace analytics::cache

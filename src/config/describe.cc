// The effective configuration as YAML with secrets redacted (start-up log,
// `config show`). Written from the key table, so it lists every key.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "base/text.h"
#include "config/config.h"
#include "config/key_table.h"

namespace analytics::config {
namespace {

constexpr char kRedacted[] = "***";

bool IsPasswordParameter(std::string_view parameter) {
  return StartsWithIgnoreCase(parameter, "password=");
}

// "password=secret&x=1" -> "password=***&x=1", for libpq's query-string form.
std::string RedactQuery(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view parameter = query.substr(start, end - start);
    if (start > 0) out += '&';
    if (IsPasswordParameter(parameter)) {
      out += parameter.substr(0, parameter.find('=') + 1);
      out += kRedacted;
    } else {
      out += parameter;
    }
    start = end + 1;
  }
  return out;
}

Config Redacted(Config config) {
  if (!config.auth.admin_token.empty()) config.auth.admin_token = kRedacted;
  config.database.url = RedactUrl(config.database.url);
  for (std::string& url : config.database.replica_urls) url = RedactUrl(url);
  config.cache.url = RedactUrl(config.cache.url);
  for (auto& [name, target] : config.alerts.targets) target = RedactUrl(target);
  return config;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);

  std::string out(url.substr(0, authority_start));
  // The last '@' ends the userinfo: a password may itself contain '@'.
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      out += userinfo.substr(0, colon + 1);
      out += kRedacted;
    } else {
      out += userinfo;
    }
    out += authority.substr(at);
  } else {
    out += authority;
  }

  std::string_view rest = url.substr(authority_end);
  const std::size_t query_start = rest.find('?');
  if (query_start == std::string_view::npos) return out + std::string(rest);
  out += rest.substr(0, query_start + 1);
  rest = rest.substr(query_start + 1);
  const std::size_t fragment = std::min(rest.find('#'), rest.size());
  out += RedactQuery(rest.substr(0, fragment));
  out += rest.substr(fragment);
  return out;
}

std::string Describe(const Config& config) {
  const Config shown = Redacted(config);
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::string_view section;
  for (const detail::KeySpec& key : detail::Keys()) {
    if (key.section() != section) {
      if (!section.empty()) out << YAML::EndMap;
      section = key.section();
      out << YAML::Key << std::string(section) << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << std::string(key.name()) << YAML::Value;
    key.encode(out, shown);
  }
  if (!section.empty()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace analytics::config

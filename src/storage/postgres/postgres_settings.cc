// PostgresSettings and PostgresUrl (storage/backend_tools.h).
#include <libpq-fe.h>

#include <cctype>
#include <string>

#include "storage/backend_tools.h"

namespace analytics::storage {
namespace {

std::string PercentEncoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

Result<std::vector<ConnectionSetting>> PostgresSettings(const std::string& url) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgument("database.url", "cannot parse the PostgreSQL URL: " + message);
  }
  std::vector<ConnectionSetting> settings;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    ConnectionSetting setting;
    setting.keyword = o->keyword;
    setting.envvar = o->envvar != nullptr ? o->envvar : "";
    setting.value = o->val;
    settings.push_back(std::move(setting));
  }
  PQconninfoFree(parsed);
  return settings;
}

std::string PostgresUrl(const std::vector<ConnectionSetting>& settings) {
  std::string url = "postgresql:///";
  char separator = '?';
  for (const ConnectionSetting& s : settings) {
    url += separator + PercentEncoded(s.keyword) + "=" + PercentEncoded(s.value);
    separator = '&';
  }
  return url;
}

}  // namespace analytics::storage

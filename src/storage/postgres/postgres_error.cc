#include "storage/postgres/postgres_error.h"

#include <string>

namespace analytics::storage {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsTransient(std::string_view state) {
  return StartsWith(state, "08") || StartsWith(state, "53") || StartsWith(state, "57P") ||
         state == "57014" || state == "25P03" || state == "40001" || state == "40P01";
}

// libpq's own messages end in a newline and may span lines; one line reads better.
std::string OneLine(std::string_view text) {
  std::string line;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == '\t';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line += space ? ' ' : c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace

Error MapPostgresError(std::string_view sqlstate, std::string_view primary_message,
                       bool connection_lost) {
  if (sqlstate == "42601") return Internal("postgresql: syntax error");
  std::string message = "postgresql: " + OneLine(primary_message);
  if (sqlstate == "23505") return Conflict(std::move(message));
  if (connection_lost || sqlstate.empty() || IsTransient(sqlstate)) {
    return Unavailable(std::move(message));
  }
  return Internal(std::move(message));
}

std::string UrlWithoutPassword(std::string_view url) {
  std::string out(url);
  // The userinfo's password: between the first ':' after "://" and the '@'.
  const std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t authority_end = out.find_first_of("/?#", start);
    const std::size_t at =
        out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
    if (at != std::string::npos && at >= start) {
      const std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
    }
  }
  // A "password=" query parameter.
  const std::size_t query = out.find('?');
  if (query == std::string::npos) return out;
  std::string kept;
  std::size_t pos = query + 1;
  while (pos <= out.size()) {
    std::size_t end = out.find('&', pos);
    if (end == std::string::npos) end = out.size();
    const std::string_view param = std::string_view(out).substr(pos, end - pos);
    if (!StartsWith(param, "password=") && !param.empty()) {
      kept += kept.empty() ? "" : "&";
      kept += param;
    }
    pos = end + 1;
  }
  return out.substr(0, query) + (kept.empty() ? "" : "?" + kept);
}

}  // namespace analytics::storage

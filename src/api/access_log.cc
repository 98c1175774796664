#include "api/access_log.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace analytics::api {
namespace {

// Quoted fields must not break the line format: escape quotes, backslashes
// and anything outside printable ASCII.
std::string Quoted(std::string_view text) {
  if (text.empty()) return "\"-\"";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string CommonTime(Time now) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Day day = DayOf(now);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss tod{std::chrono::floor<std::chrono::seconds>(now - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%02u/%s/%04d:%02d:%02d:%02d +0000]", unsigned(ymd.day()),
                kMonths[unsigned(ymd.month()) - 1], int(ymd.year()), int(tod.hours().count()),
                int(tod.minutes().count()), int(tod.seconds().count()));
  return buf;
}

}  // namespace

std::string FormatAccessLine(const http::Request& request, std::string_view user,
                             const http::Response& response, std::size_t body_bytes,
                             std::chrono::nanoseconds latency, Time now) {
  std::string line;
  line.reserve(256);
  line += request.remote_address.empty() ? "-" : request.remote_address;
  line += " - ";
  line += user.empty() ? std::string_view("-") : user;
  line += ' ';
  line += CommonTime(now);
  line += ' ';
  std::string request_line = request.method_text + " " + request.target + " HTTP/" +
                             (request.version == 10 ? "1.0" : "1.1");
  line += Quoted(request.method_text.empty() ? std::string_view() : std::string_view(request_line));
  char buf[96];
  std::snprintf(buf, sizeof buf, " %d %zu ", response.status, body_bytes);
  line += buf;
  line += Quoted(request.Header("referer"));
  line += ' ';
  line += Quoted(request.Header("user-agent"));
  std::snprintf(buf, sizeof buf, " rt=%.6f rid=", std::chrono::duration<double>(latency).count());
  line += buf;
  line += request.request_id.empty() ? "-" : request.request_id;
  // A note is one word (RateLimitExceeded); anything longer, such as an
  // exception's text, belongs in error.log, not in a line parsed by awk.
  if (!response.log_note.empty()) {
    bool word = response.log_note.size() <= 64 &&
                std::all_of(response.log_note.begin(), response.log_note.end(),
                            [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    line += word ? " " + response.log_note : std::string(" InternalError");
  }
  return line;
}

}  // namespace analytics::api

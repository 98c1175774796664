#include "ops/log_files.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace analytics::ops {
namespace {

namespace fs = std::filesystem;

// N of "<base>.N.log" or "<base>.log.N", or -1 for anything else.
int RotationNumber(const std::string& name, std::string_view base, bool* compressed) {
  std::string_view rest = name;
  *compressed = false;
  if (rest.ends_with(".gz")) {
    *compressed = true;
    rest.remove_suffix(3);
  }
  if (!rest.starts_with(base) || rest.size() <= base.size() || rest[base.size()] != '.') return -1;
  rest.remove_prefix(base.size() + 1);
  if (rest.starts_with("log.")) {
    rest.remove_prefix(4);
  } else if (rest.ends_with(".log")) {
    rest.remove_suffix(4);
  } else {
    return -1;
  }
  int n = -1;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  if (ec != std::errc() || end != rest.data() + rest.size() || n < 1) return -1;
  return n;
}

std::optional<int> TwoDigits(std::string_view text, std::size_t at) {
  if (at + 2 > text.size()) return std::nullopt;
  int v = 0;
  auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + 2, v);
  if (ec != std::errc() || end != text.data() + at + 2) return std::nullopt;
  return v;
}

// "15/Jan/2024:10:00:00 +0000" (the offset is always +0000: access_log.cc).
std::optional<Time> ParseCommonTime(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 20 || text[2] != '/' || text[6] != '/' || text[11] != ':') return std::nullopt;
  auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(3, 3));
  int year = 0;
  auto [end, ec] = std::from_chars(text.data() + 7, text.data() + 11, year);
  auto day = TwoDigits(text, 0), h = TwoDigits(text, 12), m = TwoDigits(text, 15),
       s = TwoDigits(text, 18);
  if (month == kMonths.end() || ec != std::errc() || !day || !h || !m || !s) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{year},
                                  std::chrono::month{unsigned(month - kMonths.begin() + 1)},
                                  std::chrono::day{unsigned(*day)}};
  if (!ymd.ok()) return std::nullopt;
  return Time{std::chrono::sys_days{ymd}} + std::chrono::hours(*h) + std::chrono::minutes(*m) +
         std::chrono::seconds(*s);
}

// Reads a quoted field starting at text[pos] == '"'; moves pos past it.
std::optional<std::string> Quoted(std::string_view text, std::size_t& pos) {
  if (pos >= text.size() || text[pos] != '"') return std::nullopt;
  std::string out;
  for (++pos; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == '\\' && pos + 1 < text.size()) {
      out += text[++pos];
    } else if (c == '"') {
      ++pos;
      return out;
    } else {
      out += c;
    }
  }
  return std::nullopt;
}

// The next space-separated word from pos; moves pos past it and the space.
std::string_view Word(std::string_view text, std::size_t& pos) {
  if (pos >= text.size()) {  // a line cut short (the server still writing it)
    pos = text.size();
    return {};
  }
  std::size_t end = text.find(' ', pos);
  if (end == std::string_view::npos) end = text.size();
  std::string_view word = text.substr(pos, end - pos);
  pos = std::min(end + 1, text.size());
  return word;
}

}  // namespace

LogFiles FindLogFiles(const std::string& dir, std::string_view base) {
  std::vector<std::pair<int, std::string>> rotated;
  LogFiles files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    bool compressed = false;
    int n = RotationNumber(name, base, &compressed);
    if (n < 0) continue;
    if (compressed) {
      files.compressed.push_back(entry.path().string());
    } else {
      rotated.emplace_back(n, entry.path().string());
    }
  }
  std::sort(rotated.begin(), rotated.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (auto& [n, path] : rotated) files.paths.push_back(std::move(path));
  const std::string live = dir + "/" + std::string(base) + ".log";
  if (fs::exists(live, ec)) files.paths.push_back(live);
  std::sort(files.compressed.begin(), files.compressed.end());
  return files;
}

Result<void> ForEachLine(const LogFiles& files,
                         const std::function<void(std::string_view line)>& line_fn) {
  for (const std::string& path : files.paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::error_code ec;
      if (!fs::exists(path, ec)) continue;  // rotated away since it was listed
      return Unavailable("cannot read " + path);
    }
    for (std::string line; std::getline(in, line);) line_fn(line);
  }
  return Ok();
}

Result<ErrorLogCount> CountErrorLines(const std::string& dir, Time since) {
  LogFiles files = FindLogFiles(dir, "error");
  ErrorLogCount count;
  count.compressed = files.compressed;
  auto read = ForEachLine(files, [&](std::string_view line) {
    std::size_t mark = line.find(" ERROR ");
    if (mark == std::string_view::npos) {
      if (line.find("ERROR") == std::string_view::npos) return;
      ++count.undated;  // an ERROR line of another shape: no time to place it by
      return;
    }
    auto at = ParseTime(line.substr(0, mark));
    if (!at) {
      ++count.undated;
      return;
    }
    if (*at < since) return;
    ++count.errors;
    count.last = std::string(line);
  });
  if (!read.ok()) return read.error();
  return count;
}

std::optional<AccessLine> ParseAccessLine(std::string_view line) {
  AccessLine out;
  std::size_t pos = 0;
  out.remote = std::string(Word(line, pos));
  Word(line, pos);  // identd, always "-"
  Word(line, pos);  // user
  if (pos >= line.size() || line[pos] != '[') return std::nullopt;
  std::size_t close = line.find(']', pos);
  if (close == std::string_view::npos) return std::nullopt;
  auto at = ParseCommonTime(line.substr(pos + 1, close - pos - 1));
  if (!at) return std::nullopt;
  out.at = *at;
  pos = close + 2;
  auto request = Quoted(line, pos);
  if (!request) return std::nullopt;
  std::size_t rp = 0;
  out.method = std::string(Word(*request, rp));
  std::string_view target = Word(*request, rp);
  out.path = std::string(target.substr(0, target.find('?')));
  ++pos;
  std::string_view status = Word(line, pos);
  auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), out.status);
  if (ec != std::errc() || end != status.data() + status.size()) return std::nullopt;
  Word(line, pos);                                                      // bytes
  if (!Quoted(line, pos) || !Quoted(line, ++pos)) return std::nullopt;  // referer, user agent
  ++pos;
  for (std::string_view word; pos < line.size();) {
    word = Word(line, pos);
    if (word.starts_with("rt=")) {
      out.latency_s = std::strtod(std::string(word.substr(3)).c_str(), nullptr);
      if (!std::isfinite(out.latency_s) || out.latency_s < 0) return std::nullopt;
    } else if (!word.starts_with("rid=") && !word.empty()) {
      out.note = std::string(word);
    }
  }
  return out;
}

}  // namespace analytics::ops

#include "metrics/text_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

namespace analytics::metrics {
namespace {

bool IsNameStart(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty() || !IsNameStart(name.front(), allow_colon)) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return IsNameStart(c, allow_colon) || (c >= '0' && c <= '9'); });
}

// HELP text escapes only backslash and newline.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool IsWritable(const Sample& sample) {
  if (!IsValidMetricName(sample.name)) return false;
  return std::all_of(sample.labels.begin(), sample.labels.end(),
                     [](const auto& label) { return IsValidLabelName(label.first); });
}

void AppendLine(const Sample& sample, std::string& out) {
  out += sample.name;
  if (!sample.labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [name, value] : sample.labels) {
      if (!first) out += ',';
      first = false;
      out += name;
      out += "=\"";
      out += EscapeLabelValue(value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += FormatValue(sample.value);
  out += '\n';
}

}  // namespace

bool IsValidMetricName(std::string_view name) { return IsValidName(name, true); }

bool IsValidLabelName(std::string_view name) {
  return IsValidName(name, false) && !name.starts_with("__");
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

void AppendSamples(const std::vector<Sample>& samples, const std::vector<std::string>& taken,
                   std::string& out) {
  // Group indices by name, keeping the order in which names first appear.
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, std::vector<const Sample*>> groups;
  for (const Sample& sample : samples) {
    if (!IsWritable(sample)) continue;
    if (std::find(taken.begin(), taken.end(), sample.name) != taken.end()) continue;
    auto [group, inserted] = groups.try_emplace(sample.name);
    if (inserted) order.push_back(sample.name);
    group->second.push_back(&sample);
  }
  for (std::string_view name : order) {
    const std::vector<const Sample*>& group = groups[name];
    const Sample& head = *group.front();
    out += "# HELP ";
    out += name;
    out += ' ';
    out += EscapeHelp(head.help);
    out += "\n# TYPE ";
    out += name;
    out += head.type == Sample::Type::kCounter ? " counter\n" : " gauge\n";
    for (const Sample* sample : group) AppendLine(*sample, out);
  }
}

}  // namespace analytics::metrics

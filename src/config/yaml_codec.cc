#include "config/yaml_codec.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace analytics::config::detail {
namespace {

// Parses the whole of `text` as a number of type T; nothing else is accepted
// ("8080", not "8080.0", "0x1f", " 8080" or "8080abc").
template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

template <typename T>
Result<void> DecodeNumber(const YAML::Node& node, std::string_view path, std::string_view expected,
                          T& out) {
  T value{};
  if (!node.IsScalar() || !ParseNumber(node.Scalar(), value)) {
    return BadValue(node, path, expected);
  }
  out = value;
  return Ok();
}

std::string Shown(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  if (node.IsNull()) return "nothing";
  return "'" + node.Scalar() + "'";
}

std::string Join(std::string_view path, std::string_view key) {
  std::string joined(path);
  joined += '.';
  joined += key;
  return joined;
}

}  // namespace

std::string LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return "";
  return " (line " + std::to_string(mark.line + 1) + ")";
}

Error BadValue(const YAML::Node& node, std::string_view path, std::string_view expected) {
  std::string message(path);
  message += " must be ";
  message += expected;
  message += ", got " + Shown(node) + LineOf(node);
  return InvalidArgument(std::string(path), std::move(message));
}

Result<void> Decode(const YAML::Node& node, std::string_view path, std::string& out) {
  if (node.IsNull()) {
    out.clear();
    return Ok();
  }
  if (!node.IsScalar()) return BadValue(node, path, "a string");
  out = node.Scalar();
  return Ok();
}

Result<void> Decode(const YAML::Node& node, std::string_view path, bool& out) {
  // yaml-cpp's reading of booleans: true/false, yes/no, on/off, y/n.
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    return BadValue(node, path, "true or false");
  }
  out = value;
  return Ok();
}

Result<void> Decode(const YAML::Node& node, std::string_view path, int& out) {
  return DecodeNumber(node, path, "an integer", out);
}

Result<void> Decode(const YAML::Node& node, std::string_view path, std::size_t& out) {
  return DecodeNumber(node, path, "a non-negative integer", out);
}

Result<void> Decode(const YAML::Node& node, std::string_view path, double& out) {
  double value = 0;
  if (!node.IsScalar() || !ParseNumber(node.Scalar(), value) || !std::isfinite(value)) {
    return BadValue(node, path, "a number");
  }
  out = value;
  return Ok();
}

Result<void> Decode(const YAML::Node& node, std::string_view path, std::chrono::seconds& out) {
  std::int64_t count = 0;
  ANALYTICS_RETURN_IF_ERROR(DecodeNumber(node, path, "a whole number of seconds", count));
  out = std::chrono::seconds{count};
  return Ok();
}

Result<void> Decode(const YAML::Node& node, std::string_view path, std::chrono::milliseconds& out) {
  std::int64_t count = 0;
  ANALYTICS_RETURN_IF_ERROR(DecodeNumber(node, path, "a whole number of milliseconds", count));
  out = std::chrono::milliseconds{count};
  return Ok();
}

Result<void> Decode(const YAML::Node& node, std::string_view path, std::vector<std::string>& out) {
  if (node.IsNull()) {
    out.clear();
    return Ok();
  }
  if (!node.IsSequence()) return BadValue(node, path, "a list of strings");
  std::vector<std::string> values;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    if (!item.IsScalar()) {
      return BadValue(item, std::string(path) + "[" + std::to_string(i) + "]", "a string");
    }
    values.push_back(item.Scalar());
  }
  out = std::move(values);
  return Ok();
}

Result<void> Decode(const YAML::Node& node, std::string_view path,
                    std::map<std::string, std::string>& out) {
  if (node.IsNull()) {
    out.clear();
    return Ok();
  }
  if (!node.IsMap()) return BadValue(node, path, "a map of names to strings");
  std::map<std::string, std::string> values;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) return BadValue(it->first, path, "a map with plain names as keys");
    const std::string key_path = Join(path, it->first.Scalar());
    if (values.count(it->first.Scalar()) != 0) {
      return InvalidArgument(key_path, "duplicate key '" + key_path + "'" + LineOf(it->first));
    }
    std::string value;
    ANALYTICS_RETURN_IF_ERROR(Decode(it->second, key_path, value));
    values.emplace(it->first.Scalar(), std::move(value));
  }
  out = std::move(values);
  return Ok();
}

void Encode(YAML::Emitter& out, const std::string& value) { out << value; }
void Encode(YAML::Emitter& out, bool value) { out << value; }
void Encode(YAML::Emitter& out, int value) { out << value; }
void Encode(YAML::Emitter& out, std::size_t value) { out << value; }

void Encode(YAML::Emitter& out, double value) {
  // Shortest text that reads back as the same double: 0.1, not 0.10000000000000001.
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  ANALYTICS_CHECK(ec == std::errc()) << "to_chars(double) failed";
  out << std::string(buffer, end);
}

void Encode(YAML::Emitter& out, std::chrono::seconds value) {
  out << static_cast<long long>(value.count());
}

void Encode(YAML::Emitter& out, std::chrono::milliseconds value) {
  out << static_cast<long long>(value.count());
}

void Encode(YAML::Emitter& out, const std::vector<std::string>& value) {
  if (value.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const std::string& item : value) out << item;
  out << YAML::EndSeq;
}

void Encode(YAML::Emitter& out, const std::map<std::string, std::string>& value) {
  if (value.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  for (const auto& [key, item] : value) out << YAML::Key << key << YAML::Value << item;
  out << YAML::EndMap;
}

}  // namespace analytics::config::detail

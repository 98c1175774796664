// Reading config values out of yaml-cpp nodes, and writing them back, one
// overload per field type of config.h. Internal to src/config/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace analytics::config::detail {

// Each Decode reads `node` into `out` or returns kInvalidArgument with
// field = `path` and a message naming the path, the expected type and the
// line. Nothing throws. A null node reads as "" for strings and as empty for
// lists and maps; for numbers and booleans it is an error.
Result<void> Decode(const YAML::Node& node, std::string_view path, std::string& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, bool& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, int& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, std::size_t& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, double& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, std::chrono::seconds& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, std::chrono::milliseconds& out);
Result<void> Decode(const YAML::Node& node, std::string_view path, std::vector<std::string>& out);
Result<void> Decode(const YAML::Node& node, std::string_view path,
                    std::map<std::string, std::string>& out);

// Writes `value` as the next YAML value (durations as their count).
void Encode(YAML::Emitter& out, const std::string& value);
void Encode(YAML::Emitter& out, bool value);
void Encode(YAML::Emitter& out, int value);
void Encode(YAML::Emitter& out, std::size_t value);
void Encode(YAML::Emitter& out, double value);
void Encode(YAML::Emitter& out, std::chrono::seconds value);
void Encode(YAML::Emitter& out, std::chrono::milliseconds value);
void Encode(YAML::Emitter& out, const std::vector<std::string>& value);
void Encode(YAML::Emitter& out, const std::map<std::string, std::string>& value);

// " (line N)" for the node's position in the text, or "" when it has none.
std::string LineOf(const YAML::Node& node);

// The error for a value at `path` that is not what was expected.
Error BadValue(const YAML::Node& node, std::string_view path, std::string_view expected);

}  // namespace analytics::config::detail

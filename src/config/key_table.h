// The table of every configuration key (redis-style: one declarative list):
// its YAML path and how to read and write its field of Config. ParseYaml,
// Describe and the unknown-key suggestions all work from it. Internal to
// src/config/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace analytics::config::detail {

struct KeySpec {
  std::string_view path;  // "server.port": section, dot, key
  // Reads `node` into the key's field of `config`; errors name `path`.
  Result<void> (*decode)(const YAML::Node& node, std::string_view path, Config& config);
  // Writes the key's field of `config` as the next YAML value.
  void (*encode)(YAML::Emitter& out, const Config& config);

  std::string_view section() const { return path.substr(0, path.find('.')); }
  std::string_view name() const { return path.substr(path.find('.') + 1); }
};

// Every key of config.h, section by section, in the order of config.example.yml.
std::span<const KeySpec> Keys();

// The key with this path, or nullptr.
const KeySpec* FindKey(std::string_view path);

// True for a top-level name such as "server".
bool IsSection(std::string_view name);

// The candidate closest to `word` by edit distance if that distance is at most
// 2, else "". Ties go to the earlier candidate.
std::string Closest(std::string_view word, const std::vector<std::string>& candidates);

// The known key or section a mistyped `path` most likely meant: the closest
// by edit distance (at most 2), else the one key whose name is the last part
// of `path` ("port" -> "server.port"), else "".
std::string SuggestKey(std::string_view path);

// The kInvalidArgument error for a key that is not known:
// "unknown key 'server.prot' (line 2); did you mean 'server.port'?".
Error UnknownKey(std::string_view path, const YAML::Node& key_node, std::string_view suggestion);

}  // namespace analytics::config::detail

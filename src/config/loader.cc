// Defaults, then the YAML file, then env overrides, then Validate (SPEC §1,
// STYLE "Config"). Command-line flags are applied by the CLI on the result.
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "base/utf8.h"
#include "config/config.h"
#include "config/key_table.h"
#include "config/yaml_codec.h"

namespace analytics::config {
namespace {

constexpr char kDefaultPath[] = "/etc/analytics/config.yml";
constexpr char kBuiltInSource[] = "built-in defaults";
constexpr int kMinWorkers = 1;
constexpr int kMaxWorkers = 1024;

// The env variables that override a key, in the order they are applied.
struct EnvOverride {
  const char* variable;
  const char* key;
};
constexpr EnvOverride kEnvOverrides[] = {
    {"DATABASE_URL", "database.url"},
    {"REDIS_URL", "cache.url"},
    {"WORKERS", "server.workers"},
    {"ANALYTICS_ADMIN_TOKEN", "auth.admin_token"},
};

std::string EnvValue(const Environment& env, const std::string& name) {
  const auto it = env.vars.find(name);
  return it == env.vars.end() ? "" : it->second;
}

Result<void> ParseSection(const YAML::Node& name_node, const YAML::Node& body, Config& config) {
  const std::string section = name_node.Scalar();
  if (body.IsNull()) return Ok();  // "server:" with nothing under it
  if (!body.IsMap()) return detail::BadValue(body, section, "a map of keys");
  std::set<std::string> seen;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string path = section + "." + it->first.Scalar();
    if (!it->first.IsScalar()) return detail::BadValue(it->first, section, "a map with plain keys");
    const detail::KeySpec* key = detail::FindKey(path);
    if (key == nullptr) return detail::UnknownKey(path, it->first, detail::SuggestKey(path));
    if (!seen.insert(path).second) {
      return InvalidArgument(path, "duplicate key '" + path + "'" + detail::LineOf(it->first));
    }
    ANALYTICS_RETURN_IF_ERROR(key->decode(it->second, path, config));
  }
  return Ok();
}

Result<std::string> ReadFile(const std::string& path, const std::string& named_by) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgument(named_by, "cannot read config file '" + path + "': it is a directory");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return InvalidArgument(named_by,
                           "cannot read config file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return InvalidArgument(named_by, "cannot read config file '" + path + "': read failed");
  }
  return text.str();
}

Result<void> ApplyEnv(const Environment& env, Config& config) {
  if (std::string url = EnvValue(env, "DATABASE_URL"); !url.empty()) {
    config.database.url = std::move(url);
  }
  if (std::string url = EnvValue(env, "REDIS_URL"); !url.empty()) config.cache.url = std::move(url);
  if (const std::string workers = EnvValue(env, "WORKERS"); !workers.empty()) {
    int value = 0;
    const char* end = workers.data() + workers.size();
    const auto [ptr, ec] = std::from_chars(workers.data(), end, value);
    if (ec != std::errc() || ptr != end || value < kMinWorkers || value > kMaxWorkers) {
      return InvalidArgument(
          "WORKERS", "WORKERS must be an integer from " + std::to_string(kMinWorkers) + " to " +
                         std::to_string(kMaxWorkers) + ", got '" + workers + "'");
    }
    config.server.workers = value;
  }
  if (std::string token = EnvValue(env, "ANALYTICS_ADMIN_TOKEN"); !token.empty()) {
    config.auth.admin_token = std::move(token);
  }
  return Ok();
}

}  // namespace

Environment Environment::FromProcess() {
  Environment env;
  for (const char* name :
       {"DATABASE_URL", "REDIS_URL", "WORKERS", "ANALYTICS_ADMIN_TOKEN", "ANALYTICS_CONFIG"}) {
    if (const char* value = std::getenv(name); value != nullptr) env.vars[name] = value;
  }
  return env;
}

Result<Config> ParseYaml(const std::string& yaml_text) {
  // yaml-cpp takes any bytes, and its emitter cannot write back what is not
  // UTF-8 (Describe): a config file is text (found by config_fuzzer).
  if (!IsValidUtf8(yaml_text)) {
    return InvalidArgument("yaml", "the config is not valid UTF-8 text");
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {  // malformed YAML text: the only thing Load rejects
    std::string message = "YAML syntax error";
    if (!e.mark.is_null()) {
      message += " at line " + std::to_string(e.mark.line + 1) + ", column " +
                 std::to_string(e.mark.column + 1);
    }
    return InvalidArgument("yaml", message + ": " + e.msg);
  }

  Config config;
  if (root.IsNull()) return config;  // an empty file, or only comments
  if (!root.IsMap()) {
    return InvalidArgument("yaml",
                           "the configuration must be a map of sections (server:, "
                           "database:, ...)" +
                               detail::LineOf(root));
  }
  std::set<std::string> seen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string name = it->first.Scalar();
    if (!it->first.IsScalar()) return detail::BadValue(it->first, "a section name", "plain text");
    if (!detail::IsSection(name)) {
      return detail::UnknownKey(name, it->first, detail::SuggestKey(name));
    }
    if (!seen.insert(name).second) {
      return InvalidArgument(name, "duplicate key '" + name + "'" + detail::LineOf(it->first));
    }
    ANALYTICS_RETURN_IF_ERROR(ParseSection(it->first, it->second, config));
  }
  // Range errors show up here, naming the key, rather than later from Load.
  ANALYTICS_RETURN_IF_ERROR(Validate(config));
  return config;
}

Result<LoadedConfig> Load(const std::string& explicit_path, const Environment& env) {
  std::string path = explicit_path;
  std::string named_by = "--config";
  if (path.empty()) {
    path = EnvValue(env, "ANALYTICS_CONFIG");
    named_by = "ANALYTICS_CONFIG";
  }
  std::error_code ec;
  if (path.empty() && std::filesystem::exists(kDefaultPath, ec)) {
    path = kDefaultPath;
    named_by = kDefaultPath;
  }

  LoadedConfig loaded{Config{}, kBuiltInSource};
  if (!path.empty()) {
    Result<std::string> text = ReadFile(path, named_by);
    if (!text.ok()) return text.error();
    Result<Config> parsed = ParseYaml(*text);
    if (!parsed.ok()) {
      Error error = parsed.error();
      error.message = path + ": " + error.message;
      return error;
    }
    loaded = LoadedConfig{std::move(parsed).value(), path};
  }

  ANALYTICS_RETURN_IF_ERROR(ApplyEnv(env, loaded.config));
  if (Result<void> valid = Validate(loaded.config); !valid.ok()) {
    Error error = valid.error();
    for (const auto& [variable, key] : kEnvOverrides) {
      if (error.field == key && !EnvValue(env, variable).empty()) {
        error.message += std::string(" (set by ") + variable + ")";
      }
    }
    return error;
  }
  return loaded;
}

}  // namespace analytics::config

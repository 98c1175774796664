#include "cli/command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "logging/log.h"

namespace analytics::cli {

int Fail(const Error& error, Stage stage) {
  bool named = error.field.empty() || error.message.find(error.field) != std::string::npos;
  std::string field = named ? "" : " (" + error.field + ")";
  std::fprintf(stderr, "analytics: %s%s\n", error.message.c_str(), field.c_str());
  return ExitCodeFor(error, stage);
}

std::string HumanBytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) value /= 1024, ++unit;
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buf;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string OperatorName() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? std::string(user) : std::string("cli");
}

Result<Opened> Open(const Context& context, const OpenOptions& options) {
  auto loaded = config::Load(context.config_path, config::Environment::FromProcess());
  if (!loaded.ok()) return loaded.error();
  Opened opened{std::move(loaded->config), nullptr};
  if (options.adjust) options.adjust(opened.config);
  if (options.logs) {
    auto logs = logging::Setup(opened.config.logging, opened.config.jobs.log_dir);
    if (!logs.ok()) return logs.error();
  }
  if (options.app) {
    auto built = app::App::Build(opened.config);
    if (!built.ok()) return built.error();
    opened.app = std::move(*built);
  }
  return opened;
}

}  // namespace analytics::cli

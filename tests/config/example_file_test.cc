#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config_test_data.h"

namespace analytics::config {
namespace {

std::string ReadExample() {
  std::ifstream file(testing::ExampleConfigPath());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(ExampleFile, ParsesToExactlyTheDefaults) {
  const std::string example = ReadExample();
  ASSERT_FALSE(example.empty()) << "cannot read " << testing::ExampleConfigPath();

  Result<Config> config = ParseYaml(example);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(ExampleFile, LoadsAsAFile) {
  Result<LoadedConfig> loaded = Load(testing::ExampleConfigPath().string(), Environment{});

  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->config, Config{});
}

TEST(ExampleFile, CommentsEveryKey) {
  std::istringstream lines(ReadExample());
  std::string line;
  int number = 0;

  while (std::getline(lines, line)) {
    ++number;
    const std::size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#' || line[first] == '-') continue;
    if (first == 0) continue;  // a section name
    EXPECT_NE(line.find(" # "), std::string::npos) << "line " << number << ": " << line;
  }
}

}  // namespace
}  // namespace analytics::config

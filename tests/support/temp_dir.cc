#include "support/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "base/check.h"

namespace analytics::test {

TempDir::TempDir() {
  std::string pattern = "/tmp/analytics-test-XXXXXX";
  ANALYTICS_CHECK(mkdtemp(pattern.data()) != nullptr) << "mkdtemp failed: " << std::strerror(errno);
  path_ = pattern;
}

TempDir::~TempDir() {
  // Best effort: a folder left behind must not fail the test that made it.
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::File(std::string_view name) const { return path_ + "/" + std::string(name); }

}  // namespace analytics::test

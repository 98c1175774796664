// A unique folder under /tmp for one test, removed with everything in it when
// the TempDir goes out of scope. Safe for tests running in parallel.
#pragma once

#include <string>
#include <string_view>

namespace analytics::test {

// Owns its folder; not copyable. Not thread-safe (one per test).
class TempDir {
 public:
  // Creates /tmp/analytics-test-XXXXXX; CHECK-fails if it cannot.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The folder's absolute path, without a trailing slash.
  const std::string& path() const { return path_; }
  // path() + "/" + name; creates nothing.
  std::string File(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace analytics::test

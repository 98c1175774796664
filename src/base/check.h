// ANALYTICS_CHECK(cond) << "why": for programmer errors only (never user input).
// On failure it prints the condition, location and message, then aborts.
#pragma once

#include <sstream>

namespace analytics::detail {

class CheckFailure {
 public:
  CheckFailure(const char* condition, const char* file, int line);
  [[noreturn]] ~CheckFailure();
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

}  // namespace analytics::detail

#define ANALYTICS_CHECK(cond) \
  if (cond) {                 \
  } else                      \
    ::analytics::detail::CheckFailure(#cond, __FILE__, __LINE__)

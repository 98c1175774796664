// The one way a fuzz target reports a broken property: print what broke and
// abort, which libFuzzer records as a crash with its reproducer (and the
// replay executables as a failed test).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace analytics::fuzz {

[[noreturn]] inline void Fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property broken: %.*s\n%.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace analytics::fuzz

// Users (SPEC §2): an opaque id of 1–64 characters from [A-Za-z0-9_.-].
#pragma once

#include <string>
#include <string_view>

#include "base/time.h"

namespace analytics::model {

struct User {
  std::string id;
  Time created_at;
};

inline constexpr std::size_t kMaxUserIdLength = 64;

// True when `id` is 1–64 characters from [A-Za-z0-9_.-].
bool IsValidUserId(std::string_view id);

}  // namespace analytics::model

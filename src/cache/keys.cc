// SPEC §5's key scheme. Every cache key string in the program is built here.
#include "cache/keys.h"

namespace analytics::cache {
namespace {

std::string Join(std::string_view middle, std::string_view user_id) {
  std::string key;
  key.reserve(kPrefix.size() + middle.size() + 1 + user_id.size());
  key.append(kPrefix).append(middle).append(":").append(user_id);
  return key;
}

}  // namespace

std::string OverviewKey(std::string_view user_id) { return Join("overview", user_id); }

std::string StatKey(std::string_view stat, std::string_view user_id) { return Join(stat, user_id); }

std::string GenerationKey(std::string_view user_id) { return Join("gen", user_id); }

}  // namespace analytics::cache

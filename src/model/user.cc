#include "model/user.h"

namespace analytics::model {

bool IsValidUserId(std::string_view id) {
  if (id.empty() || id.size() > kMaxUserIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace analytics::model

// Who is making a request: the admin, or one user (SPEC §4 authentication).
#pragma once

#include <string>
#include <string_view>

namespace analytics::model {

struct Caller {
  bool is_admin = false;
  std::string user_id;  // empty for the admin

  bool MayAccess(std::string_view uid) const { return is_admin || user_id == uid; }
  // For audit_log.actor.
  std::string actor() const { return is_admin ? "admin" : user_id; }
};

}  // namespace analytics::model

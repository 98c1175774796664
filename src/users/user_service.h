// Users and their tokens (SPEC §4): create, rotate, authenticate. Tokens are
// stored hashed only; the plain token is returned once, at creation or rotation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "model/caller.h"
#include "model/user.h"
#include "storage/database.h"

namespace analytics::users {

struct IssuedToken {
  model::User user;
  std::string token;  // shown once
};

// Thread-safe.
class UserService {
 public:
  // `admin_token` empty means no admin token is accepted.
  UserService(storage::Database& db, const Clock& clock, std::string admin_token);

  // Errors: kInvalidArgument (field "id"), kConflict (exists), kUnavailable.
  Result<IssuedToken> Create(std::string_view id);
  // Errors: kNotFound, kUnavailable.
  Result<model::User> Get(std::string_view id);
  // Users with id > `after`, in id order, at most `limit`.
  Result<std::vector<model::User>> List(std::string_view after, int limit);
  // Replaces the user's token; the old one stops working at once.
  // Errors: kNotFound, kUnavailable.
  Result<IssuedToken> RotateToken(std::string_view id);
  // The caller a bearer token stands for. Errors: kUnauthenticated (unknown
  // token), kUnavailable (database down).
  Result<model::Caller> Authenticate(std::string_view token);

 private:
  storage::Database& db_;
  const Clock& clock_;
  std::string admin_token_;
};

}  // namespace analytics::users

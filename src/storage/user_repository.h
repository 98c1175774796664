// SQL for the users table. Not thread-safe; lives inside one transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/user.h"
#include "storage/database.h"

namespace analytics::storage {

// The user_id of a revocation log row that revokes every cached token.
inline constexpr std::string_view kEveryUser = "*";

class UserRepository {
 public:
  explicit UserRepository(Transaction& tx) : tx_(tx) {}

  // Inserts the user and its (empty) aggregates row. Errors: kConflict if the id exists.
  Result<void> Create(const model::User& user, std::string_view token_hash);
  // Errors: kNotFound.
  Result<model::User> Find(std::string_view id);
  // The user holding this token hash, or nullopt.
  Result<std::optional<model::User>> FindByTokenHash(std::string_view token_hash);
  // Users with id > `after`, in id order.
  Result<std::vector<model::User>> List(std::string_view after, int limit);
  // Replaces the user's token hash, counts the rotation (token_revocations)
  // and logs it (token_revocation_log) for every process's token cache.
  // Errors: kNotFound.
  Result<void> ReplaceTokenHash(std::string_view id, std::string_view token_hash, Time now);
  Result<std::int64_t> Count();
  // Token rotations so far (token_revocations); ReplaceTokenHash adds one.
  Result<std::int64_t> Revocations();
  // Logs a revocation of every user's token (user_id kEveryUser), numbered
  // past both the counter and `at_least`: after the token tables came back
  // from a backup (their counter behind what servers have read), every
  // server drops all its cached tokens.
  Result<void> RevokeEveryToken(std::int64_t at_least, Time now);
  // The users whose tokens were rotated after rotation number `after`, in
  // order, at most `limit` of them, and the number of the last one returned.
  struct Revoked {
    std::int64_t seq = 0;
    std::string user_id;
  };
  Result<std::vector<Revoked>> RevokedAfter(std::int64_t after, int limit);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

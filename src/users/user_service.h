// Users and their tokens (SPEC §4): create, rotate, authenticate. Tokens are
// stored hashed only; the plain token is returned once, at creation or rotation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "model/caller.h"
#include "model/user.h"
#include "storage/database.h"
#include "users/revocation_watch.h"
#include "users/token_cache.h"

namespace analytics::users {

struct IssuedToken {
  model::User user;
  std::string token;  // shown once
};

// Authenticate answers from an in-process TokenCache when it can: a token
// found in the database is cached for options.max_age, and trusted only while
// the database's log of token rotations was read within the last ~150 ms
// (RevocationWatch). A rotation drops that user's cached tokens at once on
// the instance that made it, and within about RevocationWatch::kRefresh on
// every other process sharing the database (another instance, or the CLI's
// `users rotate-token`), whatever the cache and whether or not Redis is up.
// Thread-safe. Every reference must outlive the service.
class UserService {
 public:
  // `admin_token` empty means no admin token is accepted.
  UserService(storage::Database& db, const Clock& clock, std::string admin_token,
              const TokenCacheOptions& token_cache);
  // Without a token cache: every Authenticate reads the database.
  UserService(storage::Database& db, const Clock& clock, std::string admin_token);
  ~UserService();

  // Errors: kInvalidArgument (field "id"), kConflict (exists), kUnavailable.
  Result<IssuedToken> Create(std::string_view id);
  // Errors: kNotFound, kUnavailable.
  Result<model::User> Get(std::string_view id);
  // Users with id > `after`, in id order, at most `limit`.
  Result<std::vector<model::User>> List(std::string_view after, int limit);
  // Replaces the user's token; the old one stops working at once on this
  // instance, and within about RevocationWatch::kRefresh on the others. Other
  // users' cached tokens stay cached.
  // Errors: kNotFound, kUnavailable.
  Result<IssuedToken> RotateToken(std::string_view id);
  // The caller a bearer token stands for. Errors: kUnauthenticated (unknown
  // token), kUnavailable (database down).
  Result<model::Caller> Authenticate(std::string_view token);
  // The caller for `token` when it can be told without the database: the
  // admin token, or a trusted TokenCache entry. nullopt otherwise (then
  // Authenticate decides). Never blocks: it does not re-read the revocation
  // stamp, so it answers nullopt once the last read is ~150 ms old until an
  // Authenticate call reads it again.
  std::optional<model::Caller> CachedCaller(std::string_view token);
  // CachedCaller that may re-read the rotation log first (one statement at
  // most every RevocationWatch::kRefresh): for worker threads, to tell a known
  // token from one that needs a lookup.
  std::optional<model::Caller> KnownCaller(std::string_view token);

 private:
  // The caller for `token` from the admin token or a trusted TokenCache entry.
  std::optional<model::Caller> FromMemory(std::string_view token, bool may_read_log);
  // The rotation log past `after` (RevocationWatch::LogReader).
  std::optional<RevocationLog> ReadRevocations(std::optional<std::int64_t> after);

  storage::Database& db_;
  const Clock& clock_;
  std::string admin_token_;
  std::unique_ptr<TokenCache> tokens_;      // null without a token cache
  std::unique_ptr<TokenCache> unknown_;     // token hashes that matched nobody; null likewise
  std::unique_ptr<RevocationWatch> watch_;  // null without a token cache
};

}  // namespace analytics::users

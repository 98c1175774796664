#include "users/user_service.h"

#include "storage/user_repository.h"
#include "users/token.h"

namespace analytics::users {

UserService::UserService(storage::Database& db, cache::Cache& cache, const Clock& clock,
                         std::string admin_token, const TokenCacheOptions& token_cache)
    : db_(db),
      cache_(&cache),
      clock_(clock),
      admin_token_(std::move(admin_token)),
      tokens_(std::make_unique<TokenCache>(clock, token_cache)) {
  if (cache.name() == "memory") {
    // The in-process cache's stamp lives in this process only, and another
    // process (the CLI's rotate-token) may rotate: follow the database's count.
    watch_ = std::make_unique<RevocationWatch>([this] { return DatabaseStamp(); }, *tokens_);
  } else {
    watch_ = std::make_unique<RevocationWatch>(cache, *tokens_);
  }
}

std::optional<std::string> UserService::DatabaseStamp() {
  std::optional<std::string> stamp;
  auto done = db_.ReadStatement([&](storage::Transaction& tx) -> Result<void> {
    auto n = storage::UserRepository(tx).Revocations();
    if (!n.ok()) return n.error();
    stamp = std::to_string(*n);
    return Ok();
  });
  if (!done.ok()) return std::nullopt;
  return stamp;
}

UserService::UserService(storage::Database& db, const Clock& clock, std::string admin_token)
    : db_(db), cache_(nullptr), clock_(clock), admin_token_(std::move(admin_token)) {}

UserService::~UserService() = default;

Result<IssuedToken> UserService::Create(std::string_view id) {
  if (!model::IsValidUserId(id)) {
    return InvalidArgument("id", "id must be 1-64 characters from [A-Za-z0-9_.-]");
  }
  // "admin" names the admin token in access-log and audit_log actor fields.
  if (id == "admin") return InvalidArgument("id", "id 'admin' is reserved");
  IssuedToken issued{model::User{std::string(id), clock_.Now()}, NewToken()};
  std::string hash = HashToken(issued.token);
  auto done = db_.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    return storage::UserRepository(tx).Create(issued.user, hash);
  });
  if (!done.ok()) return done.error();
  return issued;
}

Result<model::User> UserService::Get(std::string_view id) {
  if (!model::IsValidUserId(id)) return NotFound("user not found");
  Result<model::User> user = NotFound("user not found");
  auto done = db_.Read([&](storage::Transaction& tx) -> Result<void> {
    user = storage::UserRepository(tx).Find(id);
    return Ok();
  });
  if (!done.ok()) return done.error();
  return user;
}

Result<std::vector<model::User>> UserService::List(std::string_view after, int limit) {
  std::vector<model::User> users;
  auto done = db_.Read([&](storage::Transaction& tx) -> Result<void> {
    auto list = storage::UserRepository(tx).List(after, limit);
    if (!list.ok()) return list.error();
    users = std::move(*list);
    return Ok();
  });
  if (!done.ok()) return done.error();
  return users;
}

Result<IssuedToken> UserService::RotateToken(std::string_view id) {
  if (!model::IsValidUserId(id)) return NotFound("user not found");
  IssuedToken issued{model::User{std::string(id), Time{}}, NewToken()};
  std::string hash = HashToken(issued.token);
  auto done = db_.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    storage::UserRepository repo(tx);
    ANALYTICS_RETURN_IF_ERROR(repo.ReplaceTokenHash(id, hash, clock_.Now()));
    auto user = repo.Find(id);
    if (!user.ok()) return user.error();
    issued.user = *user;
    return Ok();
  });
  if (!done.ok()) return done.error();
  if (cache_ != nullptr) {
    // Everything, not just the old token's entry: an Authenticate of the old
    // token that read the database before the commit may insert it after
    // any single erase, but not into a new generation. The other instances
    // drop all their entries on the new stamp anyway.
    tokens_->InvalidateAll();
    cache_->Revoke();
  }
  return issued;
}

std::optional<model::Caller> UserService::CachedCaller(std::string_view token) {
  if (token.empty()) return std::nullopt;
  if (!admin_token_.empty() && ConstantTimeEquals(token, admin_token_)) {
    return model::Caller{true, {}};
  }
  // Never reads the stamp here: this runs on an I/O thread, which must not
  // wait for Redis or the database.
  if (watch_ == nullptr || !watch_->TrustedWithoutRefresh()) return std::nullopt;
  std::optional<std::string> user_id = tokens_->Find(HashToken(token));
  if (!user_id) return std::nullopt;
  return model::Caller{false, std::move(*user_id)};
}

Result<model::Caller> UserService::Authenticate(std::string_view token) {
  Error unauthenticated{ErrorCode::kUnauthenticated, "missing or invalid bearer token", {}};
  if (token.empty()) return unauthenticated;
  if (!admin_token_.empty() && ConstantTimeEquals(token, admin_token_)) {
    return model::Caller{true, {}};
  }
  std::string hash = HashToken(token);
  std::optional<TokenCache::Generation> generation;
  if (watch_ != nullptr && watch_->Trusted()) {
    if (std::optional<std::string> user_id = tokens_->Find(hash)) {
      return model::Caller{false, std::move(*user_id)};
    }
    // Before the read: an invalidation during it makes the Insert a no-op.
    generation = tokens_->generation();
  }
  std::optional<model::User> user;
  // One statement: on PostgreSQL one round trip, no BEGIN/COMMIT.
  auto done = db_.ReadStatement([&](storage::Transaction& tx) -> Result<void> {
    auto found = storage::UserRepository(tx).FindByTokenHash(hash);
    if (!found.ok()) return found.error();
    user = std::move(*found);
    return Ok();
  });
  if (!done.ok()) return done.error();
  // Unknown tokens are never cached: they are rate-limited before they get here.
  if (!user) return unauthenticated;
  if (generation) tokens_->Insert(hash, user->id, *generation);
  return model::Caller{false, user->id};
}

}  // namespace analytics::users

#include "users/user_service.h"

#include "storage/user_repository.h"
#include "users/token.h"

namespace analytics::users {

namespace {
// Rotations one read of the log takes; a reader further behind drops every
// cached token instead (RevocationLog::complete).
constexpr int kRevocationsPerRead = 1000;
// Token hashes that matched no user, remembered briefly and in small number:
// the rate limiter's failed-lookup bucket bounds how fast they come.
const TokenCacheOptions kUnknownTokens{10'000, 16, std::chrono::seconds(60)};
}  // namespace

UserService::UserService(storage::Database& db, const Clock& clock, std::string admin_token,
                         const TokenCacheOptions& token_cache)
    : db_(db),
      clock_(clock),
      admin_token_(std::move(admin_token)),
      tokens_(std::make_unique<TokenCache>(clock, token_cache)),
      unknown_(std::make_unique<TokenCache>(clock, kUnknownTokens)),
      watch_(std::make_unique<RevocationWatch>(
          [this](std::optional<std::int64_t> after) { return ReadRevocations(after); }, *tokens_,
          RevocationWatch::kRefresh, token_cache.outage_grace)) {}

UserService::UserService(storage::Database& db, const Clock& clock, std::string admin_token)
    : db_(db), clock_(clock), admin_token_(std::move(admin_token)) {}

std::optional<RevocationLog> UserService::ReadRevocations(std::optional<std::int64_t> after) {
  RevocationLog log;
  // One statement: on PostgreSQL one round trip, no BEGIN/COMMIT.
  auto done = db_.ReadStatement([&](storage::Transaction& tx) -> Result<void> {
    storage::UserRepository repo(tx);
    if (!after) {
      auto n = repo.Revocations();
      if (!n.ok()) return n.error();
      log.last = *n;
      log.complete = false;
      return Ok();
    }
    auto revoked = repo.RevokedAfter(*after, kRevocationsPerRead);
    if (!revoked.ok()) return revoked.error();
    log.last = revoked->empty() ? *after : revoked->back().seq;
    // Numbers are consecutive: a gap means rows pruned before we read them.
    log.complete = static_cast<int>(revoked->size()) < kRevocationsPerRead &&
                   (revoked->empty() || revoked->front().seq == *after + 1);
    for (auto& r : *revoked) log.users.push_back(std::move(r.user_id));
    return Ok();
  });
  if (!done.ok()) return std::nullopt;
  return log;
}

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
  // This instance at once; the others when they next read the log (the
  // rotation's row in token_revocation_log committed with it).
  if (tokens_ != nullptr) tokens_->InvalidateUser(id);
  return issued;
}

std::optional<model::Caller> UserService::FromMemory(std::string_view token, bool may_read_log) {
  if (token.empty()) return std::nullopt;
  if (!admin_token_.empty() && ConstantTimeEquals(token, admin_token_)) {
    return model::Caller{true, {}};
  }
  if (watch_ == nullptr) return std::nullopt;
  if (!(may_read_log ? watch_->Trusted() : watch_->TrustedWithoutRefresh())) return std::nullopt;
  std::optional<std::string> user_id = tokens_->Find(HashToken(token));
  if (!user_id) return std::nullopt;
  return model::Caller{false, std::move(*user_id)};
}

// Never reads the log: this runs on an I/O thread, which must not wait for
// the database.
std::optional<model::Caller> UserService::CachedCaller(std::string_view token) {
  return FromMemory(token, /*may_read_log=*/false);
}

std::optional<model::Caller> UserService::KnownCaller(std::string_view token) {
  return FromMemory(token, /*may_read_log=*/true);
}

Result<model::Caller> UserService::Authenticate(std::string_view token) {
  Error unauthenticated{ErrorCode::kUnauthenticated, "missing or invalid bearer token", {}};
  if (token.empty()) return unauthenticated;
  if (!admin_token_.empty() && ConstantTimeEquals(token, admin_token_)) {
    return model::Caller{true, {}};
  }
  std::string hash = HashToken(token);
  // A token looked up in vain a moment ago is still unknown: tokens are 32
  // random bytes issued before anyone uses them, so no lookup can precede
  // the token's creation. A flood of the same bad token costs no query.
  if (unknown_ != nullptr && unknown_->Find(hash)) return unauthenticated;
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
  if (!user) {
    if (unknown_ != nullptr) unknown_->Insert(hash, "", unknown_->generation());
    return unauthenticated;
  }
  if (generation) tokens_->Insert(hash, user->id, *generation);
  return model::Caller{false, user->id};
}

}  // namespace analytics::users

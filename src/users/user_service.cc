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
  // One statement: on PostgreSQL one round trip, no BEGIN/COMMIT.
  auto read =
      storage::ReadStatementValue(db_, [&](storage::Transaction& tx) -> Result<RevocationLog> {
        storage::UserRepository repo(tx);
        RevocationLog log;
        if (!after) {
          auto n = repo.Revocations();
          if (!n.ok()) return n.error();
          log.last = *n;
          log.complete = false;
          return log;
        }
        auto revoked = repo.RevokedAfter(*after, kRevocationsPerRead);
        if (!revoked.ok()) return revoked.error();
        log.last = revoked->empty() ? *after : revoked->back().seq;
        // Numbers are consecutive: a gap means rows pruned before we read them.
        log.complete = static_cast<int>(revoked->size()) < kRevocationsPerRead &&
                       (revoked->empty() || revoked->front().seq == *after + 1);
        for (auto& r : *revoked) log.users.push_back(std::move(r.user_id));
        return log;
      });
  if (!read.ok()) return std::nullopt;
  return std::move(*read);
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
  return storage::ReadValue(
      db_, [&](storage::Transaction& tx) { return storage::UserRepository(tx).Find(id); });
}

Result<std::vector<model::User>> UserService::List(std::string_view after, int limit) {
  return storage::ReadValue(db_, [&](storage::Transaction& tx) {
    return storage::UserRepository(tx).List(after, limit);
  });
}

Result<IssuedToken> UserService::RotateToken(std::string_view id) {
  if (!model::IsValidUserId(id)) return NotFound("user not found");
  std::string token = NewToken();
  std::string hash = HashToken(token);
  auto user = storage::WriteValue(db_, [&](storage::Transaction& tx) -> Result<model::User> {
    storage::UserRepository repo(tx);
    ANALYTICS_RETURN_IF_ERROR(repo.ReplaceTokenHash(id, hash, clock_.Now()));
    return repo.Find(id);
  });
  if (!user.ok()) return user.error();
  IssuedToken issued{std::move(*user), std::move(token)};
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
  // One statement: on PostgreSQL one round trip, no BEGIN/COMMIT.
  auto found = storage::ReadStatementValue(db_, [&](storage::Transaction& tx) {
    return storage::UserRepository(tx).FindByTokenHash(hash);
  });
  if (!found.ok()) return found.error();
  const std::optional<model::User>& user = *found;
  if (!user) {
    if (unknown_ != nullptr) unknown_->Insert(hash, "", unknown_->generation());
    return unauthenticated;
  }
  if (generation) tokens_->Insert(hash, user->id, *generation);
  return model::Caller{false, user->id};
}

}  // namespace analytics::users

#include "storage/user_repository.h"

namespace analytics::storage {
namespace {
// Rotations kept in token_revocation_log; older rows are pruned as new ones come.
constexpr std::int64_t kKeptRevocations = 10'000;
}  // namespace

Result<void> UserRepository::Create(const model::User& user, std::string_view token_hash) {
  auto inserted = tx_.Execute(
      "INSERT INTO users (id, created_at, token_hash, token_rotated_at) VALUES ($1, $2, $3, $2)",
      {user.id, user.created_at, std::string(token_hash)});
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::kConflict) {
      return Conflict("user '" + user.id + "' already exists");
    }
    return inserted.error();
  }
  auto aggregates = tx_.Execute("INSERT INTO user_aggregates (user_id) VALUES ($1)", {user.id});
  if (!aggregates.ok()) return aggregates.error();
  return Ok();
}

namespace {
model::User ToUser(const Row& row) { return model::User{row.Text(0), row.TimeAt(1)}; }
}  // namespace

Result<model::User> UserRepository::Find(std::string_view id) {
  auto rows = tx_.Query("SELECT id, created_at FROM users WHERE id = $1", {std::string(id)});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return NotFound("user '" + std::string(id) + "' not found");
  return ToUser(rows->front());
}

Result<std::optional<model::User>> UserRepository::FindByTokenHash(std::string_view token_hash) {
  auto rows = tx_.Query("SELECT id, created_at FROM users WHERE token_hash = $1",
                        {std::string(token_hash)});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<model::User>{};
  return std::optional<model::User>{ToUser(rows->front())};
}

Result<std::vector<model::User>> UserRepository::List(std::string_view after, int limit) {
  auto rows = tx_.Query("SELECT id, created_at FROM users WHERE id > $1 ORDER BY id LIMIT $2",
                        {std::string(after), std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<model::User> users;
  users.reserve(rows->size());
  for (const Row& row : *rows) users.push_back(ToUser(row));
  return users;
}

Result<void> UserRepository::ReplaceTokenHash(std::string_view id, std::string_view token_hash,
                                              Time now) {
  auto changed =
      tx_.Execute("UPDATE users SET token_hash = $2, token_rotated_at = $3 WHERE id = $1",
                  {std::string(id), std::string(token_hash), now});
  if (!changed.ok()) return changed.error();
  if (*changed == 0) return NotFound("user '" + std::string(id) + "' not found");
  auto counted = tx_.Execute("UPDATE token_revocations SET n = n + 1 WHERE id = 1");
  if (!counted.ok()) return counted.error();
  auto logged = tx_.Execute(
      "INSERT INTO token_revocation_log (seq, user_id, revoked_at) "
      "SELECT n, $1, $2 FROM token_revocations WHERE id = 1",
      {std::string(id), now});
  if (!logged.ok()) return logged.error();
  // Readers more than kKeptRevocations behind drop every cached token instead.
  auto pruned = tx_.Execute(
      "DELETE FROM token_revocation_log WHERE seq <= "
      "(SELECT n FROM token_revocations WHERE id = 1) - $1",
      {kKeptRevocations});
  if (!pruned.ok()) return pruned.error();
  return Ok();
}

Result<std::vector<UserRepository::Revoked>> UserRepository::RevokedAfter(std::int64_t after,
                                                                          int limit) {
  auto rows = tx_.Query(
      "SELECT seq, user_id FROM token_revocation_log WHERE seq > $1 ORDER BY seq LIMIT $2",
      {after, std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<Revoked> revoked;
  revoked.reserve(rows->size());
  for (const Row& row : *rows) revoked.push_back(Revoked{row.Int(0), row.Text(1)});
  return revoked;
}

Result<void> UserRepository::RevokeEveryToken(std::int64_t at_least, Time now) {
  // One past the larger of the two, then one more: the gap tells readers
  // that rows are missing (drop everything) even before they see the row.
  auto counted = tx_.Execute(
      "UPDATE token_revocations SET n = (CASE WHEN n > $1 THEN n ELSE $1 END) + 2 WHERE id = 1",
      {at_least});
  if (!counted.ok()) return counted.error();
  auto logged = tx_.Execute(
      "INSERT INTO token_revocation_log (seq, user_id, revoked_at) "
      "SELECT n, $1, $2 FROM token_revocations WHERE id = 1",
      {std::string(kEveryUser), now});
  if (!logged.ok()) return logged.error();
  return Ok();
}

Result<std::int64_t> UserRepository::Revocations() {
  auto rows = tx_.Query("SELECT n FROM token_revocations WHERE id = 1");
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Internal("token_revocations has no row");
  return rows->front().Int(0);
}

Result<std::int64_t> UserRepository::Count() {
  auto rows = tx_.Query("SELECT COUNT(*) FROM users");
  if (!rows.ok()) return rows.error();
  return rows->front().Int(0);
}

}  // namespace analytics::storage

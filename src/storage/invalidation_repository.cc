#include "storage/invalidation_repository.h"

namespace analytics::storage {

Result<void> InvalidationRepository::Queue(std::string_view user_id, Time now) {
  auto queued = tx_.Execute(
      "INSERT INTO pending_invalidations (user_id, queued_at) VALUES ($1, $2) "
      "ON CONFLICT (user_id) DO UPDATE SET queued_at = excluded.queued_at",
      {std::string(user_id), now});
  if (!queued.ok()) return queued.error();
  return Ok();
}

Result<std::vector<QueuedInvalidation>> InvalidationRepository::Oldest(int limit) {
  auto rows =
      tx_.Query("SELECT user_id, queued_at FROM pending_invalidations ORDER BY queued_at LIMIT $1",
                {std::int64_t{limit}});
  if (!rows.ok()) return rows.error();
  std::vector<QueuedInvalidation> queued;
  queued.reserve(rows->size());
  for (const Row& row : *rows) queued.push_back({row.Text(0), row.TimeAt(1)});
  return queued;
}

Result<void> InvalidationRepository::Forget(const QueuedInvalidation& done) {
  auto forgotten =
      tx_.Execute("DELETE FROM pending_invalidations WHERE user_id = $1 AND queued_at = $2",
                  {done.user_id, done.queued_at});
  if (!forgotten.ok()) return forgotten.error();
  return Ok();
}

}  // namespace analytics::storage

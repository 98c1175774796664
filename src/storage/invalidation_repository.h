// SQL for pending_invalidations: users whose cached stats a committed write
// could not invalidate (the shared cache was unreachable), kept in the
// database so that a crash loses none of them and any instance replays them.
// Not thread-safe; lives inside one transaction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "storage/database.h"

namespace analytics::storage {

struct QueuedInvalidation {
  std::string user_id;
  Time queued_at;
};

class InvalidationRepository {
 public:
  explicit InvalidationRepository(Transaction& tx) : tx_(tx) {}

  // Records (or re-stamps) `user_id`'s pending invalidation.
  Result<void> Queue(std::string_view user_id, Time now);
  // The oldest `limit` pending invalidations.
  Result<std::vector<QueuedInvalidation>> Oldest(int limit);
  // Removes the row if it is still the one read (not queued again since).
  Result<void> Forget(const QueuedInvalidation& done);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

// SQL for notifications: one row per message sent (or not) to a configured
// target, by an alert action or `analytics notify`. Not thread-safe; lives
// inside one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

struct NotificationRow {
  std::int64_t id = 0;
  Time at;
  std::string target;    // the action name whose target it went to
  std::string subject;   // the rule name, or the `notify` message
  std::string severity;  // P0..P3
  std::string status;    // sent, failed
  std::int64_t attempts = 0;
  std::string error;  // the last failure, "" when sent
  std::string created_by;
};

class NotificationRepository {
 public:
  explicit NotificationRepository(Transaction& tx) : tx_(tx) {}
  // Inserts `row` (its id is ignored); returns the new id.
  Result<std::int64_t> Append(const NotificationRow& row);
  // At or after `since`, newest first.
  Result<std::vector<NotificationRow>> List(Time since, int limit);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

// `analytics notify` (runbook: send_emergency_notification): one message to
// every configured target, each delivery recorded in `notifications` and logged.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "ops/notifier.h"
#include "storage/database.h"

namespace analytics::ops {

struct NotifyOutcome {
  std::string target;  // the action name (alerts.targets key)
  DeliveryResult delivery;
  bool recorded = false;  // a `notifications` row was written
};

// Sends `message` at `severity` (P0..P3) to each of `targets` (config
// alerts.targets, the same map `notifier` was built with), in name order,
// then records each delivery in `notifications` when `db` is given and
// answers: an emergency message goes out even with the database down (a row
// not written is logged, `notification_not_recorded`).
// Errors: kInvalidArgument naming "--severity" or "--message";
// kNotFound when no target is configured (nothing is sent). A failed
// delivery is not an error: see each outcome.
Result<std::vector<NotifyOutcome>> NotifyAll(const Notifier& notifier,
                                             const std::map<std::string, std::string>& targets,
                                             storage::Database* db, const Clock& clock,
                                             const std::string& message,
                                             const std::string& severity,
                                             const std::string& created_by);

}  // namespace analytics::ops

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
};

// Sends `message` at `severity` (P0..P3) to each of `targets` (config
// alerts.targets, the same map `notifier` was built with), in name order.
// Errors: kInvalidArgument naming "--severity" or "--message";
// kNotFound when no target is configured (nothing is sent); kUnavailable when
// a delivery could not be recorded. A failed delivery is not an error: see
// each outcome.
Result<std::vector<NotifyOutcome>> NotifyAll(const Notifier& notifier,
                                             const std::map<std::string, std::string>& targets,
                                             storage::Database& db, const Clock& clock,
                                             const std::string& message,
                                             const std::string& severity,
                                             const std::string& created_by);

}  // namespace analytics::ops

#include "ops/notify.h"

#include "logging/log.h"
#include "ops/incident_service.h"
#include "storage/notification_repository.h"

namespace analytics::ops {

Result<std::vector<NotifyOutcome>> NotifyAll(const Notifier& notifier,
                                             const std::map<std::string, std::string>& targets,
                                             storage::Database* db, const Clock& clock,
                                             const std::string& message,
                                             const std::string& severity,
                                             const std::string& created_by) {
  ANALYTICS_RETURN_IF_ERROR(ValidateSeverity(severity, "--severity"));
  if (message.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgument("--message", "--message must not be empty");
  }
  std::vector<std::string> names;
  for (const auto& [name, target] : targets) {
    if (notifier.HasTarget(name)) names.push_back(name);
  }
  if (names.empty()) {
    return NotFound("no notification target is configured (alerts.targets in the config)");
  }
  Notification n;
  n.severity = severity;
  n.state = "message";
  n.message = message;
  n.since = FormatTime(clock.Now());
  std::vector<NotifyOutcome> outcomes;
  for (const std::string& name : names) {
    Result<DeliveryResult> sent = notifier.Deliver(name, n);
    if (!sent.ok()) {  // the target vanished from the notifier: a failed delivery
      sent = DeliveryResult{false, 0, sent.error().message};
    }
    outcomes.push_back(NotifyOutcome{name, *sent, false});
  }
  for (NotifyOutcome& outcome : outcomes) {
    const DeliveryResult& sent = outcome.delivery;
    const std::string& name = outcome.target;
    storage::NotificationRow row{0,
                                 clock.Now(),
                                 name,
                                 message,
                                 severity,
                                 sent.delivered ? "sent" : "failed",
                                 sent.attempts,
                                 sent.error,
                                 created_by};
    if (db != nullptr) {
      auto recorded = storage::WriteStatementValue(*db, [&](storage::Transaction& tx) {
        return storage::NotificationRepository(tx).Append(row);
      });
      outcome.recorded = recorded.ok();
      if (!recorded.ok()) {
        logging::Warn("notification_not_recorded",
                      {{"target", name}, {"error", recorded.error().message}});
      }
    }
    if (sent.delivered) {
      logging::Info("notification_sent", {{"target", name},
                                          {"severity", severity},
                                          {"attempts", std::int64_t{sent.attempts}},
                                          {"by", created_by}});
    } else {
      logging::Error("notification_failed", {{"target", name},
                                             {"severity", severity},
                                             {"attempts", std::int64_t{sent.attempts}},
                                             {"error", sent.error},
                                             {"by", created_by}});
    }
  }
  return outcomes;
}

}  // namespace analytics::ops

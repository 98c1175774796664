// Delivery of alert actions and `notify` messages to configured targets
// (alerts.targets: action name -> webhook URL or command). Owned by the alerts
// work (issue 13); `analytics notify` uses it too. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "base/result.h"

namespace analytics::ops {

// What is sent: a webhook gets it as a JSON object, a command as environment
// variables (ALERT_RULE, ALERT_SEVERITY, ALERT_STATE, ALERT_VALUE, ALERT_SINCE,
// ALERT_MESSAGE) and the same JSON on stdin.
struct Notification {
  std::string rule;      // alert rule name, or "" for `notify`
  std::string severity;  // P0..P3
  std::string state;     // firing, resolved, or "message" for `notify`
  std::string message;   // human words
  double value = 0;
  std::string since;  // RFC 3339, or ""
};

struct DeliveryResult {
  bool delivered = false;
  int attempts = 0;
  std::string error;  // the last failure, when not delivered
};

class Notifier {
 public:
  // `targets` is config alerts.targets. `sleep` waits between retries (tests
  // pass one that does not sleep). A command target still running after
  // `command_timeout` is killed (with its process group) and that attempt fails.
  explicit Notifier(std::map<std::string, std::string> targets,
                    std::function<void(std::chrono::milliseconds)> sleep = {},
                    std::chrono::milliseconds command_timeout = std::chrono::seconds(10));
  // True when `action` ("Page on-call engineer", "Notify team channel", ...)
  // has a configured target.
  bool HasTarget(const std::string& action) const;
  // Sends to `action`'s target with retries and backoff; kNotFound when the
  // action has no target.
  Result<DeliveryResult> Deliver(const std::string& action, const Notification& n) const;

 private:
  std::map<std::string, std::string> targets_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  std::chrono::milliseconds command_timeout_;
};

}  // namespace analytics::ops

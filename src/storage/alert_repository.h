// SQL for alert_states, alert_events and alert_silences (migration 8): where
// each alert rule's state machine stands, its history, and its silences.
// Not thread-safe; lives inside one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/database.h"

namespace analytics::storage {

struct AlertStateRow {
  std::string rule;
  std::string state = "inactive";  // inactive, pending, firing
  std::optional<Time> since;       // when it entered pending (and so firing)
  std::optional<double> value;     // the signal's last value seen
  Time updated_at;
};

struct AlertEventRow {
  std::int64_t id = 0;
  std::string rule;
  std::string severity;
  std::string state;  // pending, firing, resolved
  std::optional<double> value;
  Time at;
  std::optional<Time> since;
  std::string delivery;  // sent, failed: <why>, incident <id>, silenced, none: <why>, or ""
};

struct AlertSilenceRow {
  std::string rule;
  Time until;
  std::string reason;
  std::string created_by;
  Time created_at;
};

class AlertRepository {
 public:
  explicit AlertRepository(Transaction& tx) : tx_(tx) {}

  // The rule's state row, created as inactive at `now` when it has none,
  // locked for the rest of the transaction when `for_update` (PostgreSQL:
  // SELECT … FOR UPDATE; SQLite's write transactions already hold the one
  // writer, so it passes false).
  Result<AlertStateRow> Lock(const std::string& rule, Time now, bool for_update);
  Result<void> Save(const AlertStateRow& row);
  // Every rule's state, by rule.
  Result<std::vector<AlertStateRow>> States();

  // Appends an event; returns its id.
  Result<std::int64_t> AddEvent(const AlertEventRow& event);
  Result<void> SetDelivery(std::int64_t event_id, const std::string& delivery);
  // The rule's newest event, if any.
  Result<std::optional<AlertEventRow>> LastEvent(const std::string& rule);
  // The newest `limit` events at or after `since`, oldest first.
  Result<std::vector<AlertEventRow>> Events(Time since, int limit);

  // The rule's silence when it lasts past `now`.
  Result<std::optional<AlertSilenceRow>> ActiveSilence(const std::string& rule, Time now);
  // Creates or replaces the rule's silence.
  Result<void> Silence(const AlertSilenceRow& silence);
  // Removes the rule's silence; false when it had none.
  Result<bool> Unsilence(const std::string& rule);
  // Silences lasting past `now`, by rule.
  Result<std::vector<AlertSilenceRow>> ActiveSilences(Time now);

 private:
  Transaction& tx_;
};

}  // namespace analytics::storage

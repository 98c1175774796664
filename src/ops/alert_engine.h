// The alert engine (SPEC §8): drives each rule's state machine, inactive →
// pending → firing → resolved (back to inactive), over the signals of one
// sample, with the state and history in the database (alert_states,
// alert_events), and runs each firing's and each resolution's action once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "ops/alert_rules.h"
#include "ops/notifier.h"
#include "storage/alert_repository.h"
#include "storage/database.h"

namespace analytics::ops {

// One state change of one rule, as recorded in alert_events.
struct AlertTransition {
  std::string rule;
  std::string severity;
  std::string state;  // pending, firing, resolved
  double value = 0;
  Time at;
  std::optional<Time> since;
  std::int64_t event_id = 0;  // 0 when the database could not be reached
  std::string delivery;       // as stored in alert_events.delivery
};

// Thread-safe: any number of engines, in one process or in several, may
// evaluate over one database at once; each transition happens once.
class AlertEngine {
 public:
  // `db`, and `notifier` must outlive the engine.
  // `max_gap`: a pending rule not evaluated for longer restarts its `for`
  // clock (no evidence that it held in between); 0 = no limit. The server
  // passes three sample intervals.
  AlertEngine(storage::Database& db, std::vector<AlertRule> rules, const Notifier& notifier,
              std::chrono::seconds max_gap = std::chrono::seconds{0});

  // Evaluates every rule whose signal is in `signals` (name -> value, in
  // the signal store's units) as of `now`, and returns the transitions this
  // call made. A rule whose signal is missing (not sampled this time, e.g.
  // cache_hit_rate with no lookups, or everything but health for `alerts
  // watch`) keeps its state and its `for` clock: absence is no evidence
  // either way. Each rule is one transaction that holds its state row's lock
  // (PostgreSQL SELECT … FOR UPDATE; SQLite's single writer), so two engines
  // on one database make each transition, and send each notification, once.
  // Actions run after the transaction commits: a process that dies between
  // the two loses that one notification (the event's delivery stays "")
  // rather than ever sending it twice. A firing that a silence muted is
  // sent when the silence ends while the rule still fires.
  //
  // While the database cannot be reached (kUnavailable), the engine goes on
  // in memory from the state it last saw, so "Database Unreachable" still
  // pages: transitions are made and actions sent, but not recorded
  // (event_id 0), silences are not known, and with several instances each
  // sends its own. Once the database answers, each such rule's state is
  // written back by its next transaction, so its resolution is sent.
  // Errors: the first rule's error other than kUnavailable; the other rules
  // are still evaluated.
  Result<std::vector<AlertTransition>> Evaluate(Time now,
                                                const std::map<std::string, double>& signals);

  const std::vector<AlertRule>& rules() const { return rules_; }

 private:
  struct Step;
  Result<std::optional<Step>> Transition(const AlertRule& rule, Time now, double value);
  std::optional<Step> TransitionOffline(const AlertRule& rule, Time now, double value);
  std::string Act(const AlertRule& rule, const AlertTransition& t);

  storage::Database& db_;
  std::vector<AlertRule> rules_;
  const Notifier& notifier_;
  bool row_locks_;  // PostgreSQL: SELECT … FOR UPDATE
  std::chrono::seconds max_gap_;
  // Each rule's state as this engine last saw or made it, and the rules it
  // moved while the database was unreachable (their state goes back into
  // alert_states with the next transaction that succeeds).
  std::mutex mu_;
  std::map<std::string, storage::AlertStateRow> local_;
  std::set<std::string> offline_;
};

// What `action` of a rule does when it has no target in alerts.targets:
// "Create ticket" opens an incident; any other action is recorded as
// "none: no target".
inline constexpr std::string_view kCreateTicket = "Create ticket";

}  // namespace analytics::ops

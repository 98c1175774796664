#include "ops/alert_engine.h"

#include <cstdio>
#include <utility>

#include "logging/log.h"
#include "storage/alert_repository.h"
#include "storage/incident_repository.h"

namespace analytics::ops {
namespace {

std::string FormatValue(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string Message(const AlertRule& rule, const AlertTransition& t) {
  return rule.name + " " + t.state + ": " + rule.condition + " (value " + FormatValue(t.value) +
         ")";
}

// The state after `row` given whether the condition holds now; "" in
// `event` when nothing worth recording happened (still inactive, still
// pending inside its `for`, still firing, or a pending that did not last).
struct Next {
  std::string state;
  std::optional<Time> since;
  std::string event;
};

Next Decide(const storage::AlertStateRow& row, const AlertCondition& c, bool holds, Time now,
            std::chrono::seconds max_gap) {
  if (!holds) {
    return {"inactive", std::nullopt, row.state == "firing" ? "resolved" : ""};
  }
  if (row.state == "pending" && max_gap.count() > 0 && now - row.updated_at > max_gap) {
    return {"pending", now, ""};  // not seen held in between: the clock starts again
  }
  if (row.state == "inactive" || !row.since) {
    const bool at_once = c.hold.count() == 0;
    return {at_once ? "firing" : "pending", now, at_once ? "firing" : "pending"};
  }
  if (row.state == "pending" && now - *row.since >= c.hold) return {"firing", row.since, "firing"};
  return {row.state, row.since, ""};
}

// True when the rule's last event is a firing a silence muted and no
// silence holds now.
Result<bool> OwedFiring(storage::AlertRepository& alerts, const std::string& rule, Time now) {
  auto last = alerts.LastEvent(rule);
  if (!last.ok()) return last.error();
  if (!*last || (*last)->state != "firing" || (*last)->delivery != "silenced") return false;
  auto silence = alerts.ActiveSilence(rule, now);
  if (!silence.ok()) return silence.error();
  return !silence->has_value();
}

}  // namespace

struct AlertEngine::Step {
  AlertTransition transition;
  bool send = false;  // the action runs after the commit
};

AlertEngine::AlertEngine(storage::Database& db, std::vector<AlertRule> rules,
                         const Notifier& notifier, std::chrono::seconds max_gap)
    : db_(db),
      rules_(std::move(rules)),
      notifier_(notifier),
      row_locks_(db.dialect().name() == "postgresql"),
      max_gap_(max_gap) {}

Result<std::optional<AlertEngine::Step>> AlertEngine::Transition(const AlertRule& rule, Time now,
                                                                 double value) {
  std::optional<Step> step;
  storage::AlertStateRow saved_row;
  Result<void> done = db_.InTransaction([&](storage::Transaction& tx) -> Result<void> {
    step.reset();  // a retried transaction starts over
    storage::AlertRepository alerts(tx);
    auto row = alerts.Lock(rule.name, now, row_locks_);
    if (!row.ok()) return row.error();
    {
      // A state this engine reached while the database was down wins.
      std::lock_guard lock(mu_);
      if (offline_.count(rule.name) != 0) *row = local_[rule.name];
    }
    Next next = Decide(*row, rule.parsed, rule.parsed.Holds(value), now, max_gap_);
    if (next.event.empty() && next.state == "firing") {
      // Still firing: a firing a silence muted is owed once the silence ends.
      auto owed = OwedFiring(alerts, rule.name, now);
      if (!owed.ok()) return owed.error();
      if (*owed) next.event = "firing";
    }
    const std::optional<Time> event_since = next.event == "resolved" ? row->since : next.since;
    saved_row = {rule.name, next.state, next.since, value, now};
    Result<void> saved = alerts.Save(saved_row);
    if (!saved.ok()) return saved;
    if (next.event.empty()) return Ok();

    Step s{{rule.name, rule.severity, next.event, value, now, event_since, 0, ""}, false};
    if (next.event != "pending") {
      auto silence = alerts.ActiveSilence(rule.name, now);
      if (!silence.ok()) return silence.error();
      if (*silence) {
        s.transition.delivery = "silenced";
      } else if (notifier_.HasTarget(rule.action)) {
        s.send = true;
      } else if (rule.action == kCreateTicket && next.event == "firing") {
        // In the transition's transaction: the incident exists exactly when
        // the firing does.
        auto incident = storage::IncidentRepository(tx).Create(
            rule.severity, rule.name, Message(rule, s.transition), now, "alert:" + rule.name);
        if (!incident.ok()) return incident.error();
        s.transition.delivery = "incident " + std::to_string(incident->id);
      } else {
        s.transition.delivery = "none: no target for '" + rule.action + "' in alerts.targets";
      }
    }
    auto id = alerts.AddEvent(
        {0, rule.name, rule.severity, next.event, value, now, event_since, s.transition.delivery});
    if (!id.ok()) return id.error();
    s.transition.event_id = *id;
    step = std::move(s);
    return Ok();
  });
  if (!done.ok()) return done.error();
  std::lock_guard lock(mu_);
  offline_.erase(rule.name);
  local_[rule.name] = saved_row;
  return step;
}

std::optional<AlertEngine::Step> AlertEngine::TransitionOffline(const AlertRule& rule, Time now,
                                                                double value) {
  std::lock_guard lock(mu_);
  storage::AlertStateRow& row = local_[rule.name];
  row.rule = rule.name;
  Next next = Decide(row, rule.parsed, rule.parsed.Holds(value), now, max_gap_);
  const std::optional<Time> event_since = next.event == "resolved" ? row.since : next.since;
  row = {rule.name, next.state, next.since, value, now};
  offline_.insert(rule.name);
  if (next.event.empty()) return std::nullopt;
  Step s{{rule.name, rule.severity, next.event, value, now, event_since, 0, ""}, false};
  if (next.event == "pending") {
    s.transition.delivery = "-";
  } else if (notifier_.HasTarget(rule.action)) {
    s.send = true;
  } else if (rule.action == kCreateTicket) {
    s.transition.delivery = "none: the database is unreachable, so no incident";
  } else {
    s.transition.delivery = "none: no target for '" + rule.action + "' in alerts.targets";
  }
  return s;
}

std::string AlertEngine::Act(const AlertRule& rule, const AlertTransition& t) {
  Notification n{rule.name,        rule.severity, t.state,
                 Message(rule, t), t.value,       t.since ? FormatTime(*t.since) : ""};
  auto result = notifier_.Deliver(rule.action, n);
  std::string error;
  if (!result.ok()) {
    error = result.error().message;
  } else if (!result->delivered) {
    error = result->error + " (after " + std::to_string(result->attempts) + " attempts)";
  }
  if (error.empty()) return "sent";
  logging::Error(
      "alert_delivery_failed",
      {{"rule", rule.name}, {"action", rule.action}, {"state", t.state}, {"error", error}});
  return "failed: " + error;
}

Result<std::vector<AlertTransition>> AlertEngine::Evaluate(
    Time now, const std::map<std::string, double>& signals) {
  std::vector<AlertTransition> transitions;
  std::optional<Error> first_error;
  for (const AlertRule& rule : rules_) {
    auto signal = signals.find(rule.parsed.signal);
    if (signal == signals.end()) continue;  // absence keeps the state (header)
    auto step = Transition(rule, now, signal->second);
    if (!step.ok() && step.error().code == ErrorCode::kUnavailable) {
      step = TransitionOffline(rule, now, signal->second);
    }
    if (!step.ok()) {
      logging::Error("alert_evaluation_failed",
                     {{"rule", rule.name}, {"error", step.error().message}});
      if (!first_error) first_error = step.error();
      continue;
    }
    if (!*step) continue;
    AlertTransition t = std::move((*step)->transition);
    if ((*step)->send) {
      t.delivery = Act(rule, t);
      if (t.event_id != 0) {
        Result<void> recorded = db_.WriteStatement([&](storage::Transaction& tx) {
          return storage::AlertRepository(tx).SetDelivery(t.event_id, t.delivery);
        });
        if (!recorded.ok() && !first_error) first_error = recorded.error();
      }
    }
    logging::Info("alert_transition", {{"rule", t.rule},
                                       {"severity", t.severity},
                                       {"state", t.state},
                                       {"value", t.value},
                                       {"delivery", t.delivery},
                                       {"recorded", t.event_id != 0}});
    transitions.push_back(std::move(t));
  }
  if (first_error) return *first_error;
  return transitions;
}

}  // namespace analytics::ops

// `alerts watch`: the server's health seen from outside it, so `API Down`
// fires even when no server process is alive to sample itself (runbook
// "API Down"; docs/alerts.md shows the systemd timer and cron lines).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"
#include "ops/alert_engine.h"
#include "storage/database.h"

namespace analytics::ops {

struct HealthProbe {
  std::string url;  // what was probed
  bool healthy = false;
  std::string detail;  // "200", "503", or why nothing answered
};

// GETs `base_url`'s /health (or `base_url` itself when it ends in /health):
// healthy exactly when it answers 200 within `timeout`.
HealthProbe ProbeHealth(const std::string& base_url, std::chrono::milliseconds timeout);

struct WatchResult {
  HealthProbe probe;
  std::vector<AlertTransition> transitions;
};

// Probes once, records `health` (1 or 0) in the signal store at `now` with
// source "watch", and evaluates `engine` on that one signal: only the rules
// on health move (API Down). Errors: the database's (kUnavailable).
Result<WatchResult> WatchOnce(const std::string& base_url, storage::Database& db,
                              AlertEngine& engine, Time now,
                              std::chrono::milliseconds timeout = std::chrono::seconds{5});

}  // namespace analytics::ops

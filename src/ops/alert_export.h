// `alerts export --format prometheus`: the alert rules as Prometheus
// alerting rules over what /metrics exposes (SPEC §8), for a site that
// alerts from Prometheus and Alertmanager instead of (or as well as) the
// server's own engine. docs/alerts.md gives the mapping.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "ops/alert_rules.h"

namespace analytics::ops {

// A Prometheus rules file (one group, "analytics") holding one alerting rule
// per rule, with the rule's `for`, a `severity` label and the runbook's
// action as an annotation. `job` is the scrape job's name, which the rules
// select on (`up{job="…"}`, process metrics). Errors: none today; kInternal
// for a signal with no PromQL form.
Result<std::string> ExportPrometheusRules(const std::vector<AlertRule>& rules,
                                          const std::string& job);

}  // namespace analytics::ops

// `analytics demo`: realistic demo data (users with two years of tasks).
#pragma once

#include <string>
#include <vector>

#include "app/app.h"

namespace analytics::app {

struct DemoOptions {
  int users = 30;
  int tasks = 6000;  // over all users, skewed: a few busy users, many light ones
  unsigned seed = 42;
};

struct DemoSummary {
  bool seeded = false;  // false when demo data was already there
  int users = 0;
  int tasks = 0;
  std::string sample_user;        // a demo user…
  std::string sample_user_token;  // …and a fresh token for it (rotated on every run)
};

// Seeds once (skips when the demo users exist), then rotates the sample
// user's token so it can be printed. Errors: kUnavailable.
Result<DemoSummary> SeedDemo(App& app, const DemoOptions& options);

}  // namespace analytics::app

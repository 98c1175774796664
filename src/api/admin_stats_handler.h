// GET /api/v1/admin/stats: the signal store's series for the dashboard.
#pragma once

#include "api/handlers.h"

namespace analytics::api {

// The most points one series of one answer may have; a smaller step is a 400.
inline constexpr std::int64_t kMaxStatsPoints = 2000;

class AdminStatsHandler {
 public:
  explicit AdminStatsHandler(Services& s) : s_(s) {}
  // Query: from, to (RFC 3339 or YYYY-MM-DD; default the last hour), step
  // (seconds or 30s/5m/1h/1d; default about 300 points), signals (comma
  // list; default all). Errors: 400 naming the parameter.
  Response Stats(Request& request, const Caller& caller);

 private:
  Services& s_;
};

}  // namespace analytics::api

#include "ops/alert_watch.h"

#include "http/client.h"
#include "storage/signal_repository.h"

namespace analytics::ops {

HealthProbe ProbeHealth(const std::string& base_url, std::chrono::milliseconds timeout) {
  constexpr std::string_view kHealth = "/health";
  std::string url = base_url;
  const bool has_path = url.size() >= kHealth.size() &&
                        url.compare(url.size() - kHealth.size(), kHealth.size(), kHealth) == 0;
  if (!has_path) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += kHealth;
  }
  http::ClientRequest request;
  request.url = url;
  request.timeout = timeout;
  auto response = http::Fetch(request);
  if (!response.ok()) return {url, false, response.error().message};
  return {url, response->status == 200, std::to_string(response->status)};
}

Result<WatchResult> WatchOnce(const std::string& base_url, storage::Database& db,
                              AlertEngine& engine, Time now, std::chrono::milliseconds timeout) {
  WatchResult result{ProbeHealth(base_url, timeout), {}};
  const double health = result.probe.healthy ? 1 : 0;
  Result<void> recorded = db.WriteStatement([&](storage::Transaction& tx) {
    return storage::SignalRepository(tx).Append(now, "watch", {{"health", health}});
  });
  if (!recorded.ok()) return recorded.error();
  auto transitions = engine.Evaluate(now, {{"health", health}});
  if (!transitions.ok()) return transitions.error();
  result.transitions = std::move(*transitions);
  return result;
}

}  // namespace analytics::ops

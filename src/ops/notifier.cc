#include "ops/notifier.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "http/client.h"
#include "ops/command_target.h"

namespace analytics::ops {
namespace {

// Three attempts, 1 s then 2 s apart (issue 13: retries with backoff).
constexpr int kAttempts = 3;
constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kWebhookTimeout{5000};

bool IsUrl(const std::string& target) {
  return target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0;
}

std::string FormatValue(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string Json(const std::string& action, const Notification& n) {
  nlohmann::json body = {{"action", action}, {"rule", n.rule},       {"severity", n.severity},
                         {"state", n.state}, {"message", n.message}, {"value", n.value},
                         {"since", n.since}};
  return body.dump();
}

Result<void> PostWebhook(const std::string& url, const std::string& json) {
  http::ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}, {"User-Agent", "analytics-notifier"}};
  request.body = json;
  request.timeout = kWebhookTimeout;
  Result<http::ClientResponse> response = http::Fetch(request);
  if (!response.ok()) return response.error();
  if (response->status < 200 || response->status > 299) {
    return Unavailable("webhook answered " + std::to_string(response->status));
  }
  return Ok();
}

}  // namespace

Notifier::Notifier(std::map<std::string, std::string> targets,
                   std::function<void(std::chrono::milliseconds)> sleep,
                   std::chrono::milliseconds command_timeout)
    : targets_(std::move(targets)), sleep_(std::move(sleep)), command_timeout_(command_timeout) {
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

bool Notifier::HasTarget(const std::string& action) const {
  auto it = targets_.find(action);
  return it != targets_.end() && !it->second.empty();
}

Result<DeliveryResult> Notifier::Deliver(const std::string& action, const Notification& n) const {
  if (!HasTarget(action)) return NotFound("no target configured for \"" + action + "\"");
  const std::string& target = targets_.at(action);
  const std::string json = Json(action, n);
  const std::vector<std::pair<std::string, std::string>> env = {
      {"ALERT_ACTION", action},
      {"ALERT_RULE", n.rule},
      {"ALERT_SEVERITY", n.severity},
      {"ALERT_STATE", n.state},
      {"ALERT_VALUE", FormatValue(n.value)},
      {"ALERT_SINCE", n.since},
      {"ALERT_MESSAGE", n.message}};

  DeliveryResult result;
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (attempt > 1) {
      sleep_(backoff);
      backoff *= 2;
    }
    result.attempts = attempt;
    Result<void> sent = IsUrl(target) ? PostWebhook(target, json)
                                      : RunCommandTarget(target, env, json, command_timeout_);
    if (sent.ok()) {
      result.delivered = true;
      result.error.clear();
      return result;
    }
    result.error = sent.error().message;
    // A URL Fetch refuses (https://, malformed) fails the same way every time.
    if (sent.error().code == ErrorCode::kInvalidArgument) break;
  }
  return result;
}

}  // namespace analytics::ops

// Why a class of its own rather than a member of Api: it needs the user
// service and the limits, and Api keeps what it has in its State (routes.cc).
// Its one-route router repeats the route table's tasks:batch entry through
// kTasksBatchRoute; api_body_limit_test fails if the two drift apart (the
// owner's large batch would get 413).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "api/handlers.h"
#include "api/rate_limiter.h"
#include "api/router.h"

namespace analytics::api {

BodyLimit::BodyLimit(users::UserService& users, RateLimiter& failed_auth,
                     const config::LimitOptions& limits)
    : users_(users),
      failed_auth_(failed_auth),
      max_body_bytes_(limits.max_body_bytes),
      max_batch_body_bytes_(limits.max_batch_body_bytes),
      batch_route_(std::make_shared<const Router>(std::vector<Route>{
          {http::Method::kPost, std::string(kTasksBatchRoute), Access::kOwner, nullptr}})) {}

std::size_t BodyLimit::operator()(const http::Request& head) const {
  http::Request request = head;  // the router fills in path_params
  const Match match = batch_route_->Find(request);
  if (match.route == nullptr) return max_body_bytes_;
  const std::string_view token = BearerToken(request);
  if (token.empty()) return max_body_bytes_;
  // Authenticated, not only CachedCaller: a token not read yet is still the
  // owner's. Any failure (unknown token, database down, the address's
  // failed_auth bucket empty) grants nothing; the request then fails as it
  // would anyway, with 413 before its body is read.
  RateDecision refused;
  Result<model::Caller> caller = AuthenticateGated(users_, failed_auth_, /*gated=*/true, token,
                                                   AddressKey(head.remote_address), refused);
  if (!caller.ok() || !caller->MayAccess(request.PathParam("uid"))) return max_body_bytes_;
  return max_batch_body_bytes_;
}

}  // namespace analytics::api

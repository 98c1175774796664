// Matches a request to a route of the table in routes.cc: path patterns with
// {name} segments, 404 for an unknown path, 405 (with Allow) for a known path
// with another method, and the route's access rule.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"
#include "model/caller.h"

namespace analytics::api {

enum class Access {
  kAnyone,  // no token needed
  kOwner,   // the user named by {uid}, or the admin
  kAdmin,   // the admin token only
};

using RouteHandler = std::function<http::Response(http::Request&, const model::Caller&)>;

struct Route {
  http::Method method;
  std::string pattern;  // "/api/v1/users/{uid}/tasks/{id}"; a segment may be "{id}:restore"-free
  Access access;
  RouteHandler handler;
  // A cached analytics read the fast path may answer on the I/O thread.
  bool fast = false;
  // Tokens of the caller's rate-limit bucket one request costs, before its
  // body's share (Api::Handle): an export reads every row of a user.
  double cost = 1;
};

struct Match {
  const Route* route = nullptr;    // null: no route; see status
  int status = http::status::kOk;  // 404 or 405 when route is null
  std::string allow;               // for 405
};

// Immutable after construction; thread-safe.
class Router {
 public:
  explicit Router(std::vector<Route> routes);
  // Fills request.path_params on a match.
  Match Find(http::Request& request) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;  // pattern segments, per route
};

}  // namespace analytics::api

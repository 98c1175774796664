#include "api/router.h"

namespace analytics::api {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  if (!path.empty() && path.front() == '/') start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// A segment pattern may be a whole parameter ("{uid}") or a parameter with a
// literal suffix ("{uid}" then "tasks:batch" is literal); only whole-segment
// parameters are supported, which is all the API needs.
bool MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (path[i].empty()) return false;
      if (params) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
  for (const Route& r : routes_) segments_.push_back(Split(r.pattern));
}

Match Router::Find(http::Request& request) const {
  std::vector<std::string> path = Split(request.path);
  Match match;
  match.status = http::status::kNotFound;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!MatchSegments(segments_[i], path, nullptr)) continue;
    http::Method method =
        request.method == http::Method::kHead ? http::Method::kGet : request.method;
    if (routes_[i].method == method) {
      MatchSegments(segments_[i], path, &request.path_params);
      match.route = &routes_[i];
      match.status = http::status::kOk;
      return match;
    }
    match.status = http::status::kMethodNotAllowed;
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += http::ToString(routes_[i].method);
  }
  return match;
}

}  // namespace analytics::api

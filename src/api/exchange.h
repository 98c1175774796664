// What api/ notes on one exchange as it goes through the pipeline. It rides in
// http::Request::context, which http/ carries without looking inside, from the
// fast path to the handler and on to Api::Complete.
#pragma once

#include <any>
#include <string>

#include "http/request.h"

namespace analytics::api {

struct Exchange {
  std::string route;          // the matched route pattern, for metrics labels; "" if none
  std::string user;           // who the caller is ("admin" or a user id), for the access log
  bool rate_charged = false;  // the fast path already drew on the rate limit
};

// The request's Exchange, made on first use.
inline Exchange& ExchangeOf(http::Request& request) {
  if (Exchange* exchange = std::any_cast<Exchange>(&request.context)) return *exchange;
  return request.context.emplace<Exchange>();
}

// The request's Exchange, or an empty one when api/ noted nothing (the
// server's own answers: 400, 408, 413, 431, shed 503s).
inline const Exchange& ExchangeOf(const http::Request& request) {
  static const Exchange kNone;
  const Exchange* exchange = std::any_cast<Exchange>(&request.context);
  return exchange != nullptr ? *exchange : kNone;
}

}  // namespace analytics::api

// access.log lines (SPEC §8): combined log format, client address first, then
// latency and request id, and a note such as RateLimitExceeded.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/time.h"
#include "http/request.h"
#include "http/response.h"

namespace analytics::api {

// 127.0.0.1 - alice [15/Jan/2024:10:00:00 +0000] "GET /path HTTP/1.1" 200 123 "-" "curl/8"
//   rt=0.000412 rid=0af3… [note]
// `user` is who the caller is ("" when unknown).
std::string FormatAccessLine(const http::Request& request, std::string_view user,
                             const http::Response& response, std::size_t body_bytes,
                             std::chrono::nanoseconds latency, Time now);

}  // namespace analytics::api

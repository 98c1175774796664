-- wrk script: overview reads for user ids drawn from the dataset's skew
-- (user K with probability ~ 1/K, see bench/dataset.sql), each with its own
-- token. Env: BENCH_USERS (number of users), BENCH_WRITE_PERCENT (0..100:
-- that share of requests create a task for the drawn user instead),
-- BENCH_FIXED_USER (read only this user id, e.g. "big", whose token is bt_<id>).
-- done() prints one JSON line that bench/bench.sh parses.
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local write_percent = tonumber(os.getenv("BENCH_WRITE_PERCENT") or "0")
local fixed_user = os.getenv("BENCH_FIXED_USER")
local log_users = math.log(users + 1)
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  writes = 0
end

local function draw()
  local k = math.floor(math.exp(math.random() * log_users))
  if k < 1 then k = 1 end
  if k > users then k = users end
  return k
end

function request()
  if fixed_user then
    return wrk.format("GET", "/api/v1/users/" .. fixed_user .. "/analytics/overview",
                      { ["Authorization"] = "Bearer bt_" .. fixed_user })
  end
  local k = draw()
  local headers = { ["Authorization"] = "Bearer bt_" .. k }
  if write_percent > 0 and math.random() * 100 < write_percent then
    writes = writes + 1
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/users/u" .. k .. "/tasks", headers,
                      '{"title":"bench write","priority":"high"}')
  end
  return wrk.format("GET", "/api/v1/users/u" .. k .. "/analytics/overview", headers)
end

function done(summary, latency, requests)
  local writes_total = 0
  for _, t in ipairs(threads) do writes_total = writes_total + (t:get("writes") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"errors":%d,"non2xx":%d,"writes":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status, writes_total))
end

-- wrk script: reads every user's overview once, in order (thread i takes
-- users i, i+T, i+2T, ...), then starts over: fills the cache the way a
-- service that has been running for a while has it. Env: BENCH_USERS,
-- BENCH_THREADS (wrk's -t).
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local stride = tonumber(os.getenv("BENCH_THREADS") or "2")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  next_user = id
end

function request()
  local k = next_user
  next_user = next_user + stride
  if next_user > users then next_user = id end
  return wrk.format("GET", "/api/v1/users/u" .. k .. "/analytics/overview",
                    { ["Authorization"] = "Bearer bt_" .. k })
end

-- wrk script: a flood of made-up bearer tokens (a new random one per request)
-- against one user's overview, paced by FLOOD_DELAY_MS per request and
-- connection (20 connections at 10 ms: about 2,000 requests a second).
-- done() prints the status counts as one JSON line for bench/flood.sh.
local delay_ms = tonumber(os.getenv("FLOOD_DELAY_MS") or "10")
local path = os.getenv("FLOOD_PATH") or "/api/v1/users/victim/analytics/overview"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + math.random(1, 1000000))
  statuses = {}
end

function delay()
  return delay_ms
end

function request()
  local token = string.format("at_%08x%08x%08x%08x", math.random(0, 0x7fffffff),
                              math.random(0, 0x7fffffff), math.random(0, 0x7fffffff),
                              math.random(0, 0x7fffffff))
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for status, n in pairs(s) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d":%d', status, n)) end
  io.write(string.format('{"requests":%d,"seconds":%.2f,"statuses":{%s}}\n', summary.requests,
                         summary.duration / 1e6, table.concat(parts, ",")))
end

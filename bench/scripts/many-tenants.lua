-- many-tenants: every request goes to another awake tenant (Host and apikey rotate), alternating
-- GET /api/health and a read of the one record each tenant holds; prints one JSON line like report.lua.
--   wrk -t2 -c100 -d20s -s bench/scripts/many-tenants.lua http://127.0.0.1:<gateway>/ -- <tenants file> <record id>
-- The tenants file has one "subdomain key" per line.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local requests = {}
local counter = 0

function init(args)
  local record = "/api/collections/posts/records/" .. args[2]
  for line in io.lines(args[1]) do
    local sub, key = line:match("^(%S+)%s+(%S+)$")
    if sub then
      local headers = {["Host"] = sub .. ".localhost", ["apikey"] = key}
      requests[#requests + 1] = wrk.format("GET", "/api/health", headers)
      requests[#requests + 1] = wrk.format("GET", record, headers)
    end
  end
  -- threads start at different tenants (id is set by setup)
  counter = (id or 0) * 7919
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

done = function(summary, latency, requests)
  local function p(q) return latency:percentile(q) end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / (summary.duration / 1e6),
    p(50), p(90), p(99), p(99.9), latency.max))
end

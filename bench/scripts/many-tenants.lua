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

-- The JSON reporter (done) is report.lua's, loaded from beside this script wherever wrk runs.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

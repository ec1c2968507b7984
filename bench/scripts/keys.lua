-- wrk script for the key-check flood: GET /api/health with an API key chosen per request, reported
-- like report.lua. Arguments after `--`: MODE HOST KEY [DELAY_MS]
--   MODE invalid: a different invalid key every request, in turn malformed, well-formed with an
--                 unknown public id, and the real public id (taken from KEY) with a wrong secret;
--   MODE valid:   KEY itself every request (the control: same load, nothing to reject).
--   DELAY_MS > 0: each connection waits that long before its next request (a paced flood).
-- Keys are a random per-thread prefix plus a counter: distinct (so no cached verdict helps) and cheap
-- to make, so wrk's own thread is not the limit.
dofile("bench/scripts/report.lua")

local mode, host, key, realId, prefix
local n = 0

local function randomChars(alphabet, count)
  local out = {}
  for i = 1, count do
    local j = math.random(#alphabet)
    out[i] = alphabet:sub(j, j)
  end
  return table.concat(out)
end

init = function(args)
  mode, host, key = args[1], args[2], args[3]
  local delayMs = tonumber(args[4] or "0")
  realId = key:sub(5, 16) -- pbk_<12-character public id>_<43-character secret>
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
  prefix = randomChars("abcdefghijklmnopqrstuvwxyz", 4)
  if delayMs > 0 then
    delay = function() return delayMs end
  end
end

local SECRET_FILLER = "AbCdEfGhIjKlMnOpQrStUvWxYz-_012" -- 31 characters + 12 below = 43

local function invalidKey()
  n = n + 1
  local distinct = prefix .. string.format("%08d", n) -- 12 characters of [a-z0-9]
  local kind = n % 3
  if kind == 0 then
    return "pbk_" .. distinct .. "!" .. SECRET_FILLER .. distinct -- 60 characters, wrong shape
  elseif kind == 1 then
    return "pbk_" .. distinct .. "_" .. SECRET_FILLER .. distinct  -- unknown public id
  else
    return "pbk_" .. realId .. "_" .. SECRET_FILLER .. distinct    -- real id, wrong secret
  end
end

request = function()
  local k = mode == "valid" and key or invalidKey()
  return wrk.format("GET", "/api/health", { ["Host"] = host, ["apikey"] = k })
end

// The token bucket as one Lua script, run atomically by the store: refill by the store's own
// clock (TIME, so nodes' clocks need not agree), then take. Two nodes asking at once are
// serialized by the store, so they cannot both spend the last token.
// KEYS[1]: the bucket. ARGV: rate (tokens/s), capacity, want, min, debt (1: take whatever the
// balance). Returns granted, balance and the wait until `min` tokens are there, as strings
// (Lua numbers would be truncated to integers on the way out).
export const TOKEN_BUCKET_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local min = tonumber(ARGV[4])
local debt = ARGV[5] == '1'
local s = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then
  tokens = cap
  at = now
end
if now > at then
  tokens = math.min(cap, tokens + (now - at) * rate / 1000)
  at = now
end
local granted = 0
local wait = 0
if debt then
  granted = want
  tokens = tokens - want
elseif tokens >= min - 1e-6 then
  granted = math.min(want, math.floor(tokens + 1e-6))
  tokens = tokens - granted
else
  wait = (min - tokens) * 1000 / rate
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
-- A full bucket is the same as none: the key lives until it would be full again.
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) * 1000 / rate) + 1000)
return {tostring(granted), tostring(tokens), tostring(wait)}
`

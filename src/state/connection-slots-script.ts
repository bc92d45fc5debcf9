// Connection counts as one Lua script, run atomically by the store: a hash per limit key holds
// each node's count with the store-clock time it expires ("count expiresAt"). The script drops the
// entries of nodes that stopped renewing (dead), sums the live others, and sets this node's count
// unless that would take the sum past `max`. Two nodes asking at once are serialized by the store,
// so they cannot both take the last slot; one key per call, so it runs on Redis Cluster too.
// KEYS[1]: the limit's hash. ARGV: node id, this node's whole count, max (-1: set it whatever the
// others hold: a release or a renewal), ttl (ms). Returns {1 set / 0 refused, the others' count}.
export const CONNECTION_SLOTS_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local node = ARGV[1]
local count = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local others = 0
local last = now + ttl
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if entries[i] ~= node then
    local n, expires = string.match(entries[i + 1], '^(%d+) (%d+)$')
    if n == nil or tonumber(expires) <= now then
      redis.call('HDEL', KEYS[1], entries[i])
    else
      others = others + tonumber(n)
      last = math.max(last, tonumber(expires))
    end
  end
end
if max >= 0 and others + count > max then
  return {0, others}
end
if count > 0 then
  redis.call('HSET', KEYS[1], node, string.format('%d %d', count, now + ttl))
else
  redis.call('HDEL', KEYS[1], node)
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIREAT', KEYS[1], last)
end
return {1, others}
`

import { LuaScript } from './lua-script.ts';

// Every multi-step operation is one script, so that no other client sees a half-done step and
// events leave in the order of the updates that made them.

/** KEYS[1] record; ARGV: ttl ms, seq field, then field/value pairs. Returns 1 when created. */
export const createRecord = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], 1)
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`);

/**
 * KEYS[1] record; ARGV: ttl ms, seq field, channel ('' for none), guard field ('' for none),
 * number of guard values, the guard values, then field/value pairs.
 * Returns {0} when missing, {1, hash} when the guard refused, {2, hash} when updated.
 */
export const updateRecord = new LuaScript(`
local key, ttl, seqField, channel, guardField = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local guards = tonumber(ARGV[5])
if redis.call('EXISTS', key) == 0 then return {0} end
if guardField ~= '' then
  local current = redis.call('HGET', key, guardField)
  local allowed = false
  if current then
    for i = 6, 5 + guards do
      if ARGV[i] == current then allowed = true break end
    end
  end
  if not allowed then return {1, redis.call('HGETALL', key)} end
end
for i = 6 + guards, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
redis.call('HINCRBY', key, seqField, 1)
redis.call('PEXPIRE', key, ttl)
local hash = redis.call('HGETALL', key)
if channel ~= '' then
  local fields, seq = {}, 0
  for i = 1, #hash, 2 do
    if hash[i] == seqField then seq = tonumber(hash[i + 1]) else fields[hash[i]] = hash[i + 1] end
  end
  -- cjson writes an empty table as {}, which is what an empty fields object must look like.
  redis.call('PUBLISH', channel, cjson.encode({fields = fields, seq = seq}))
end
return {2, hash}
`);

/** KEYS: the keys; ARGV[1] ttl ms. Returns 1 or 0 per key: whether it existed. */
export const touchKeys = new LuaScript(`
local existed = {}
for i, key in ipairs(KEYS) do existed[i] = redis.call('PEXPIRE', key, ARGV[1]) end
return existed
`);

/**
 * KEYS[1] stream; ARGV: group, consumer, ids. Resets the idle time of the ids the consumer still
 * owns (XCLAIM with min-idle 0 and JUSTID leaves the delivery count alone) and returns them. Checking
 * ownership in the same script keeps a renewal from stealing an entry another consumer reclaimed.
 */
export const renewEntries = new LuaScript(`
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local held = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if #redis.call('XPENDING', stream, group, id, id, 1, consumer) > 0 then
    if #redis.call('XCLAIM', stream, group, consumer, 0, id, 'JUSTID') > 0 then held[#held + 1] = id end
  end
end
return held
`);

/**
 * KEYS[1] stream; ARGV: group, consumer, idle ms, ids. For each id the consumer still owns: XCLAIM
 * it to itself with that idle time (so any reclaim takes it at once) and its delivery count one
 * lower (so the reclaim's increment restores it). Returns the ids released.
 */
export const releaseEntries = new LuaScript(`
local stream, group, consumer, idle = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local released = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local info = redis.call('XPENDING', stream, group, id, id, 1, consumer)
  if #info > 0 then
    local count = math.max(0, tonumber(info[1][4]) - 1)
    redis.call('XCLAIM', stream, group, consumer, 0, id, 'IDLE', idle, 'RETRYCOUNT', count, 'JUSTID')
    released[#released + 1] = id
  end
end
return released
`);

/**
 * KEYS[1] stream; ARGV: group, consumer, min idle ms, count. XAUTOCLAIM over the whole pending list
 * until count entries are claimed, each returned as {id, fields, deliveries}. Redis 7 drops
 * entries deleted from the stream from the pending list itself; Redis 6.2 returns them with nil
 * fields, and they are acknowledged here so they do not come back.
 */
export const reclaimEntries = new LuaScript(`
local stream, group, consumer, minIdle = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local wanted = tonumber(ARGV[4])
local cursor = '0-0'
local claimed = {}
repeat
  local reply = redis.call('XAUTOCLAIM', stream, group, consumer, minIdle, cursor, 'COUNT', wanted - #claimed)
  cursor = reply[1]
  for _, entry in ipairs(reply[2]) do
    local id, fields = entry[1], entry[2]
    if fields then
      local info = redis.call('XPENDING', stream, group, id, id, 1)
      claimed[#claimed + 1] = {id, fields, info[1][4]}
    else
      redis.call('XACK', stream, group, id)
    end
  end
until cursor == '0-0' or #claimed >= wanted
return claimed
`);

/**
 * KEYS[1] counter; ARGV: limit, window ms. Counts one use unless the window holds `limit` already;
 * the first use starts the window (INCR, then PEXPIRE). Returns {1 counted or 0, count, ms left}.
 */
export const takeFromWindow = new LuaScript(`
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local count = tonumber(redis.call('GET', key) or '0')
local counted = 0
if count < limit then
  count = redis.call('INCR', key)
  counted = 1
end
local left = redis.call('PTTL', key)
-- A counter without an expiry would never reset: the first use sets one.
if left < 0 then
  redis.call('PEXPIRE', key, window)
  left = window
end
return {counted, count, left}
`);

// The lease scripts keep a sorted set of member → lease end (Redis' own clock, so that instances
// with different clocks agree), drop lapsed leases first, and let the key live as long as its
// longest lease.
const leaseClock = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
`;
const leaseExpiry = `
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last > 0 then redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(last[2]))) end
`;

/** KEYS[1] lease set; ARGV: member, limit, ttl ms. Returns {1 held or 0, live leases}. */
export const acquireLease = new LuaScript(`
${leaseClock}
local member, limit, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('ZCARD', KEYS[1])
if not redis.call('ZSCORE', KEYS[1], member) then
  if held >= limit then return {0, held} end
  held = held + 1
end
redis.call('ZADD', KEYS[1], now + ttl, member)
${leaseExpiry}
return {1, held}
`);

/** KEYS[1] lease set; ARGV: ttl ms, then members. Renews the live ones; returns 1 or 0 per member. */
export const renewLeases = new LuaScript(`
${leaseClock}
local ttl = tonumber(ARGV[1])
local held = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
    held[#held + 1] = 1
  else
    held[#held + 1] = 0
  end
end
${leaseExpiry}
return held
`);

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

/**
 * The Lua scripts fleet mode runs. Each touches the keys of one shard only (one hash tag),
 * and each that changes a shard's state first checks the caller's lease: an owner that lost
 * its lease (fencing) can neither seal nor commit.
 */

/**
 * Appends a producer's chunks to a shard, once: a retry of the same append (its reply lost
 * to a dropped connection) finds its key and adds nothing.
 * KEYS: log, bytes, append key. ARGV: ttl ms, then 8 fields per chunk. Returns the backlog bytes.
 */
export const APPEND = `
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[1]) == false then
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
local total = 0
local i = 2
while i <= #ARGV do
  redis.call('XADD', KEYS[1], '*', 'd', ARGV[i], 'r', ARGV[i+1], 'g', ARGV[i+2], 'w', ARGV[i+3], 'e', ARGV[i+4], 'a', ARGV[i+5], 'n', ARGV[i+6], 'b', ARGV[i+7])
  total = total + #ARGV[i+7]
  i = i + 8
end
return redis.call('INCRBY', KEYS[2], total)
`;

/**
 * Takes a free shard: a new fencing token, and the lease for `leaseMs`.
 * KEYS: lease, epoch. ARGV: member, leaseMs. Returns the token, or -1 if another holds it.
 */
export const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
return token
`;

/** KEYS: lease. ARGV: holder (`<member> <token>`), leaseMs. Returns 1 if still held. */
export const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: lease. ARGV: holder. Lets the shard go at once (a clean stop or a rebalance). */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * Appends a seal marker: every window ending at or before ARGV[2] is closed at this point
 * of the stream. KEYS: lease, log. ARGV: holder, upTo. Returns the marker's id, or false
 * if the lease is lost.
 */
export const SEAL = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
return redis.call('XADD', KEYS[2], '*', 's', ARGV[2])
`;

/**
 * Commits delivery: moves the offset, notes delivered batches, forgets notes whose marker is
 * trimmed, trims the stream before the offset and lowers the backlog. Applies once: a commit
 * sent again after a reconnect finds the offset moved already and changes nothing.
 * KEYS: lease, offset, done, log, bytes. ARGV: holder, offset id, sealedUpTo, trimmed bytes,
 * the offset it moves from, n, then n pairs (identifier, marker id), then identifiers to
 * forget. Returns 1, or 0 if the lease is lost (nothing changed).
 */
export const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local current = redis.call('HGET', KEYS[2], 'id') or '-'
if current ~= ARGV[5] then
  if current == ARGV[2] then return 1 end
  return 0
end
redis.call('HSET', KEYS[2], 'id', ARGV[2], 'sealedUpTo', ARGV[3])
local n = tonumber(ARGV[6])
local i = 7
for _ = 1, n do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[3], ARGV[i])
  i = i + 1
end
redis.call('XTRIM', KEYS[4], 'MINID', ARGV[2])
if tonumber(ARGV[4]) > 0 then redis.call('DECRBY', KEYS[5], ARGV[4]) end
return 1
`;

/**
 * Moves a batch given up on aside: appends it to the shard's dead letters and notes it in the
 * delivered notes (so no owner that re-reads its chunks uploads or buries it again), lease
 * checked. Its bytes stay counted in the backlog: the next commit trims its chunks and lowers
 * the backlog by them, and this adds them back, so dead letters count toward maxBacklogBytes
 * until replayed and delivered. Applies once: sent again, it finds the note.
 * KEYS: lease, dead, done, bytes. ARGV: holder, identifier, marker id, bytes, then the dead
 * letter's field/value pairs. Returns 1, or 0 if the lease is lost (nothing changed).
 */
export const DEAD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then return 1 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], '*', unpack(fields))
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('INCRBY', KEYS[4], ARGV[4])
return 1
`;

/**
 * Replays one dead letter: appends its records to the shard's stream as a chunk of their
 * route and window (as a producer would) and removes the dead letter, in one step, so it is
 * replayed once. Its bytes are in the backlog already. KEYS: dead, log. ARGV: the dead
 * letter's id. Returns 1, or 0 if there is no such dead letter (replayed already).
 */
export const REPLAY = `
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return 0 end
local raw = found[1][2]
local f = {}
for i = 1, #raw, 2 do f[raw[i]] = raw[i + 1] end
redis.call('XADD', KEYS[2], '*', 'd', f.d, 'r', f.r, 'g', f.g, 'w', f.w, 'e', f.e, 'a', f.a, 'n', f.n, 'b', f.b)
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
`;

/**
 * A flusher's heartbeat (or its leave), with Redis's own clock so hosts' clocks do not
 * matter. KEYS: members. ARGV: member, ttl ms, 'join' or 'leave'. Returns the live members.
 */
export const MEMBERS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if ARGV[3] == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now, ARGV[1])
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

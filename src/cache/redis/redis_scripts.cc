#include "cache/redis/redis_scripts.h"

#include <openssl/evp.h>

#include <array>

#include "base/check.h"

namespace analytics::cache {
namespace {

// Generations and epochs are integers read with INCRBY key 0, a write-path
// lookup: unlike GET it does not move Redis' keyspace_hits/misses, so the
// runbook's hit rate (`redis-cli info stats`) counts only the cache's own GETs.
// A missing key (never set, expired, or removed by FLUSHDB or a runbook DEL)
// reads as 0 and is replaced at once, within the script, by a fresh random
// value with a TTL: a ticket taken before the key vanished can never match
// again, and no key is ever left without a TTL. Values stay below 2^53, so
// Lua's doubles hold them exactly.
constexpr std::string_view kPrelude = R"lua(
local function current(key, fresh, ttl)
  local ok, value = pcall(redis.call, 'INCRBY', key, 0)
  if ok and value ~= 0 then return value end
  redis.call('SET', key, fresh, 'EX', ttl)
  return tonumber(fresh)
end
local function bump(key, fresh, ttl)
  local ok, value = pcall(redis.call, 'INCRBY', key, 0)
  if ok and value ~= 0 then
    redis.call('INCR', key)
    redis.call('EXPIRE', key, ttl)
  else
    redis.call('SET', key, fresh, 'EX', ttl)
  end
end
)lua";

std::string Sha1Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  ANALYTICS_CHECK(EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha1(), nullptr) ==
                  1)
      << "SHA-1 failed";
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

RedisScript Make(std::string_view body) {
  RedisScript script;
  script.source.append(kPrelude).append(body);
  script.sha1 = Sha1Hex(script.source);
  return script;
}

}  // namespace

const RedisScript& BeginComputeScript() {
  static const RedisScript script = Make(R"lua(
return {current(KEYS[1], ARGV[1], ARGV[3]), current(KEYS[2], ARGV[2], ARGV[3])}
)lua");
  return script;
}

const RedisScript& PutScript() {
  static const RedisScript script = Make(R"lua(
if current(KEYS[1], ARGV[3], ARGV[5]) ~= tonumber(ARGV[1]) then return 0 end
if current(KEYS[2], ARGV[4], ARGV[5]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[7])
return 1
)lua");
  return script;
}

const RedisScript& InvalidateScript() {
  static const RedisScript script = Make(R"lua(
bump(KEYS[1], ARGV[1], ARGV[2])
redis.call('UNLINK', unpack(KEYS, 2))
return 1
)lua");
  return script;
}

const RedisScript& InvalidateAndPutScript() {
  static const RedisScript script = Make(R"lua(
local fresh = current(KEYS[1], ARGV[3], ARGV[5]) == tonumber(ARGV[1]) and
              current(KEYS[2], ARGV[4], ARGV[5]) == tonumber(ARGV[2])
bump(KEYS[2], ARGV[4], ARGV[5])
redis.call('UNLINK', unpack(KEYS, 3))
if not fresh then return 0 end
redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[7])
return 1
)lua");
  return script;
}

const RedisScript& BumpScript() {
  static const RedisScript script = Make(R"lua(
bump(KEYS[1], ARGV[1], ARGV[2])
return 1
)lua");
  return script;
}

}  // namespace analytics::cache

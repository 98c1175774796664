// The Lua scripts that make RedisCache's ticket checks atomic on the server.
#pragma once

#include <string>
#include <string_view>

namespace analytics::cache {

// A script's source and its SHA-1, for EVALSHA with an EVAL fallback.
struct RedisScript {
  std::string source;
  std::string sha1;  // lowercase hex
};

// KEYS: epoch, gen. ARGV: fresh epoch, fresh gen, meta TTL.
// Returns {epoch, gen}, creating either (with the fresh value) if missing.
const RedisScript& BeginComputeScript();
// KEYS: epoch, gen, key. ARGV: ticket epoch, ticket gen, fresh epoch, fresh gen,
// meta TTL, value, TTL. Sets key EX TTL and returns 1 only if both match.
const RedisScript& PutScript();
// KEYS: gen, then every key of the user. ARGV: fresh gen, meta TTL.
// Moves the generation on and unlinks the keys.
const RedisScript& InvalidateScript();
// KEYS: epoch, gen, key, then the user's other keys. ARGV: ticket epoch,
// ticket gen, fresh epoch, fresh gen, meta TTL, value, TTL. InvalidateScript's
// work, then sets key EX TTL (returning 1) only if the ticket matched before
// the bump.
const RedisScript& InvalidateAndPutScript();
// KEYS: epoch. ARGV: fresh epoch, meta TTL. Moves the epoch on.
const RedisScript& BumpScript();

}  // namespace analytics::cache

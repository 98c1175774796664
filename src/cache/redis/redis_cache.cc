#include "cache/redis/redis_cache.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "cache/keys.h"
#include "cache/redis/redis_scripts.h"

namespace analytics::cache {
namespace {

// Pipelined invalidations per round trip when replaying.
constexpr std::size_t kReplayChunk = 100;
// GETs in one pipeline of the fast path's batcher.
constexpr std::size_t kMaxGetBatch = 256;
// SCAN's COUNT hint during Flush.
constexpr std::string_view kScanCount = "1000";
constexpr std::chrono::milliseconds kPingInterval{1000};

// A fresh generation or epoch: random, so that one made after the key was lost
// (FLUSHDB, expiry) never equals one a ticket was taken with. Below 2^50, so
// it stays exact through Lua's doubles even after many INCRs.
std::string FreshValue() {
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::uniform_int_distribution<std::uint64_t> distribution(1, (std::uint64_t{1} << 50) - 1);
  return std::to_string(distribution(engine));
}

bool IsNumber(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RedisArgv ScriptArgv(const RedisScript& script, const std::string& key_count,
                     const std::vector<std::string_view>& keys,
                     const std::vector<std::string_view>& args) {
  RedisArgv argv{"EVALSHA", script.sha1, key_count};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

bool IsNoScript(const RedisReply& reply) {
  return reply.is_error() && reply.text.starts_with("NOSCRIPT");
}

// EVALSHA, and EVAL (which also loads it) when the server does not know the
// script: after a restart or SCRIPT FLUSH.
Result<RedisReply> RunScript(RedisConnection& connection, const RedisScript& script,
                             const std::vector<std::string_view>& keys,
                             const std::vector<std::string_view>& args) {
  const std::string key_count = std::to_string(keys.size());
  RedisArgv argv = ScriptArgv(script, key_count, keys, args);
  Result<RedisReply> reply = connection.Run(argv);
  if (!reply.ok() || !IsNoScript(*reply)) return reply;
  argv[0] = "EVAL";
  argv[1] = script.source;
  return connection.Run(argv);
}

// The overview and the five stats: every key InvalidateUser drops.
std::vector<std::string> UserKeys(std::string_view user_id) {
  std::vector<std::string> keys;
  keys.reserve(1 + kStatNames.size());
  keys.push_back(OverviewKey(user_id));
  for (std::string_view stat : kStatNames) keys.push_back(StatKey(stat, user_id));
  return keys;
}

// A ticket's "epoch:gen", or nullopt when malformed (the empty ticket of an
// unreachable Redis, say).
struct TicketParts {
  std::string_view epoch;
  std::string_view generation;
};
std::optional<TicketParts> SplitTicket(const Ticket& ticket) {
  const std::string_view text = ticket.generation;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  TicketParts parts{text.substr(0, colon), text.substr(colon + 1)};
  if (!IsNumber(parts.epoch) || !IsNumber(parts.generation)) return std::nullopt;
  return parts;
}

// Runs PutScript or InvalidateAndPutScript, which take the same ARGV: the
// ticket's epoch and generation, fresh ones for keys found missing, the meta
// TTL, the value and its TTL.
Result<RedisReply> RunTicketedPut(RedisConnection& connection, const RedisScript& script,
                                  const std::vector<std::string_view>& keys,
                                  const TicketParts& ticket, std::chrono::seconds meta_ttl,
                                  std::string_view value, std::chrono::seconds ttl) {
  const std::string fresh_epoch = FreshValue();
  const std::string fresh_generation = FreshValue();
  const std::string meta_ttl_text = std::to_string(meta_ttl.count());
  const std::string ttl_text = std::to_string(ttl.count());
  return RunScript(connection, script, keys,
                   {ticket.epoch, ticket.generation, fresh_epoch, fresh_generation, meta_ttl_text,
                    value, ttl_text});
}

}  // namespace

RedisCache::RedisCache(const RedisOptions& options)
    : options_(options),
      epoch_key_(std::string(kPrefix) + "epoch"),
      pool_(options),
      pending_(options.max_pending_invalidations),
      batcher_([this] { return Connect(); }, kMaxGetBatch) {}

RedisCache::~RedisCache() = default;

std::optional<RedisPool::Lease> RedisCache::Connect() {
  std::optional<RedisPool::Lease> lease = pool_.Acquire();
  if (!lease) return std::nullopt;
  if (!pending_.empty() && !pending_.Drain([&](const PendingInvalidations::Batch& batch) {
        return Replay(**lease, batch);
      })) {
    lease->Fail();
    return std::nullopt;
  }
  return lease;
}

std::optional<std::string> RedisCache::Get(std::string_view key) {
  if (std::optional<RedisPool::Lease> lease = Connect()) {
    Result<RedisReply> reply = (*lease)->Run({"GET", key});
    if (!reply.ok()) {
      lease->Fail();
    } else if (reply->type == RedisReply::Type::kString) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return std::move(reply->text);
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

void RedisCache::GetAsync(std::string_view key,
                          std::function<void(std::optional<std::string>)> done) {
  batcher_.Get(std::string(key), [this, done = std::move(done)](std::optional<std::string> value) {
    if (value) hits_.fetch_add(1, std::memory_order_relaxed);
    done(std::move(value));
  });
}

Ticket RedisCache::BeginCompute(std::string_view user_id) {
  // An empty generation: no Put accepts it.
  Ticket ticket{std::string(user_id), ""};
  std::optional<RedisPool::Lease> lease = Connect();
  if (!lease) return ticket;
  const std::string generation_key = GenerationKey(user_id);
  const std::string fresh_epoch = FreshValue();
  const std::string fresh_generation = FreshValue();
  const std::string meta_ttl = std::to_string(options_.meta_ttl.count());
  Result<RedisReply> reply = RunScript(**lease, BeginComputeScript(), {epoch_key_, generation_key},
                                       {fresh_epoch, fresh_generation, meta_ttl});
  if (!reply.ok()) {
    lease->Fail();
    return ticket;
  }
  const std::vector<RedisReply>& values = reply->elements;
  if (reply->type == RedisReply::Type::kArray && values.size() == 2 &&
      values[0].type == RedisReply::Type::kInteger &&
      values[1].type == RedisReply::Type::kInteger) {
    ticket.generation = std::to_string(values[0].integer) + ":" + std::to_string(values[1].integer);
  }
  return ticket;
}

void RedisCache::Put(std::string_view key, std::string_view value, std::chrono::seconds ttl,
                     const Ticket& ticket) {
  if (ttl <= std::chrono::seconds::zero()) return;
  const std::optional<TicketParts> parts = SplitTicket(ticket);
  if (!parts) return;

  std::optional<RedisPool::Lease> lease = Connect();
  if (!lease) return;
  const std::string generation_key = GenerationKey(ticket.user_id);
  Result<RedisReply> reply = RunTicketedPut(**lease, PutScript(), {epoch_key_, generation_key, key},
                                            *parts, options_.meta_ttl, value, ttl);
  // An error reply (OOM under maxmemory noeviction, say) only loses this value.
  if (!reply.ok()) lease->Fail();
}

void RedisCache::InvalidateUser(std::string_view user_id) {
  std::optional<RedisPool::Lease> lease = Connect();
  if (!lease) {
    pending_.AddUser(user_id);
    return;
  }
  const std::string generation_key = GenerationKey(user_id);
  const std::vector<std::string> user_keys = UserKeys(user_id);
  std::vector<std::string_view> keys = {generation_key};
  keys.insert(keys.end(), user_keys.begin(), user_keys.end());
  const std::string fresh_generation = FreshValue();
  const std::string meta_ttl = std::to_string(options_.meta_ttl.count());
  Result<RedisReply> reply =
      RunScript(**lease, InvalidateScript(), keys, {fresh_generation, meta_ttl});
  if (!reply.ok() || reply->is_error()) {
    // Remembered before the pool goes down, so no later call can miss it.
    pending_.AddUser(user_id);
    lease->Fail();
  }
}

void RedisCache::InvalidateUserAndPut(std::string_view user_id, const Ticket& ticket,
                                      std::string_view key, std::string_view value,
                                      std::chrono::seconds ttl) {
  const std::vector<std::string> user_keys = UserKeys(user_id);
  const std::optional<TicketParts> parts = SplitTicket(ticket);
  if (ttl <= std::chrono::seconds::zero() || !parts || ticket.user_id != user_id ||
      std::find(user_keys.begin(), user_keys.end(), key) == user_keys.end()) {
    InvalidateUser(user_id);
    return;
  }
  std::optional<RedisPool::Lease> lease = Connect();
  if (!lease) {
    pending_.AddUser(user_id);
    return;
  }
  const std::string generation_key = GenerationKey(user_id);
  std::vector<std::string_view> keys = {epoch_key_, generation_key, key};
  for (const std::string& other : user_keys) {
    if (other != key) keys.push_back(other);
  }
  Result<RedisReply> reply = RunTicketedPut(**lease, InvalidateAndPutScript(), keys, *parts,
                                            options_.meta_ttl, value, ttl);
  if (!reply.ok() || reply->is_error()) {
    pending_.AddUser(user_id);
    lease->Fail();
  }
}

void RedisCache::Flush() {
  std::optional<RedisPool::Lease> lease = Connect();
  if (!lease) {
    pending_.AddFlushAll();
    return;
  }
  if (!FlushOn(**lease)) {
    pending_.AddFlushAll();
    lease->Fail();
  }
}

bool RedisCache::FlushOn(RedisConnection& connection) {
  const std::string fresh_epoch = FreshValue();
  const std::string meta_ttl = std::to_string(options_.meta_ttl.count());
  Result<RedisReply> bumped =
      RunScript(connection, BumpScript(), {epoch_key_}, {fresh_epoch, meta_ttl});
  if (!bumped.ok() || bumped->is_error()) return false;

  // The epoch moved first, so a Put racing with the sweep is refused, and a
  // value written with a newer ticket during the sweep may be swept: a miss.
  const std::string pattern = std::string(kPrefix) + "*";
  std::string cursor = "0";
  do {
    Result<RedisReply> page =
        connection.Run({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount});
    if (!page.ok() || page->type != RedisReply::Type::kArray || page->elements.size() != 2) {
      return false;
    }
    cursor = page->elements[0].text;
    RedisArgv unlink = {"UNLINK"};
    for (const RedisReply& key : page->elements[1].elements) {
      if (key.text != epoch_key_) unlink.push_back(key.text);
    }
    if (unlink.size() > 1) {
      Result<RedisReply> unlinked = connection.Run(unlink);
      if (!unlinked.ok() || unlinked->is_error()) return false;
    }
  } while (cursor != "0" && !cursor.empty());
  return true;
}

bool RedisCache::Replay(RedisConnection& connection, const PendingInvalidations::Batch& batch) {
  if (batch.flush_all) return FlushOn(connection);
  const RedisScript& script = InvalidateScript();
  const std::string meta_ttl = std::to_string(options_.meta_ttl.count());
  const std::string key_count = std::to_string(1 + kStatNames.size());
  for (std::size_t begin = 0; begin < batch.user_ids.size(); begin += kReplayChunk) {
    const std::size_t end = std::min(batch.user_ids.size(), begin + kReplayChunk);
    // Owners of the strings that the pipelined argvs point into.
    std::vector<std::vector<std::string>> owned;
    std::vector<std::vector<std::string_view>> keys;
    std::vector<RedisArgv> commands;
    owned.reserve(end - begin);
    keys.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      std::vector<std::string>& strings = owned.emplace_back(UserKeys(batch.user_ids[i]));
      strings.push_back(GenerationKey(batch.user_ids[i]));
      strings.push_back(FreshValue());
      std::vector<std::string_view>& user_keys = keys.emplace_back();
      user_keys.push_back(strings[kStatNames.size() + 1]);  // the generation first
      for (std::size_t k = 0; k <= kStatNames.size(); ++k) user_keys.push_back(strings[k]);
      commands.push_back(ScriptArgv(script, key_count, user_keys, {strings.back(), meta_ttl}));
    }
    Result<std::vector<RedisReply>> replies = connection.RunAll(commands);
    if (!replies.ok()) return false;
    for (std::size_t i = 0; i < replies->size(); ++i) {
      const RedisReply& reply = (*replies)[i];
      if (IsNoScript(reply)) {
        Result<RedisReply> again =
            RunScript(connection, script, keys[i], {owned[i].back(), meta_ttl});
        if (!again.ok() || again->is_error()) return false;
      } else if (reply.is_error()) {
        return false;
      }
    }
  }
  return true;
}

bool RedisCache::healthy() {
  if (pool_.up() && SteadyMillis() - last_ping_ms_.load() < kPingInterval.count()) return true;
  {
    std::optional<RedisPool::Lease> lease = Connect();
    if (lease) {
      Result<RedisReply> reply = (*lease)->Run({"PING"});
      if (!reply.ok() || reply->is_error()) {
        lease->Fail();
      } else {
        last_ping_ms_.store(SteadyMillis());
      }
    }
  }  // the lease is back, so a failure shows in up()
  return pool_.up();
}

void RedisCache::RefreshServerStats() {
  std::unique_lock lock(stats_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // someone is refreshing; their numbers will do
  const auto now = std::chrono::steady_clock::now();
  if (stats_at_ && now - *stats_at_ < options_.stats_refresh) return;
  stats_at_ = now;  // also after a failure: a scrape must not pay for a dead Redis each time
  std::optional<RedisPool::Lease> lease = Connect();
  if (!lease) return;
  Result<std::vector<RedisReply>> replies =
      (*lease)->RunAll({{"INFO", "memory"}, {"INFO", "stats"}, {"DBSIZE"}});
  if (!replies.ok()) {
    lease->Fail();
    return;
  }
  const std::vector<RedisReply>& r = *replies;
  if (auto used = InfoField(r[0].text, "used_memory")) used_bytes_.store(*used);
  if (auto evicted = InfoField(r[1].text, "evicted_keys")) evictions_.store(*evicted);
  if (r[2].type == RedisReply::Type::kInteger) {
    entries_.store(static_cast<std::uint64_t>(std::max<long long>(r[2].integer, 0)));
  }
}

CacheStats RedisCache::Stats() {
  RefreshServerStats();
  CacheStats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  stats.entries = entries_.load();
  stats.evictions = evictions_.load();
  stats.used_bytes = used_bytes_.load();
  stats.healthy = pool_.up();
  return stats;
}

}  // namespace analytics::cache

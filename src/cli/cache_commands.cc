// cache stats | invalidate USER | flush | warm [--top-users N] (runbook
// "Cache Management"). Redis is worked on directly; the in-process cache
// lives in the server, so for it these commands ask the server's admin API.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "logging/log.h"
#include "model/user.h"
#include "ops/cache_admin.h"
#include "ops/doctor.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

bool IsMemory(const config::Config& config) { return config.cache.url == "memory"; }

template <typename T>
Json OrNull(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
std::string Text(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "-"; }

void PrintReport(const Context& context, const ops::CacheReport& r) {
  if (context.json) {
    std::cout << Json{{"backend", r.backend},
                      {"where", r.where},
                      {"keys", OrNull(r.keys)},
                      {"all_keys", OrNull(r.all_keys)},
                      {"used_memory_bytes", OrNull(r.used_memory)},
                      {"max_memory_bytes", OrNull(r.max_memory)},
                      {"hit_rate", OrNull(r.hit_rate)},
                      {"hits", OrNull(r.hits)},
                      {"misses", OrNull(r.misses)},
                      {"evictions", OrNull(r.evictions)},
                      {"expired", OrNull(r.expired)}}
                     .dump()
              << '\n';
    return;
  }
  char rate[32] = "-";
  if (r.hit_rate) std::snprintf(rate, sizeof rate, "%.2f%%", *r.hit_rate);
  std::string max = !r.max_memory        ? "-"
                    : *r.max_memory == 0 ? "no limit"
                                         : HumanBytes(*r.max_memory);
  PrintTable({"STAT", "VALUE"}, {{"backend", r.backend + " (" + r.where + ")"},
                                 {"keys (analytics:*)", Text(r.keys)},
                                 {"all keys (DBSIZE)", Text(r.all_keys)},
                                 {"memory used", r.used_memory ? HumanBytes(*r.used_memory) : "-"},
                                 {"memory limit", max},
                                 {"hit rate", rate},
                                 {"hits", Text(r.hits)},
                                 {"misses", Text(r.misses)},
                                 {"evictions", Text(r.evictions)},
                                 {"expired", Text(r.expired)}});
}

int CacheStats(const Context& context) {
  auto opened = Open(context, OpenOptions{{}, false, /*app=*/false});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  auto report = ops::ReadCacheReport(opened->config);
  if (!report.ok()) return Fail(report.error());
  PrintReport(context, *report);
  return kExitOk;
}

void PrintDone(const Context& context, const Json& json, const std::string& words) {
  if (context.json) {
    std::cout << json.dump() << '\n';
  } else {
    std::cout << words << '\n';
  }
}

// Invalidates one user (or, with `user` empty, flushes our keys).
int CacheInvalidate(const Context& context, const std::string& user) {
  if (!user.empty() && !model::IsValidUserId(user)) {
    return Fail(InvalidArgument("USER", "USER must be a user id (1-64 of [A-Za-z0-9_.-])"));
  }
  auto opened = Open(context, OpenOptions{{}, false, /*app=*/false});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const Json done = {{"invalidated", user.empty() ? "all" : user}};
  const std::string words =
      user.empty() ? "flushed every analytics:* key" : "invalidated the cached stats of " + user;
  if (IsMemory(opened->config)) {
    auto asked = ops::AskServer(opened->config, "POST", "/api/v1/admin/cache/invalidate",
                                user.empty() ? "" : Json{{"user_id", user}}.dump());
    if (!asked.ok()) return Fail(asked.error());
    PrintDone(context, done,
              words + " (in the server at " + ops::ServerUrl(opened->config.server) + ")");
    return kExitOk;
  }
  auto app = app::App::Build(opened->config);
  if (!app.ok()) return Fail(app.error(), Stage::kOpen);
  // Flush SCANs analytics:* and UNLINKs what it finds: never FLUSHDB, the
  // Redis may be shared.
  user.empty() ? (*app)->stats().InvalidateAllCached() : (*app)->stats().InvalidateCached(user);
  if (!(*app)->cache().healthy()) {
    return Fail(Unavailable("Redis did not answer: nothing was invalidated"));
  }
  PrintDone(context, done, words);
  return kExitOk;
}

int CacheWarm(const Context& context, int top_users) {
  if (top_users < 0) return Fail(InvalidArgument("--top-users", "--top-users must be at least 1"));
  auto opened = Open(context, OpenOptions{{}, false, /*app=*/false});
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  if (IsMemory(opened->config)) {
    Json args = Json::object();
    if (top_users > 0) args["top_users"] = top_users;
    auto asked =
        ops::AskServer(opened->config, "POST", "/api/v1/admin/jobs/cache_warming/run", args.dump());
    if (!asked.ok()) return Fail(asked.error());
    auto report = Json::parse(*asked, nullptr, false);
    const std::string summary =
        report.is_object() && report.contains("summary") && report["summary"].is_string()
            ? report["summary"].get<std::string>()
            : *asked;
    PrintDone(context, report, "cache_warming in the server: " + summary);
    return kExitOk;
  }
  auto with_logs = Open(context, OpenOptions{{}, /*logs=*/true, /*app=*/true});
  if (!with_logs.ok()) return Fail(with_logs.error(), Stage::kOpen);
  jobs::JobArgs args;
  if (top_users > 0) args.top_users = top_users;
  auto report = with_logs->app->jobs().Run("cache_warming", args);
  logging::Shutdown();
  if (!report.ok()) return Fail(report.error());
  if (!report->succeeded) return Fail(Internal("cache_warming failed: " + report->error));
  PrintDone(
      context,
      Json{{"run_id", report->run_id},
           {"job", "cache_warming"},
           {"status", "succeeded"},
           {"rows", report->result.rows},
           {"summary", report->result.summary}},
      "cache_warming: " + report->result.summary + " (run " + std::to_string(report->run_id) + ")");
  return kExitOk;
}

}  // namespace

void AddCacheCommands(CLI::App& cli, Context& context) {
  auto* cache = cli.add_subcommand("cache", "inspect and manage the analytics cache");
  cache->require_subcommand(1);
  cache->add_subcommand("stats", "keys, memory, hit rate, evictions")->callback([&context] {
    context.code = CacheStats(context);
  });
  auto user = std::make_shared<std::string>();
  auto* invalidate = cache->add_subcommand("invalidate", "drop one user's cached stats");
  invalidate->add_option("USER", *user, "user id")->required();
  invalidate->callback([&context, user] { context.code = CacheInvalidate(context, *user); });
  cache->add_subcommand("flush", "drop every analytics:* key (never FLUSHDB)")
      ->callback([&context] { context.code = CacheInvalidate(context, ""); });
  auto top_users = std::make_shared<int>(0);
  auto* warm = cache->add_subcommand("warm", "run the cache_warming job now");
  warm->add_option("--top-users", *top_users, "warm at most N most active users");
  warm->callback([&context, top_users] { context.code = CacheWarm(context, *top_users); });
}

}  // namespace analytics::cli

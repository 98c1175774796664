// tasks undelete --user U --since T [--until T] [--dry-run] (runbook
// "Recovering accidental deletions", step 2): restores, from audit_log, the
// user's tasks deleted in the window, through TaskService::Undelete (each
// restore audited in the same transaction). No backup is involved.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/relative_time.h"
#include "cli/command.h"
#include "model/user.h"
#include "ops/cache_admin.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

struct UndeleteArgs {
  std::string user;
  std::string since;
  std::string until;  // empty: now
  bool dry_run = false;
};

struct Window {
  Time since;
  Time until;
};

// Checks the flags before anything is opened: a usage error names its flag.
Result<Window> CheckUndeleteArgs(const UndeleteArgs& args, Time now) {
  if (!model::IsValidUserId(args.user)) {
    return InvalidArgument("--user", "--user must be a user id (1-64 of [A-Za-z0-9_.-])");
  }
  auto since = ParseSinceOrError(args.since, now, "--since");
  if (!since.ok()) return since.error();
  Time until = now;
  if (!args.until.empty()) {
    auto parsed = ParseSinceOrError(args.until, now, "--until");
    if (!parsed.ok()) return parsed.error();
    until = *parsed;
  }
  if (until <= *since) return InvalidArgument("--until", "--until must be after --since");
  return Window{*since, until};
}

// Names this run in the RESTORE rows' request_id, so `audit list` shows
// which rows one undelete wrote.
std::string RunId(Time now) {
  std::string stamp = FormatTime(now);
  std::string compact;
  for (char c : stamp.substr(0, 19)) {
    if (c != '-' && c != ':') compact += c;
  }
  return "undelete-" + compact + "Z-" + std::to_string(::getpid());
}

void Print(const Context& context, const UndeleteArgs& args, const Window& window,
           const std::string& request_id, const std::vector<tasks::UndeletedTask>& undone) {
  if (context.json) {
    Json rows = Json::array();
    for (const auto& u : undone) {
      rows.push_back(Json{
          {"id", u.task.id}, {"title", u.task.title}, {"deleted_at", FormatTime(u.deleted_at)}});
    }
    std::cout << Json{{"user_id", args.user},
                      {"since", FormatTime(window.since)},
                      {"until", FormatTime(window.until)},
                      {"dry_run", args.dry_run},
                      {"request_id", args.dry_run ? Json(nullptr) : Json(request_id)},
                      {"count", undone.size()},
                      {"tasks", rows}}
                     .dump()
              << '\n';
    return;
  }
  if (undone.empty()) {
    std::cout << "nothing to undelete for " << args.user << " between " << FormatTime(window.since)
              << " and " << FormatTime(window.until) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& u : undone) {
    table.push_back({std::to_string(u.task.id), u.task.title, FormatTime(u.deleted_at)});
  }
  PrintTable({"ID", "TITLE", "DELETED_AT"}, table);
  std::cout << (args.dry_run ? "would restore " : "restored ") << undone.size() << " task"
            << (undone.size() == 1 ? "" : "s") << " of " << args.user
            << (args.dry_run ? " (dry run: nothing changed)" : " (request_id " + request_id + ")")
            << '\n';
}

// The in-process cache lives in the server: ask it to drop the user's
// numbers. Redis was invalidated by the restore itself.
void InvalidateServerCache(const config::Config& config, const std::string& user) {
  if (config.cache.url != "memory") return;
  auto asked = ops::AskServer(config, "POST", "/api/v1/admin/cache/invalidate",
                              Json{{"user_id", user}}.dump());
  if (asked.ok()) return;
  std::cerr << "analytics: warning: the tasks are restored, but " << asked.error().message
            << "; a running server may serve " << user
            << "'s old numbers until cache.ttl_overview passes (`analytics cache invalidate "
            << user << "` once it answers)\n";
}

int Undelete(const Context& context, const UndeleteArgs& args) {
  const Time now = SystemClock().Now();
  auto window = CheckUndeleteArgs(args, now);
  if (!window.ok()) return Fail(window.error());
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  const std::string request_id = RunId(now);
  tasks::WriteContext ctx{model::Caller{true, {}}, request_id, "cli:" + OperatorName()};
  auto undone =
      opened->app->tasks().Undelete(ctx, args.user, window->since, window->until, args.dry_run);
  if (!undone.ok()) {
    Error error = undone.error();
    if (!error.field.empty()) error.field = "--" + error.field;
    return Fail(error);
  }
  // Before printing: a reader that stops early (`| head`) must not stop the
  // invalidation with SIGPIPE.
  if (!args.dry_run && !undone->empty()) InvalidateServerCache(opened->config, args.user);
  Print(context, args, *window, request_id, *undone);
  return kExitOk;
}

}  // namespace

void AddTasksCommands(CLI::App& cli, Context& context) {
  auto args = std::make_shared<UndeleteArgs>();
  auto* tasks = cli.add_subcommand("tasks", "operator's task tools");
  tasks->require_subcommand(1);
  auto* undelete = tasks->add_subcommand(
      "undelete", "restore a user's tasks deleted in a window, from the audit log");
  undelete->add_option("--user", args->user, "whose tasks")->required();
  undelete->add_option("--since", args->since, "window start: \"1 hour ago\", \"2h\" or a time")
      ->required();
  undelete->add_option("--until", args->until, "window end, exclusive (default now)");
  undelete->add_flag("--dry-run", args->dry_run, "list what would be restored; change nothing");
  undelete->callback([&context, args] { context.code = Undelete(context, *args); });
}

}  // namespace analytics::cli

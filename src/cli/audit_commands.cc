// audit list [--action A] [--user U] [--since T] [--limit N] (runbook
// "Recovering accidental deletions", step 1): audit_log, newest first, as a
// table with a one-line summary of each change, or --json with the stored
// before/after objects.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/relative_time.h"
#include "cli/command.h"
#include "model/user.h"
#include "storage/audit_repository.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 10'000;
constexpr std::size_t kSummaryTitleChars = 40;
constexpr const char* kActions[] = {"CREATE", "UPDATE", "DELETE", "RESTORE"};

struct ListArgs {
  std::string action;
  std::string user;
  std::string since = "24 hours ago";
  int limit = kDefaultLimit;
};

// A stored before/after as an object; null when absent, the text itself when
// it is not JSON (a row written by hand).
Json Parsed(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  Json json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return json.is_discarded() ? Json(*text) : json;
}

std::string Field(const Json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) return "";
  const Json& v = object[name];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "null" : v.dump();
}

// The task's title, and for an UPDATE what changed ("status todo->done").
std::string Summary(const storage::AuditEntry& e) {
  const Json before = Parsed(e.before);
  const Json after = Parsed(e.after);
  std::string title = Field(after.is_object() ? after : before, "title");
  if (title.size() > kSummaryTitleChars) title = title.substr(0, kSummaryTitleChars - 3) + "...";
  std::string summary = title.empty() ? "-" : "\"" + title + "\"";
  if (e.action != "UPDATE" || !before.is_object() || !after.is_object()) return summary;
  std::string changes;
  for (const char* name : {"title", "status", "priority", "due_at"}) {
    std::string from = Field(before, name);
    std::string to = Field(after, name);
    if (from == to) continue;
    changes += (changes.empty() ? "" : ", ") + std::string(name);
    if (std::string_view(name) != "title") changes += " " + from + "->" + to;
  }
  return changes.empty() ? summary : summary + " (" + changes + ")";
}

Json EntryJson(const storage::AuditEntry& e) {
  return Json{{"id", e.id},
              {"timestamp", FormatTime(e.timestamp)},
              {"actor", e.actor},
              {"user_id", e.user_id},
              {"action", e.action},
              {"entity", e.entity},
              {"entity_id", e.entity_id},
              {"request_id", e.request_id},
              {"before", Parsed(e.before)},
              {"after", Parsed(e.after)}};
}

void Print(const Context& context, const std::vector<storage::AuditEntry>& entries) {
  if (context.json) {
    Json rows = Json::array();
    for (const auto& e : entries) rows.push_back(EntryJson(e));
    std::cout << rows.dump() << '\n';
    return;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& e : entries) {
    table.push_back({std::to_string(e.id), FormatTime(e.timestamp), e.actor, e.user_id, e.action,
                     e.entity, e.entity_id, e.request_id.empty() ? "-" : e.request_id, Summary(e)});
  }
  PrintTable({"ID", "TIMESTAMP", "ACTOR", "USER", "ACTION", "ENTITY", "ENTITY_ID", "REQUEST_ID",
              "SUMMARY"},
             table);
}

// Checks the flags before anything is opened: a usage error names its flag.
Result<Time> CheckListArgs(ListArgs& args, Time now) {
  std::transform(args.action.begin(), args.action.end(), args.action.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!args.action.empty() &&
      std::find(std::begin(kActions), std::end(kActions), args.action) == std::end(kActions)) {
    return InvalidArgument("--action", "--action must be CREATE, UPDATE, DELETE or RESTORE");
  }
  if (!args.user.empty() && !model::IsValidUserId(args.user)) {
    return InvalidArgument("--user", "--user must be a user id (1-64 of [A-Za-z0-9_.-])");
  }
  if (args.limit < 1 || args.limit > kMaxLimit) {
    return InvalidArgument("--limit", "--limit must be 1-10000");
  }
  return ParseSinceOrError(args.since, now, "--since");
}

int AuditList(const Context& context, ListArgs args) {
  auto since = CheckListArgs(args, SystemClock().Now());
  if (!since.ok()) return Fail(since.error());
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  // One row more than asked says whether the list is cut short.
  auto entries = storage::ReadValue(opened->app->db(), [&](storage::Transaction& tx) {
    return storage::AuditRepository(tx).List(args.action, args.user, *since, args.limit + 1);
  });
  if (!entries.ok()) return Fail(entries.error());
  const bool more = entries->size() > static_cast<std::size_t>(args.limit);
  if (more) entries->pop_back();
  Print(context, *entries);
  if (more) {
    std::cerr << "analytics: more than " << args.limit
              << " rows; narrow with --since, --action, --user or raise --limit\n";
  } else if (entries->empty() && !context.json) {
    std::cerr << "analytics: no audit rows since " << FormatTime(*since) << '\n';
  }
  return kExitOk;
}

}  // namespace

void AddAuditCommands(CLI::App& cli, Context& context) {
  auto args = std::make_shared<ListArgs>();
  auto* audit = cli.add_subcommand("audit", "read the audit log of task writes");
  audit->require_subcommand(1);
  auto* list = audit->add_subcommand("list", "audit_log rows, newest first");
  list->add_option("--action", args->action, "CREATE, UPDATE, DELETE or RESTORE (default all)");
  list->add_option("--user", args->user, "only this user's tasks (default all users)");
  list->add_option("--since", args->since,
                   "\"1 hour ago\", \"2h\", \"today\" or a time (default \"24 hours ago\")");
  list->add_option("--limit", args->limit, "at most N rows, 1-10000 (default 100)");
  list->callback([&context, args] { context.code = AuditList(context, *args); });
}

}  // namespace analytics::cli

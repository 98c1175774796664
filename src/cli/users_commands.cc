// users create | list | rotate-token: the users and their tokens.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

int UsersCreate(const Context& context, const std::string& id, bool rotate) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  users::UserService& users = opened->app->users();
  auto issued = rotate ? users.RotateToken(id) : users.Create(id);
  if (!issued.ok()) return Fail(issued.error());
  if (context.json) {
    std::cout << Json{{"id", issued->user.id},
                      {"created_at", FormatTime(issued->user.created_at)},
                      {"token", issued->token}}
                     .dump()
              << '\n';
  } else {
    PrintTable({"ID", "CREATED_AT", "TOKEN"},
               {{issued->user.id, FormatTime(issued->user.created_at), issued->token}});
    std::cerr << "Keep the token: it is stored only as a hash and cannot be shown again.\n";
  }
  return kExitOk;
}

int UsersList(const Context& context) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  std::vector<model::User> all;
  std::string after;
  constexpr int kPage = 1000;
  while (true) {
    auto page = opened->app->users().List(after, kPage);
    if (!page.ok()) return Fail(page.error());
    all.insert(all.end(), page->begin(), page->end());
    if (static_cast<int>(page->size()) < kPage) break;
    after = page->back().id;
  }
  if (context.json) {
    Json list = Json::array();
    for (const auto& u : all) {
      list.push_back(Json{{"id", u.id}, {"created_at", FormatTime(u.created_at)}});
    }
    std::cout << list.dump() << '\n';
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : all) rows.push_back({u.id, FormatTime(u.created_at)});
    PrintTable({"ID", "CREATED_AT"}, rows);
  }
  return kExitOk;
}

}  // namespace

void AddUsersCommands(CLI::App& cli, Context& context) {
  auto* users = cli.add_subcommand("users", "manage users and their tokens");
  users->require_subcommand(1);
  auto user_id = std::make_shared<std::string>();
  auto* create = users->add_subcommand("create", "create a user and print its token");
  create->add_option("ID", *user_id, "user id: 1-64 of [A-Za-z0-9_.-]")->required();
  create->callback([&context, user_id] { context.code = UsersCreate(context, *user_id, false); });
  auto* list = users->add_subcommand("list", "list users");
  list->callback([&context] { context.code = UsersList(context); });
  auto* rotate = users->add_subcommand("rotate-token", "replace a user's token; print the new one");
  rotate->add_option("ID", *user_id, "user id")->required();
  rotate->callback([&context, user_id] { context.code = UsersCreate(context, *user_id, true); });
}

}  // namespace analytics::cli

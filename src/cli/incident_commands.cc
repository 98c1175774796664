// incident create | list | resolve (runbook "Incident Response"): stored with
// who did it ($USER) and when.
#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "ops/incident_service.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string OrDash(const std::optional<std::string>& s) { return s && !s->empty() ? *s : "-"; }

void PrintIncidents(const std::vector<storage::IncidentRow>& rows) {
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    table.push_back({std::to_string(r.id), r.severity, r.status, FormatTime(r.created_at),
                     r.created_by, r.resolved_at ? FormatTime(*r.resolved_at) : "-",
                     OrDash(r.resolved_by), r.title});
  }
  PrintTable({"ID", "SEVERITY", "STATUS", "CREATED_AT", "CREATED_BY", "RESOLVED_AT", "RESOLVED_BY",
              "TITLE"},
             table);
}

void PrintIncident(const Context& context, const storage::IncidentRow& row) {
  if (context.json) {
    std::cout << ops::IncidentJson(row) << '\n';
  } else {
    PrintIncidents({row});
  }
}

struct CreateArgs {
  ops::NewIncident incident;
  bool open_only = false;
  std::string id;
  std::string note;
};

int IncidentCreate(const Context& context, const ops::NewIncident& incident) {
  // Checked before anything opens: a usage error names the flag.
  if (auto valid = ops::ValidateSeverity(incident.severity, "--severity"); !valid.ok()) {
    return Fail(valid.error());
  }
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  ops::IncidentService incidents(opened->app->db(), opened->app->clock());
  auto made = incidents.Create(incident, OperatorName());
  if (!made.ok()) {
    Error error = made.error();
    if (!error.field.empty()) error.field = "--" + error.field;
    return Fail(error);
  }
  PrintIncident(context, *made);
  return kExitOk;
}

int IncidentList(const Context& context, bool open_only) {
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  ops::IncidentService incidents(opened->app->db(), opened->app->clock());
  auto rows = incidents.List(open_only, ops::kMaxIncidentList);
  if (!rows.ok()) return Fail(rows.error());
  if (context.json) {
    std::cout << ops::IncidentsJson(*rows) << '\n';
  } else {
    PrintIncidents(*rows);
  }
  return kExitOk;
}

int IncidentResolve(const Context& context, const std::string& id_text, const std::string& note) {
  std::int64_t id = 0;
  const char* end = id_text.data() + id_text.size();
  auto [at, ec] = std::from_chars(id_text.data(), end, id);
  if (ec != std::errc() || at != end || id < 1) {
    return Fail(InvalidArgument("ID", "ID must be a positive incident id (got '" + id_text + "')"));
  }
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  ops::IncidentService incidents(opened->app->db(), opened->app->clock());
  auto resolved = incidents.Resolve(id, OperatorName(), note);
  if (!resolved.ok()) return Fail(resolved.error());
  PrintIncident(context, *resolved);
  return kExitOk;
}

}  // namespace

void AddIncidentCommands(CLI::App& cli, Context& context) {
  auto args = std::make_shared<CreateArgs>();
  auto* incident = cli.add_subcommand("incident", "declare, list and resolve incidents");
  incident->require_subcommand(1);
  auto* create = incident->add_subcommand("create", "open an incident");
  create->add_option("--severity", args->incident.severity, "P0, P1, P2 or P3")->required();
  create->add_option("--title", args->incident.title, "what is wrong")->required();
  create->add_option("--description", args->incident.description, "more detail");
  create->callback([&context, args] { context.code = IncidentCreate(context, args->incident); });
  auto* list = incident->add_subcommand("list", "list incidents, newest first");
  list->add_flag("--open", args->open_only, "only incidents not yet resolved");
  list->callback([&context, args] { context.code = IncidentList(context, args->open_only); });
  auto* resolve = incident->add_subcommand("resolve", "mark an incident resolved");
  resolve->add_option("ID", args->id, "incident id")->required();
  resolve->add_option("--note", args->note, "how it was resolved");
  resolve->callback(
      [&context, args] { context.code = IncidentResolve(context, args->id, args->note); });
}

}  // namespace analytics::cli

// anomalies [--date D] (runbook "Check for Anomalies"): exit 1 naming each
// finding, 0 when the stored analytics agree with the tasks.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "ops/anomalies.h"

namespace analytics::cli {
namespace {

using Json = nlohmann::ordered_json;

int Anomalies(const Context& context, const std::string& date_text) {
  std::optional<Day> date;
  if (!date_text.empty()) {
    date = ParseDay(date_text);
    if (!date) return Fail(InvalidArgument("--date", "--date must be a date YYYY-MM-DD"));
  }
  auto opened = Open(context);
  if (!opened.ok()) return Fail(opened.error(), Stage::kOpen);
  // The runbook checks yesterday's rows: daily_aggregation has run for it.
  const Day day = date.value_or(DayOf(opened->app->clock().Now()) - std::chrono::days{1});
  auto report = ops::FindAnomalies(opened->app->db(), day);
  if (!report.ok()) return Fail(report.error());
  if (context.json) {
    Json findings = Json::array();
    for (const auto& f : report->findings) {
      findings.push_back(Json{{"kind", f.kind}, {"user_id", f.user_id}, {"detail", f.detail}});
    }
    std::cout << Json{{"date", FormatDay(day)},
                      {"clean", report->findings.empty()},
                      {"truncated", report->truncated},
                      {"findings", findings}}
                     .dump()
              << '\n';
  } else if (report->findings.empty()) {
    std::cout << "no anomalies on " << FormatDay(day) << '\n';
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : report->findings) rows.push_back({f.kind, f.user_id, f.detail});
    PrintTable({"ANOMALY", "USER", "DETAIL"}, rows);
  }
  if (report->findings.empty()) return kExitOk;
  std::cerr << "analytics: " << report->findings.size() << " anomal"
            << (report->findings.size() == 1 ? "y" : "ies") << " on " << FormatDay(day)
            << (report->truncated ? " (more not listed)" : "") << '\n';
  return kExitCheckFailed;
}

}  // namespace

void AddAnomaliesCommand(CLI::App& cli, Context& context) {
  auto date = std::make_shared<std::string>();
  auto* anomalies =
      cli.add_subcommand("anomalies", "check the stored analytics against the tasks (exit 1)");
  anomalies->add_option("--date", *date, "the day to check, YYYY-MM-DD (default yesterday, UTC)");
  anomalies->callback([&context, date] { context.code = Anomalies(context, *date); });
}

}  // namespace analytics::cli

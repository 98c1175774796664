// Streamed exports (SPEC §4): one page of rows per chunk, each page its own
// short read, so memory stays flat and no connection is held while the client
// reads slowly.
#include <algorithm>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/daily_json.h"
#include "api/handlers.h"
#include "model/task_json.h"

namespace analytics::api {
namespace {

constexpr int kPageRows = tasks::kExportPageSize;

// A cell a spreadsheet would read as a formula: =, +, - or @ first, or a tab
// or CR (which some spreadsheets skip before such a character).
bool StartsLikeFormula(std::string_view field) {
  return !field.empty() && (field[0] == '=' || field[0] == '+' || field[0] == '-' ||
                            field[0] == '@' || field[0] == '\t' || field[0] == '\r');
}

// RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes.
// A field that starts like a formula gets a leading ' inside quotes (OWASP's
// CSV injection rule), so `=HYPERLINK(…)` in a title opens as text in the
// admin's spreadsheet; the NDJSON export keeps every value verbatim.
void AppendCsvField(std::string& out, std::string_view field) {
  const auto special = [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; };
  const bool formula = StartsLikeFormula(field);
  if (!formula && std::none_of(field.begin(), field.end(), special)) {
    out += field;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendCsvRow(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view f : fields) {
    if (!first) out += ',';
    first = false;
    AppendCsvField(out, f);
  }
  out += "\r\n";
}

void AppendOptTime(std::string& out, const std::optional<Time>& t) {
  if (t) AppendTime(out, *t);
}

// Only the user id and the title can hold characters that need quoting; the
// other fields are written straight into `out` (an export writes millions).
void AppendTaskCsv(std::string& out, const model::Task& t) {
  char id[24];
  out.append(id, std::to_chars(id, id + sizeof id, t.id).ptr);
  out += ',';
  AppendCsvField(out, t.user_id);
  out += ',';
  AppendCsvField(out, t.title);
  out += ',';
  out += model::ToString(t.status);
  out += ',';
  out += model::ToString(t.priority);
  out += ',';
  AppendOptTime(out, t.due_at);
  out += ',';
  AppendTime(out, t.created_at);
  out += ',';
  AppendTime(out, t.updated_at);
  out += ',';
  AppendOptTime(out, t.completed_at);
  out += t.deleted ? ",true," : ",false,";
  AppendOptTime(out, t.deleted_at);
  out += "\r\n";
}

std::string Number(double v) {
  nlohmann::json j = v;
  return j.dump();
}

void AppendDaily(std::string& out, const model::DailyStats& d, bool csv) {
  if (csv) {
    AppendCsvRow(out, {d.user_id, FormatDay(d.date), std::to_string(d.tasks_created),
                       std::to_string(d.tasks_completed), std::to_string(d.total_tasks),
                       std::to_string(d.completed_tasks), Number(d.completion_rate),
                       Number(d.productivity_score), FormatTime(d.computed_at)});
    return;
  }
  nlohmann::ordered_json j{{"user_id", d.user_id}};
  j.update(DailyJson(d));
  out += j.dump();
  out += '\n';
}

struct ExportCursor {
  storage::TaskFilter filter;
  Day daily_from;
  Day daily_to;  // exclusive
  bool header_done = false;
  bool finished = false;
};

// The tasks, one page of kPageRows per chunk, in id order.
http::ChunkSource TaskPages(std::shared_ptr<ExportCursor> cursor, bool csv, Services& s) {
  return [cursor = std::move(cursor), csv, &s](std::string& out) -> Result<bool> {
    if (csv && !cursor->header_done) {
      out +=
          "id,user_id,title,status,priority,due_at,created_at,updated_at,completed_at,"
          "deleted,deleted_at\r\n";
    }
    cursor->header_done = true;
    if (cursor->finished) return false;
    auto page = s.tasks.List(cursor->filter);
    if (!page.ok()) return page.error();
    for (const auto& t : *page) {
      if (csv) {
        AppendTaskCsv(out, t);
      } else {
        model::AppendJson(out, t);
        out += '\n';
      }
    }
    if (static_cast<int>(page->size()) < cursor->filter.limit) {
      cursor->finished = true;
      return false;
    }
    cursor->filter.after_id = page->back().id;
    return true;
  };
}

// The daily rows, one year of days per chunk.
http::ChunkSource DailyPages(std::shared_ptr<ExportCursor> cursor, bool csv, Services& s) {
  return [cursor = std::move(cursor), csv, &s](std::string& out) -> Result<bool> {
    if (csv && !cursor->header_done) {
      out +=
          "user_id,date,tasks_created,tasks_completed,total_tasks,completed_tasks,"
          "completion_rate,productivity_score,computed_at\r\n";
    }
    cursor->header_done = true;
    if (cursor->daily_from >= cursor->daily_to) return false;
    // One year of days per chunk: at most 366 rows.
    Day until = std::min(cursor->daily_to, cursor->daily_from + std::chrono::days{366});
    auto rows =
        s.stats.Daily(cursor->filter.user_id, cursor->daily_from, until - std::chrono::days{1});
    if (!rows.ok()) return rows.error();
    for (const auto& d : *rows) AppendDaily(out, d, csv);
    cursor->daily_from = until;
    return cursor->daily_from < cursor->daily_to;
  };
}

}  // namespace

Response ExportHandler::Export(Request& request, const Caller&) {
  std::string dataset = request.QueryParam("dataset").value_or("tasks");
  std::string format = request.QueryParam("format").value_or("csv");
  if (dataset != "tasks" && dataset != "daily") {
    return Problem(InvalidArgument("dataset", "dataset must be tasks or daily"));
  }
  if (format != "csv" && format != "ndjson") {
    return Problem(InvalidArgument("format", "format must be csv or ndjson"));
  }
  std::string uid(request.PathParam("uid"));
  auto user = s_.users.Get(uid);
  if (!user.ok()) return Problem(user.error());

  auto cursor = std::make_shared<ExportCursor>();
  cursor->filter.user_id = uid;
  cursor->filter.limit = kPageRows;
  auto include_deleted = BoolParam(request, "include_deleted", false);
  if (!include_deleted.ok()) return Problem(include_deleted.error());
  cursor->filter.include_deleted = *include_deleted;

  Day today = DayOf(s_.clock.Now());
  Day far_past = DayOf(Time{});
  auto from =
      DayParam(request, "from", dataset == "daily" ? today - std::chrono::days{365} : far_past);
  if (!from.ok()) return Problem(from.error());
  auto to = DayParam(request, "to", today);
  if (!to.ok()) return Problem(to.error());
  if (*from > *to) return Problem(InvalidArgument("from", "from must not be after to"));
  if (dataset == "daily" && (*to - *from).count() > stats::kMaxRangeDays) {
    return Problem(InvalidArgument("to", "the range from..to must not exceed 10 years"));
  }
  if (request.QueryParam("from")) cursor->filter.created_from = Time{*from};
  if (request.QueryParam("to")) cursor->filter.created_to = Time{*to + std::chrono::days{1}};
  cursor->daily_from = *from;
  cursor->daily_to = *to + std::chrono::days{1};
  s_.metrics.CountExport(format);

  bool csv = format == "csv";
  Response response;
  response.content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
  response.SetHeader("Content-Disposition", "attachment; filename=\"" + dataset + "-" + uid +
                                                (csv ? ".csv\"" : ".ndjson\""));
  response.stream = dataset == "tasks" ? TaskPages(std::move(cursor), csv, s_)
                                       : DailyPages(std::move(cursor), csv, s_);
  return response;
}

}  // namespace analytics::api

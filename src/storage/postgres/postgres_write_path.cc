#include "storage/postgres/postgres_write_path.h"

#include <algorithm>
#include <charconv>

#include "base/check.h"
#include "model/task_json.h"
#include "storage/audit_repository.h"
#include "storage/postgres/postgres_connection.h"
#include "storage/task_repository.h"

namespace analytics::storage {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

// Every part hangs on `agg`: no user, no row anywhere. `agg` returns the
// aggregates as updated, past any write that committed while it waited for
// the lock; `snap` reads the version and the overdue count from the
// statement's snapshot, which sees none of this statement's own changes. So
// the overdue count is current only when no write came between snapshot and
// lock (the version moved by exactly one), and misses the new task itself.
// Built once: the statement is prepared once per connection.
const std::string& CreateTaskSql() {
  static const std::string kSql =
      "WITH agg AS (UPDATE user_aggregates SET todo = todo + $5, in_progress = in_progress + $6, "
      "done = done + $7, cancelled = cancelled + $8, low = low + $9, medium = medium + $10, "
      "high = high + $11, urgent = urgent + $12, weight_total = weight_total + $13, "
      "weight_done_x2 = weight_done_x2 + $14, version = version + 1, overdue_before = "
      "overdue_before + CASE WHEN $30::date < overdue_day THEN 1 ELSE 0 END WHERE user_id = $1 "
      "RETURNING user_id, " +
      std::string(kAggregateColumns) + ", version), snap AS (SELECT version, " +
      std::string(kOverdueSql) +
      " AS overdue FROM user_aggregates WHERE user_id = $1), "
      "ins AS (INSERT INTO tasks (user_id, title, status, priority, due_at, created_at, "
      "updated_at, completed_at, deleted, deleted_at) SELECT user_id, $15::text, $16::text, "
      "$17::text, $18::timestamptz, $19::timestamptz, $20::timestamptz, $21::timestamptz, "
      "$22::boolean, $23::timestamptz FROM agg RETURNING id), "
      "aud AS (INSERT INTO audit_log (timestamp, actor, user_id, action, entity, entity_id, "
      "\"before\", \"after\", request_id) SELECT $24::timestamptz, $25::text, $1, $26::text, "
      "$27::text, id::text, NULL, '{\"id\":' || id || $28::text, $29::text FROM ins), "
      "due AS (INSERT INTO open_due_days (user_id, due_day, n) SELECT $1, $30::date, 1 FROM ins "
      "WHERE $30::date IS NOT NULL ON CONFLICT (user_id, due_day) "
      "DO UPDATE SET n = open_due_days.n + 1) "
      "SELECT ins.id, " +
      std::string(kAggregateColumns) +
      ", agg.version - snap.version, snap.overdue FROM ins, agg, snap";
  return kSql;
}

}  // namespace

CopyRow& CopyRow::Raw(std::string_view text) {
  if (!first_) out_ += '\t';
  first_ = false;
  out_ += text;
  return *this;
}

CopyRow& CopyRow::Text(std::string_view text) {
  if (!first_) out_ += '\t';
  first_ = false;
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    char escape = 0;
    switch (text[i]) {
      case '\\':
        escape = '\\';
        break;
      case '\t':
        escape = 't';
        break;
      case '\n':
        escape = 'n';
        break;
      case '\r':
        escape = 'r';
        break;
      default:
        continue;
    }
    out_.append(text.data() + plain, i - plain);
    out_ += '\\';
    out_ += escape;
    plain = i + 1;
  }
  out_.append(text.data() + plain, text.size() - plain);
  return *this;
}

CopyRow& CopyRow::Int(std::int64_t value) {
  char buf[24];
  return Raw(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, value).ptr - buf));
}

CopyRow& CopyRow::At(Time time) {
  if (!first_) out_ += '\t';
  first_ = false;
  AppendStorageTime(out_, time);  // ISO 8601 with "Z": timestamptz input
  return *this;
}

std::string ArrayParam(const std::vector<Value>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    if (std::holds_alternative<std::nullptr_t>(values[i])) {
      literal += "NULL";
      continue;
    }
    // Inside double quotes only a double quote and a backslash need escaping;
    // braces, commas, white space and the word NULL are then plain text.
    literal += '"';
    for (char c : PostgresParamText(values[i])) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

PostgresWritePath::PostgresWritePath(PostgresConnection& connection)
    : RowByRowWritePath(connection), connection_(connection) {}

Result<std::vector<std::int64_t>> PostgresWritePath::InsertTasks(
    const std::vector<model::Task>& tasks) {
  if (tasks.size() < kMinCopyRows) return RowByRowWritePath::InsertTasks(tasks);
  std::vector<std::int64_t> ids;
  ids.reserve(tasks.size());
  // Ids first (one statement), so the rows go in with theirs and callers can
  // write audit rows naming them. The sequence is named by a constant, which
  // the server resolves once when it prepares the statement: naming it with
  // pg_get_serial_sequence() looked it up again for every row, 6 times the
  // cost. tasks_id_seq is the name PostgreSQL gives the identity column's.
  auto reserved = connection_.Query("SELECT nextval('tasks_id_seq') FROM generate_series(1, $1)",
                                    {static_cast<std::int64_t>(tasks.size())});
  if (!reserved.ok()) return reserved.error();
  for (const Row& row : *reserved) ids.push_back(row.Int(0));
  std::sort(ids.begin(), ids.end());

  // Then every row in one COPY, formatted part by part while the server
  // stores the previous part.
  std::size_t next = 0;
  auto loaded = connection_.CopyFrom(
      "COPY tasks (id, user_id, title, status, priority, due_at, created_at, updated_at, "
      "completed_at, deleted, deleted_at) FROM STDIN",
      [&](std::string& part) {
        for (; next < tasks.size() && part.size() < kCopyPartBytes; ++next) {
          const model::Task& t = tasks[next];
          CopyRow(part)
              .Int(ids[next])
              .Text(t.user_id)
              .Text(t.title)
              .Text(model::ToString(t.status))
              .Text(model::ToString(t.priority))
              .OptionalAt(t.due_at)
              .At(t.created_at)
              .At(t.updated_at)
              .OptionalAt(t.completed_at)
              .Bool(t.deleted)
              .OptionalAt(t.deleted_at)
              .End();
        }
        return next < tasks.size();
      });
  if (!loaded.ok()) return loaded.error();
  if (*loaded != static_cast<std::int64_t>(tasks.size())) {
    return Internal("inserted " + std::to_string(*loaded) + " of " + std::to_string(tasks.size()) +
                    " tasks");
  }
  return ids;
}

Result<void> PostgresWritePath::AppendCreates(const AuditEntry& common,
                                              const std::vector<model::Task>& tasks) {
  if (tasks.size() < kMinCopyRows) return RowByRowWritePath::AppendCreates(common, tasks);
  // COPY stores the rows in the order sent, so ids follow the tasks' order.
  std::size_t next = 0;
  std::string json;  // one task's JSON at a time, reused
  auto loaded = connection_.CopyFrom(
      "COPY audit_log (timestamp, actor, user_id, action, entity, entity_id, \"before\", "
      "\"after\", request_id) FROM STDIN",
      [&](std::string& part) {
        for (; next < tasks.size() && part.size() < kCopyPartBytes; ++next) {
          const model::Task& t = tasks[next];
          json.clear();
          model::AppendJson(json, t);
          CopyRow(part)
              .At(common.timestamp)
              .Text(common.actor)
              .Text(t.user_id)
              .Text(common.action)
              .Text(common.entity)
              .Int(t.id)
              .Null()
              .Text(json)
              .Text(common.request_id)
              .End();
        }
        return next < tasks.size();
      });
  if (!loaded.ok()) return loaded.error();
  if (*loaded != static_cast<std::int64_t>(tasks.size())) {
    return Internal("audited " + std::to_string(*loaded) + " of " + std::to_string(tasks.size()) +
                    " tasks");
  }
  return Ok();
}

Result<std::vector<Row>> PostgresWritePath::AddToBuckets(const std::string& user_id,
                                                         const std::vector<DayChange>& changes) {
  if (changes.size() <= 1) return RowByRowWritePath::AddToBuckets(user_id, changes);
  std::vector<Value> days, counts;
  for (const auto& [day, n] : changes) {
    days.emplace_back(day);
    counts.emplace_back(n);
  }
  return connection_.Query(
      "INSERT INTO open_due_days (user_id, due_day, n) "
      "SELECT $1::text, d, c FROM unnest($2::date[], $3::bigint[]) AS b(d, c) "
      "ON CONFLICT (user_id, due_day) DO UPDATE SET n = open_due_days.n + excluded.n "
      "RETURNING due_day, n",
      {user_id, ArrayParam(days), ArrayParam(counts)});
}

Result<CreatedTask> PostgresWritePath::CreateTask(const model::Task& task, const AuditEntry& audit,
                                                  Time now) {
  const model::UserAggregates d = Contribution(task);
  std::optional<std::string> due_day;
  if (IsOpenWithDueDate(task)) due_day = FormatDay(DayOf(*task.due_at));
  const Day today = DayOf(now);
  auto rows = connection_.Query(CreateTaskSql(), {task.user_id,
                                                  FormatDay(today),
                                                  Time{today},
                                                  now,
                                                  d.todo,
                                                  d.in_progress,
                                                  d.done,
                                                  d.cancelled,
                                                  d.low,
                                                  d.medium,
                                                  d.high,
                                                  d.urgent,
                                                  d.weight_total,
                                                  d.weight_done_x2,
                                                  task.title,
                                                  Str(model::ToString(task.status)),
                                                  Str(model::ToString(task.priority)),
                                                  Nullable(task.due_at),
                                                  task.created_at,
                                                  task.updated_at,
                                                  Nullable(task.completed_at),
                                                  task.deleted,
                                                  Nullable(task.deleted_at),
                                                  audit.timestamp,
                                                  audit.actor,
                                                  audit.action,
                                                  audit.entity,
                                                  audit.after->substr(kAuditJsonHead.size()),
                                                  audit.request_id,
                                                  Nullable(due_day)});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return NotFound("user '" + task.user_id + "' not found");
  const Row& row = rows->front();
  CreatedTask created{row.Int(0), std::nullopt};
  if (row.Int(1 + kAggregateColumnCount) == 1) {
    const bool overdue = IsOpenWithDueDate(task) && *task.due_at < now;
    created.after = UserState{ToAggregates(row, 1),
                              row.Int(2 + kAggregateColumnCount) + (overdue ? 1 : 0), now};
  }
  return created;
}

}  // namespace analytics::storage

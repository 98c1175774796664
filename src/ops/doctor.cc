// The daily health check's order and its API and database checks; the cache
// checks are in doctor_cache.cc, logs, jobs and disks in doctor_host.cc.
#include "ops/doctor.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "http/client.h"

namespace analytics::ops {
namespace {

std::string Percent(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", value);
  return buf;
}

std::string LessThan(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "< %.0f%% of max", percent);
  return buf;
}

// PostgreSQL: the server's connections (every backend of pg_stat_activity,
// as the runbook's query counts them) against max_connections.
Check PostgresConnections(storage::Database& db) {
  Check check{"db_connections", CheckStatus::kOk, "", LessThan(kMaxDbConnectionsPercent), ""};
  std::int64_t used = 0, max = 0;
  auto read = db.Read([&](storage::Transaction& tx) -> Result<void> {
    auto rows = tx.Query(
        "SELECT (SELECT count(*) FROM pg_stat_activity), "
        "(SELECT setting FROM pg_settings WHERE name = 'max_connections')");
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return Internal("no answer from pg_stat_activity");
    used = (*rows)[0].Int(0);
    max = std::stoll((*rows)[0].Text(1).empty() ? "0" : (*rows)[0].Text(1));
    return Ok();
  });
  if (!read.ok() || max <= 0) {
    check.status = CheckStatus::kFail;
    check.value = "unknown";
    check.note = read.ok() ? "max_connections is not set" : read.error().message;
    return check;
  }
  const double percent = 100.0 * double(used) / double(max);
  check.value = std::to_string(used) + "/" + std::to_string(max) + " (" + Percent(percent) + ")";
  if (percent >= kMaxDbConnectionsPercent) {
    check.status = CheckStatus::kFail;
    check.note = "close to max_connections: look for idle sessions (runbook P1)";
  }
  return check;
}

}  // namespace

std::string_view ToString(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kSkip:
      return "skip";
  }
  return "fail";
}

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

std::string ServerUrl(const config::ServerOptions& server) {
  std::string host = server.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "[::1]";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(server.port);
}

Check CheckApiHealth(const std::string& url) {
  Check check{"api_health", CheckStatus::kOk, "", "200 healthy", ""};
  http::ClientRequest request;
  request.url = url;
  request.timeout = std::chrono::seconds(5);
  auto response = http::Fetch(request);
  if (!response.ok()) {
    check.status = CheckStatus::kFail;
    check.value = "no answer";
    const std::string& why = response.error().message;
    check.note = why.find(url) == std::string::npos ? url + ": " + why : why;
    return check;
  }
  auto body = nlohmann::json::parse(response->body, nullptr, false);
  std::string status = body.is_object() ? body.value("status", "") : "";
  check.value = std::to_string(response->status) + (status.empty() ? "" : " " + status);
  if (response->status != 200) {
    check.status = CheckStatus::kFail;
    check.note = url + " answered " + std::to_string(response->status);
  } else if (status == "degraded") {
    check.status = CheckStatus::kWarn;  // the cache is down: the cache check fails and says so
    check.note = "the server runs without its cache";
  } else if (status != "healthy") {
    check.status = CheckStatus::kFail;
    check.note = url + " did not say healthy";
  }
  return check;
}

std::vector<Check> CheckDatabase(storage::Database* db, const std::string& open_error) {
  Check reach{"database", CheckStatus::kOk, "", "answers", ""};
  if (db == nullptr) {
    reach.status = CheckStatus::kFail;
    reach.value = "unreachable";
    reach.note = open_error;
    return {reach, Check{"db_connections", CheckStatus::kSkip, "unknown",
                         LessThan(kMaxDbConnectionsPercent), "the database is unreachable"}};
  }
  const auto start = std::chrono::steady_clock::now();
  auto ping = db->Ping();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const std::string backend(db->dialect().name());
  if (!ping.ok()) {
    reach.status = CheckStatus::kFail;
    reach.value = "unreachable (" + backend + ")";
    reach.note = ping.error().message;
    return {reach, Check{"db_connections", CheckStatus::kSkip, "unknown",
                         LessThan(kMaxDbConnectionsPercent), "the database is unreachable"}};
  }
  reach.value = "reachable (" + backend + ", " + std::to_string(ms.count()) + " ms)";
  if (backend != "postgresql") {
    const storage::PoolStats pool = db->pool_stats();
    return {reach, Check{"db_connections", CheckStatus::kOk,
                         std::to_string(pool.in_use) + "/" + std::to_string(pool.max) + " (pool)",
                         LessThan(kMaxDbConnectionsPercent),
                         "SQLite: no server connections to count; passes"}};
  }
  return {reach, PostgresConnections(*db)};
}

std::vector<Check> RunDoctor(const DoctorInputs& in) {
  const config::Config& config = *in.config;
  std::string server = ServerUrl(config.server);
  if (!in.health_url.empty()) {
    server = in.health_url;
    if (server.ends_with("/health")) server.resize(server.size() - 7);
  }
  std::vector<Check> checks;
  auto add = [&checks](std::vector<Check> more) {
    for (auto& c : more) checks.push_back(std::move(c));
  };
  checks.push_back(CheckApiHealth(in.health_url.empty() ? server + "/health" : in.health_url));
  add(CheckDatabase(in.db, in.db_error));
  add(CheckCache(config, server));
  add(CheckLogs(config.logging, in.since));
  const bool db_up = in.db != nullptr && checks[1].status == CheckStatus::kOk;
  add(CheckJobs(in.jobs, db_up));
  add(CheckDisks(config));
  add(CheckPgBackRest(config));
  return checks;
}

}  // namespace analytics::ops

// `analytics doctor`: the runbook's "Daily Health Check" and its success
// criteria (docs/doctor.md), one row per check with what was measured and
// what passes. The checks read the outside world (the server's /health,
// the database, Redis, the log files, the file systems) but change nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "config/config.h"
#include "jobs/runner.h"
#include "storage/database.h"

namespace analytics::ops {

enum class CheckStatus {
  kOk,
  kWarn,  // worth a look; does not fail the run
  kFail,  // a success criterion is not met: `doctor` exits 1
  kSkip,  // does not apply here (SQLite, a remote database's disk), or cannot be measured
};
std::string_view ToString(CheckStatus status);

struct Check {
  std::string name;  // "api_health", "database", "job:daily_aggregation", "disk:logs", …
  CheckStatus status = CheckStatus::kOk;
  std::string value;      // what was measured
  std::string threshold;  // what passes
  std::string note;       // why it failed, or what was left out
};

// The runbook's success criteria. Fixed on purpose: they are the runbook's
// numbers, and `doctor` is the check that they hold.
inline constexpr double kMaxDbConnectionsPercent = 80;  // "Database connections < 80% of max"
inline constexpr double kMaxCacheMemoryPercent = 75;    // "Redis memory usage < 75%"
inline constexpr double kMaxDiskPercent = 80;           // "Clean up old logs if disk > 80%"
// RateLimitExceeded answers in the window past which `doctor` warns (never
// fails: rate limiting is the server protecting itself, not a fault).
inline constexpr std::int64_t kRateLimitedWarnCount = 100;

struct DoctorInputs {
  const config::Config* config = nullptr;  // REQUIRES: not null
  std::string health_url;                  // "" = http://server.host:server.port/health
  Time now;
  Time since;  // the window of the log checks: [since, now]
  // The App's database and job runner; null when the database could not be
  // opened (`db_error` says why).
  storage::Database* db = nullptr;
  std::string db_error;
  jobs::JobRunner* jobs = nullptr;
};

// Every check, in the runbook's order: API, database, cache, logs, jobs, disk.
std::vector<Check> RunDoctor(const DoctorInputs& in);

// The checks one by one (doctor.cc, doctor_cache.cc, doctor_host.cc).
Check CheckApiHealth(const std::string& url);
std::vector<Check> CheckDatabase(storage::Database* db, const std::string& open_error);
std::vector<Check> CheckCache(const config::Config& config, const std::string& server_url);
std::vector<Check> CheckLogs(const config::LoggingOptions& logging, Time since);
std::vector<Check> CheckJobs(jobs::JobRunner* jobs, bool db_up);
std::vector<Check> CheckDisks(const config::Config& config);
// backup.method pgbackrest: one row per backup::PgBackRestArchiveChecks
// ("pgbackrest:archive_mode", …; doctor_backup.cc); none for other methods.
std::vector<Check> CheckPgBackRest(const config::Config& config);

// The server's base URL from config.server ("http://127.0.0.1:8080"; a
// wildcard host is reached on loopback).
std::string ServerUrl(const config::ServerOptions& server);

// Disk use of the file system holding `path` (or its nearest existing
// parent), in percent as df counts it; nullopt when statvfs fails.
std::optional<double> DiskUsedPercent(const std::string& path);

// MemTotal of /proc/meminfo in bytes; nullopt when unreadable.
std::optional<std::uint64_t> MachineMemoryBytes();

// "12.3 MiB": bytes for people.
std::string HumanBytes(double bytes);

}  // namespace analytics::ops

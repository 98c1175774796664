// The checks of what the host holds: the log files (ERROR lines and
// RateLimitExceeded answers in the window), the jobs' last runs, and the
// file systems of the data, log, job-log and backup folders.
#include <sys/statvfs.h>

#include <cstdio>
#include <filesystem>

#include "jobs/status.h"
#include "ops/doctor.h"
#include "ops/log_files.h"

namespace analytics::ops {
namespace {

namespace fs = std::filesystem;

// The window's start to the second: the table's reader needs no more.
std::string SinceText(Time since) {
  return FormatTime(std::chrono::floor<std::chrono::seconds>(since));
}

std::string Shorten(std::string text, std::size_t max = 200) {
  if (text.size() > max) text = text.substr(0, max) + "…";
  return text;
}

Check ErrorLogCheck(const std::string& dir, Time since) {
  Check check{"error_log", CheckStatus::kOk, "", "0 ERROR lines", ""};
  auto count = CountErrorLines(dir, since);
  if (!count.ok()) {
    check.status = CheckStatus::kFail;
    check.value = "unreadable";
    check.note = count.error().message;
    return check;
  }
  check.value = std::to_string(count->errors) + " since " + SinceText(since);
  std::vector<std::string> notes;
  if (count->errors > 0) {
    check.status = CheckStatus::kFail;
    notes.push_back("newest: " + Shorten(count->last));
  }
  if (count->undated > 0) {
    notes.push_back(std::to_string(count->undated) + " ERROR lines without a time not counted");
  }
  if (!count->compressed.empty()) {
    notes.push_back(std::to_string(count->compressed.size()) + " compressed copies not read");
  }
  if (FindLogFiles(dir, "error").paths.empty()) notes.push_back("no error.log in " + dir);
  for (std::size_t i = 0; i < notes.size(); ++i) check.note += (i ? "; " : "") + notes[i];
  return check;
}

Check RateLimitCheck(const std::string& dir, Time since) {
  Check check{"rate_limited", CheckStatus::kOk, "",
              "<= " + std::to_string(kRateLimitedWarnCount) + " (warn above)", ""};
  std::int64_t count = 0;
  auto read = ForEachLine(FindLogFiles(dir, "access"), [&](std::string_view line) {
    if (line.find("RateLimitExceeded") == std::string_view::npos) return;
    auto parsed = ParseAccessLine(line);
    if (parsed && parsed->at >= since && parsed->note == "RateLimitExceeded") ++count;
  });
  if (!read.ok()) {
    check.status = CheckStatus::kWarn;
    check.value = "unreadable";
    check.note = read.error().message;
    return check;
  }
  check.value = std::to_string(count) + " since " + SinceText(since);
  if (count > kRateLimitedWarnCount) {
    check.status = CheckStatus::kWarn;
    check.note = "many clients are over their rate limit";
  }
  return check;
}

Check JobCheck(const jobs::JobStatus& s) {
  Check check{"job:" + s.job, CheckStatus::kOk, std::string(jobs::ToString(s.state)),
              "last run succeeded, none overdue", ""};
  const auto& run = s.last_run;
  if (run) check.value += " (last run " + FormatTime(run->started_at) + " " + run->status + ")";
  switch (s.state) {
    case jobs::JobState::kOk:
      break;
    case jobs::JobState::kNeverRun:
      check.status = s.schedule.empty() ? CheckStatus::kOk : CheckStatus::kWarn;
      check.note = s.next_run ? "first run due " + FormatTime(*s.next_run) : "not scheduled";
      break;
    case jobs::JobState::kFailed:
      check.status = CheckStatus::kFail;
      check.note = Shorten(run ? run->error : "");
      break;
    case jobs::JobState::kOrphaned:
      check.status = CheckStatus::kFail;
      check.note = "marked running but its process is gone";
      break;
    case jobs::JobState::kOverdue:
      check.status = CheckStatus::kFail;
      check.note = "a scheduled run is over an hour late";
      break;
    case jobs::JobState::kNotApplicable:
      check.status = CheckStatus::kSkip;
      check.note = s.not_applicable;
      break;
  }
  return check;
}

Check DiskCheck(const std::string& name, const std::string& dir) {
  char threshold[32];
  std::snprintf(threshold, sizeof threshold, "< %.0f%%", kMaxDiskPercent);
  Check check{"disk:" + name, CheckStatus::kOk, "", threshold, dir};
  auto used = DiskUsedPercent(dir);
  if (!used) {
    check.status = CheckStatus::kWarn;
    check.value = "unknown";
    check.note = dir + ": statvfs failed";
    return check;
  }
  char value[32];
  std::snprintf(value, sizeof value, "%.1f%%", *used);
  check.value = value;
  if (*used >= kMaxDiskPercent) {
    check.status = CheckStatus::kFail;
    check.note = dir + ": clean up old logs and backups (runbook)";
  }
  return check;
}

}  // namespace

std::optional<double> DiskUsedPercent(const std::string& path) {
  std::error_code ec;
  fs::path at = fs::absolute(path.empty() ? "." : path, ec);
  while (!fs::exists(at, ec) && at.has_parent_path() && at != at.parent_path()) {
    at = at.parent_path();  // the file system it will land on once created
  }
  struct statvfs fs_stats {};
  if (::statvfs(at.c_str(), &fs_stats) != 0) return std::nullopt;
  // As df counts it: used / (used + available to unprivileged users).
  const double used = double(fs_stats.f_blocks - fs_stats.f_bfree);
  const double total = used + double(fs_stats.f_bavail);
  if (total <= 0) return std::nullopt;
  return 100.0 * used / total;
}

std::vector<Check> CheckLogs(const config::LoggingOptions& logging, Time since) {
  return {ErrorLogCheck(logging.dir, since), RateLimitCheck(logging.dir, since)};
}

std::vector<Check> CheckJobs(jobs::JobRunner* runner, bool db_up) {
  const std::string threshold = "last run succeeded, none overdue";
  if (runner == nullptr || !db_up) {
    return {Check{"jobs", CheckStatus::kSkip, "unknown", threshold,
                  "job_runs cannot be read: the database is unreachable"}};
  }
  auto statuses = jobs::Status(*runner, "");
  if (!statuses.ok()) {
    return {Check{"jobs", CheckStatus::kFail, "unknown", threshold, statuses.error().message}};
  }
  std::vector<Check> checks;
  for (const auto& s : *statuses) checks.push_back(JobCheck(s));
  return checks;
}

std::vector<Check> CheckDisks(const config::Config& config) {
  std::vector<Check> checks;
  const std::string& url = config.database.url;
  if (url.starts_with("sqlite://")) {
    // As storage/open_database.cc reads it: the path follows the empty host.
    const fs::path file(url.size() > 10 ? url.substr(10) : std::string("."));
    checks.push_back(DiskCheck("data", file.has_parent_path() ? file.parent_path().string() : "."));
  } else {
    checks.push_back(Check{"disk:data", CheckStatus::kSkip, "-", "< 80%",
                           "PostgreSQL: its data directory is on the database server; "
                           "check it there (runbook: Database Maintenance)"});
  }
  const std::string job_logs =
      config.jobs.log_dir.empty() ? config.logging.dir + "/jobs" : config.jobs.log_dir;
  checks.push_back(DiskCheck("logs", config.logging.dir));
  checks.push_back(DiskCheck("job_logs", job_logs));
  checks.push_back(DiskCheck("backups", config.backup.dir));
  return checks;
}

}  // namespace analytics::ops

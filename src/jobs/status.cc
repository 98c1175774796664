#include "jobs/status.h"

namespace analytics::jobs {

std::string_view ToString(JobState state) {
  switch (state) {
    case JobState::kOk:
      return "ok";
    case JobState::kNeverRun:
      return "never_run";
    case JobState::kFailed:
      return "failed";
    case JobState::kOrphaned:
      return "orphaned";
    case JobState::kOverdue:
      return "overdue";
    case JobState::kNotApplicable:
      return "not_applicable";
  }
  return "ok";
}

Result<std::vector<JobStatus>> Status(JobRunner& runner, const std::string& job) {
  if (!job.empty() && FindJob(job) == nullptr) return NotFound("no job named '" + job + "'");
  const auto& schedules = runner.env().config.jobs.schedules;
  Time now = runner.env().clock.Now();
  std::string host = JobRunner::HostName();
  std::vector<JobStatus> out;
  for (const JobDefinition& def : Catalog()) {
    if (!job.empty() && def.name != job) continue;
    JobStatus s;
    s.job = def.name;
    auto runs = runner.Recent(def.name, 50);
    if (!runs.ok()) return runs.error();
    if (!runs->empty()) s.last_run = runs->front();
    s.not_applicable = WhyNotApplicable(def, runner.env().config);
    for (const auto& r : *runs) {
      if (r.status == "succeeded") {
        s.last_success = r.finished_at.value_or(r.started_at);
        break;
      }
    }
    std::optional<CronSchedule> cron;
    if (auto it = schedules.find(def.name); it != schedules.end() && !it->second.empty()) {
      auto parsed = CronSchedule::Parse(it->second);
      if (parsed.ok()) {
        cron = *parsed;
        s.schedule = it->second;
        s.next_run = cron->Next(now);
      }
    }
    if (!s.not_applicable.empty()) {
      // Not scheduled, and refused by `job run`: nothing is due, and a
      // failure from before the configuration changed is history.
      s.state = JobState::kNotApplicable;
      s.next_run.reset();
    } else if (!s.last_run) {
      s.state = JobState::kNeverRun;
    } else if (s.last_run->status == "failed") {
      s.state = JobState::kFailed;
    } else if (s.last_run->status == "running" && s.last_run->host == host &&
               !ProcessAlive(s.last_run->pid)) {
      s.state = JobState::kOrphaned;
    }
    // Overdue: the latest scheduled time that is past its grace has no run
    // started at or after it. A job that never ran is overdue only once one
    // of its runs was due — "never_run" covers a fresh install.
    if (cron && (s.state == JobState::kOk || s.state == JobState::kNeverRun) && s.last_run) {
      auto due = cron->Previous(now - kOverdueGrace);
      if (due && s.last_run->started_at < *due) s.state = JobState::kOverdue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace analytics::jobs

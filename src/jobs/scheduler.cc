#include "jobs/scheduler.h"

#include <unistd.h>

#include "logging/log.h"
#include "storage/job_repository.h"

namespace analytics::jobs {

Scheduler::Scheduler(JobRunner& runner, SchedulerOptions options)
    : runner_(runner),
      options_(options),
      instance_(JobRunner::HostName() + ":" + std::to_string(getpid())) {
  Time now = runner_.env().clock.Now();
  for (const JobDefinition& def : Catalog()) {
    const auto& schedules = runner_.env().config.jobs.schedules;
    auto it = schedules.find(def.name);
    if (it == schedules.end() || it->second.empty()) continue;
    if (!WhyNotApplicable(def, runner_.env().config).empty()) continue;
    auto cron = CronSchedule::Parse(it->second);
    if (!cron.ok()) {
      logging::Error("job_schedule_invalid", {{"job", def.name}, {"error", cron.error().message}});
      continue;
    }
    auto next = cron->Next(now);
    if (!next) continue;
    entries_.emplace(def.name, Entry{*cron, *next, std::nullopt, Time{}, 0});
  }
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::pair<std::string, std::optional<Time>>> Scheduler::NextRuns(Time now) const {
  std::vector<std::pair<std::string, std::optional<Time>>> out;
  for (const JobDefinition& def : Catalog()) {
    auto it = entries_.find(def.name);
    if (it == entries_.end()) continue;
    out.emplace_back(def.name, it->second.cron.Next(now));
  }
  return out;
}

void Scheduler::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The clock may be a test's FakeClock: look at it every poll rather than
    // sleeping until the next occurrence.
    wake_.wait_for(lock, options_.poll, [this] { return stopping_; });
    if (stopping_) break;
    Time now = runner_.env().clock.Now();
    for (auto& [job, entry] : entries_) {
      if (stopping_) break;
      bool due = entry.next <= now || (entry.retry && *entry.retry <= now);
      if (!due) continue;
      lock.unlock();
      Fire(job, entry, now);
      lock.lock();
    }
  }
}

void Scheduler::Fire(const std::string& job, Entry& entry, Time now) {
  if (!entry.retry) {
    entry.occurrence = entry.next;
    entry.attempts = 0;
    // Skip occurrences missed while down: the next one is after now.
    entry.next = entry.cron.Next(now).value_or(Time::max());
    auto claimed = storage::WriteValue(runner_.env().db, [&](storage::Transaction& tx) {
      return storage::JobRepository(tx).Claim(job, entry.occurrence, instance_);
    });
    if (!claimed.ok()) {
      logging::Warn("job_claim_failed", {{"job", job}, {"error", claimed.error().message}});
      return;
    }
    if (!*claimed) {
      logging::Info("job_claimed_elsewhere",
                    {{"job", job}, {"scheduled_for", FormatTime(entry.occurrence)}});
      return;
    }
  }
  entry.retry.reset();
  ++entry.attempts;
  auto report = runner_.Run(job, JobArgs{});
  bool ok = report.ok() && report->succeeded;
  if (ok || entry.attempts > options_.max_retries) return;
  auto delay = options_.first_retry_delay * (1 << (entry.attempts - 1));
  entry.retry =
      runner_.env().clock.Now() + std::chrono::duration_cast<std::chrono::microseconds>(delay);
  logging::Warn("job_retry_scheduled", {{"job", job},
                                        {"attempt", std::int64_t{entry.attempts}},
                                        {"retry_at", FormatTime(*entry.retry)}});
}

}  // namespace analytics::jobs

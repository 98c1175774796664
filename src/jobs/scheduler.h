// Runs jobs on their cron schedules inside `analytics serve` (SPEC §6). With
// several instances on one database each occurrence runs once: an instance
// runs an occurrence only after claiming it (a job_claims row, unique per job
// and time). A failed run is retried with backoff within its occurrence.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "base/cron.h"
#include "jobs/runner.h"

namespace analytics::jobs {

struct SchedulerOptions {
  int max_retries = 3;
  std::chrono::seconds first_retry_delay{30};  // doubles each retry
  std::chrono::milliseconds poll{1000};        // how often the clock is looked at
};

// Thread-safe; Start once, Stop (or destroy) once.
class Scheduler {
 public:
  // Jobs without a (valid) schedule in config, and jobs that do not apply to
  // it (JobDefinition::not_applicable), are not scheduled.
  Scheduler(JobRunner& runner, SchedulerOptions options = {});
  ~Scheduler();

  void Start();
  void Stop();
  // Each scheduled job's next run after `now`, in catalog order.
  std::vector<std::pair<std::string, std::optional<Time>>> NextRuns(Time now) const;

 private:
  struct Entry {
    CronSchedule cron;
    Time next;                  // next occurrence not yet handled
    std::optional<Time> retry;  // a failed occurrence's next attempt
    Time occurrence;            // the occurrence being retried
    int attempts = 0;
  };
  void Loop();
  void Fire(const std::string& job, Entry& entry, Time now);

  JobRunner& runner_;
  SchedulerOptions options_;
  std::map<std::string, Entry> entries_;
  std::string instance_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace analytics::jobs

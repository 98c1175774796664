#include "app/demo.h"

#include <cmath>
#include <random>

namespace analytics::app {
namespace {

using model::Priority;
using model::TaskStatus;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kVerbs[] = {"Write",  "Review",   "Fix",      "Plan",   "Test",
                                  "Deploy", "Refactor", "Document", "Design", "Call"};
constexpr const char* kObjects[] = {
    "login page",      "quarterly report", "API docs",     "billing bug",  "release notes",
    "onboarding flow", "database backup",  "team offsite", "search index", "customer feedback"};

std::string DemoUserId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "demo-user-%02d", i + 1);
  return buf;
}

// One task created at `created`, aged against `now`: older tasks are mostly
// finished, recent ones mostly open; some finish late.
tasks::NewTask MakeTask(std::mt19937& rng, Time created, Time now) {
  std::uniform_real_distribution<double> unit(0, 1);
  tasks::NewTask t;
  t.title =
      std::string(kVerbs[rng() % std::size(kVerbs)]) + " " + kObjects[rng() % std::size(kObjects)];
  double p = unit(rng);
  t.priority = p < 0.3   ? Priority::kLow
               : p < 0.7 ? Priority::kMedium
               : p < 0.9 ? Priority::kHigh
                         : Priority::kUrgent;
  t.created_at = created;
  if (unit(rng) < 0.7) t.due_at = created + hours(24 + rng() % (24 * 21));
  double age_days = std::chrono::duration<double, std::ratio<86400>>(now - created).count();
  double finished_chance = std::min(0.95, 0.2 + age_days / 40.0);
  double r = unit(rng);
  if (r < finished_chance * 0.9) {
    std::lognormal_distribution<double> duration(1.2, 0.9);  // days, median ~3.3
    Time completed = created + minutes(static_cast<long>(duration(rng) * 24 * 60) + 5);
    if (completed < now) {
      t.status = TaskStatus::kDone;
      t.completed_at = completed;
      return t;
    }
    t.status = TaskStatus::kInProgress;
  } else if (r < finished_chance) {
    t.status = TaskStatus::kCancelled;
  } else {
    t.status = unit(rng) < 0.6 ? TaskStatus::kTodo : TaskStatus::kInProgress;
  }
  return t;
}

}  // namespace

Result<DemoSummary> SeedDemo(App& app, const DemoOptions& options) {
  DemoSummary summary;
  summary.users = options.users;
  summary.sample_user = DemoUserId(0);
  auto existing = app.users().Get(summary.sample_user);
  if (!existing.ok() && existing.error().code != ErrorCode::kNotFound) return existing.error();

  if (!existing.ok()) {
    std::mt19937 rng(options.seed);
    Time now = app.clock().Now();
    tasks::WriteContext ctx{model::Caller{true, {}}, "demo-seed"};
    // Zipf-like activity: user i gets a share proportional to 1/(i+1).
    double harmonic = 0;
    for (int i = 0; i < options.users; ++i) harmonic += 1.0 / (i + 1);
    for (int i = 0; i < options.users; ++i) {
      std::string id = DemoUserId(i);
      auto created = app.users().Create(id);
      if (!created.ok()) return created.error();
      int count = static_cast<int>(std::lround(options.tasks / harmonic / (i + 1)));
      std::vector<tasks::NewTask> batch;
      for (int k = 0; k < count; ++k) {
        // Activity grows over the two years: sqrt skews creation times recent.
        double back = 730.0 * (1.0 - std::sqrt(std::uniform_real_distribution<double>(0, 1)(rng)));
        Time at = now -
                  std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::duration<double, std::ratio<86400>>(back)) -
                  minutes(1);
        batch.push_back(MakeTask(rng, at, now));
        if (batch.size() == tasks::kMaxBatchSize || k + 1 == count) {
          auto inserted = app.tasks().CreateBatch(ctx, id, std::move(batch));
          if (!inserted.ok()) return inserted.error();
          // A few deletions, so soft delete shows in the data.
          for (std::size_t j = 0; j < inserted->size(); j += 97) {
            auto deleted = app.tasks().Delete(ctx, id, (*inserted)[j].id);
            if (!deleted.ok()) return deleted.error();
          }
          summary.tasks += static_cast<int>(inserted->size());
          batch.clear();
        }
      }
    }
    summary.seeded = true;
    // Daily rows and the stats views for the whole demo history, as the
    // scheduled jobs would have left them.
    jobs::JobArgs history;
    history.from = DayOf(now) - days{731};
    history.to = DayOf(now) - days{1};
    for (const auto& [job, args] :
         {std::pair{"daily_aggregation", history}, std::pair{"refresh_views", jobs::JobArgs{}}}) {
      auto report = app.jobs().Run(job, args);
      if (!report.ok()) return report.error();
      if (!report->succeeded) return Internal(std::string(job) + " failed: " + report->error);
    }
  }
  auto rotated = app.users().RotateToken(summary.sample_user);
  if (!rotated.ok()) return rotated.error();
  summary.sample_user_token = rotated->token;
  return summary;
}

}  // namespace analytics::app

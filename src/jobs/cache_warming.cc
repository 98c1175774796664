#include <future>

#include "jobs/job.h"
#include "storage/daily_repository.h"

namespace analytics::jobs {

// Users active in the last active_user_threshold_days, most active first,
// capped by --top-users (else cache_warming.top_users), in batches of
// batch_size users warmed at once; each user's overview and configured stats
// are computed once and written with a ticket, so warming never overwrites a
// newer write.
Result<JobResult> RunCacheWarming(const JobEnv& env, const JobArgs& args, const JobLog& log) {
  const auto& options = env.config.cache_warming;
  int top = args.top_users.value_or(options.top_users);
  if (top < 1) return InvalidArgument("--top-users", "--top-users must be at least 1");
  Time since = env.clock.Now() - std::chrono::days{options.active_user_threshold_days};
  auto found = storage::ReadValue(env.db, [&](storage::Transaction& tx) {
    return storage::DailyRepository(tx, env.db.dialect()).FindActiveUsers(since, top);
  });
  if (!found.ok()) return found.error();
  const std::vector<std::pair<std::string, std::int64_t>>& users = found->most_active;

  JobResult result;
  std::size_t batch = static_cast<std::size_t>(std::max(1, options.batch_size));
  for (std::size_t i = 0; i < users.size(); i += batch) {
    std::size_t end = std::min(users.size(), i + batch);
    // A batch's users are warmed at once, one thread each: batch_size bounds
    // the reads the job has in flight (keep it within database.pool_size).
    std::vector<std::future<Result<int>>> warming;
    for (std::size_t k = i; k < end; ++k) {
      warming.push_back(std::async(std::launch::async, [&env, &options, &user = users[k].first] {
        return env.stats.Warm(user, options.metrics_to_cache);
      }));
    }
    for (auto& warmed : warming) {
      auto written = warmed.get();
      if (!written.ok()) {
        // A user deleted meanwhile is not a failure of the job.
        if (written.error().code == ErrorCode::kNotFound) continue;
        return written.error();  // the rest of the batch finishes first (~future)
      }
      result.rows += *written;
    }
    log("batch_warmed", "users " + std::to_string(i + 1) + ".." + std::to_string(end));
  }
  result.summary =
      std::to_string(result.rows) + " keys for " + std::to_string(users.size()) + " active user(s)";
  return result;
}

}  // namespace analytics::jobs

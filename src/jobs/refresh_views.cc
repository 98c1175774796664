#include "jobs/job.h"

namespace analytics::jobs {

Result<JobResult> RunRefreshViews(const JobEnv& env, const JobArgs&, const JobLog& log) {
  storage::Dialect::ViewRefresh refresh = env.db.dialect().RefreshViews();
  if (refresh.in_one_transaction) {
    // InJobTransaction: rebuilding the views may run past database.statement_timeout_ms.
    ANALYTICS_RETURN_IF_ERROR(
        InJobTransaction(env.db, [&](storage::Transaction& tx) -> Result<void> {
          for (const std::string& sql : refresh.statements) {
            auto done = tx.Execute(sql);
            if (!done.ok()) return done.error();
          }
          return Ok();
        }));
  } else {
    for (const std::string& sql : refresh.statements) {
      ANALYTICS_RETURN_IF_ERROR(env.db.ExecuteOutsideTransaction(sql));
      log("statement_done", sql);
    }
  }
  return JobResult{static_cast<std::int64_t>(refresh.statements.size()),
                   "refreshed user_task_stats, user_priority_distribution, "
                   "user_status_distribution, user_monthly_trends"};
}

}  // namespace analytics::jobs

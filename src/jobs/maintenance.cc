#include "jobs/job.h"

namespace analytics::jobs {

Result<JobResult> RunMaintenance(const JobEnv& env, const JobArgs&, const JobLog& log) {
  std::vector<std::string> statements = env.db.dialect().MaintenanceStatements();
  for (const std::string& sql : statements) {
    ANALYTICS_RETURN_IF_ERROR(env.db.ExecuteOutsideTransaction(sql));
    log("statement_done", sql);
  }
  return JobResult{static_cast<std::int64_t>(statements.size()),
                   std::to_string(statements.size()) + " maintenance statement(s)"};
}

}  // namespace analytics::jobs

#include "ops/command_target.h"

#include "base/subprocess.h"

namespace analytics::ops {

Result<void> RunCommandTarget(const std::string& command,
                              const std::vector<std::pair<std::string, std::string>>& env,
                              const std::string& input, std::chrono::milliseconds timeout) {
  SubprocessRequest request;
  request.argv = {"/bin/sh", "-c", command};
  request.env = env;
  request.input = input;
  request.timeout = timeout;
  request.merge_output = true;
  SubprocessOutcome outcome = RunSubprocess(request);
  if (outcome.ok()) return Ok();
  return Unavailable("command target " + outcome.Describe());
}

}  // namespace analytics::ops

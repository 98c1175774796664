#include "cli/exit_code.h"

namespace analytics::cli {

int ExitCodeFor(const Error& error, Stage stage) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return stage == Stage::kOpen ? kExitConfig : kExitUsage;
    case ErrorCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitFailed;
  }
}

}  // namespace analytics::cli

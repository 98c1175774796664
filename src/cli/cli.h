// The command line (SPEC §7): CLI11 commands, table or --json output, exit codes.
#pragma once

namespace analytics::cli {

// Parses argv and runs one command. Returns its exit code (cli/exit_code.h):
// 0 success, 1 check failed, 2 usage error, 3-5 other errors.
int Run(int argc, char** argv);

}  // namespace analytics::cli

#include "cli/cli.h"

int main(int argc, char** argv) { return analytics::cli::Run(argc, argv); }

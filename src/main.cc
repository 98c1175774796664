#include <malloc.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // Requests run on a pool of worker threads, each with its own malloc arena.
  // By default glibc hands an arena's free top back to the kernel as soon as
  // it passes 128 kB and serves blocks over 128 kB with mmap, so a streamed
  // export, which frees each page's ~2 MB of rows before the next page, faulted
  // the same memory in again per page: page faults and sysmalloc were half of
  // its CPU. Keeping up to 4 MB free per arena, and mmap for 1 MB and larger,
  // halved the export's time (bench/README.md) for at most a few MB of RSS.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  return analytics::cli::Run(argc, argv);
}

#!/usr/bin/env bash
# Runs each libFuzzer target of BUILD_DIR (built with ANALYTICS_FUZZ=ON) for
# SECONDS, over a scratch copy of its seed corpus in fuzz/corpus/<target>
# (new inputs stay in the scratch dir, never in the repo), under ASan+UBSan
# with leak detection, 5 s per input and 2 GB of RSS at most. Fails if any
# target finds a crash, a leak or a timeout, printing its reproducer.
#   fuzz/run.sh BUILD_DIR SECONDS [target...]   # default: every target
set -euo pipefail
build_dir=$(cd "$1" && pwd)
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(time cron config json_body query http)
fi

scratch=$(mktemp -d /tmp/analytics-fuzz-run.XXXXXX)
# Reproducers outlive the run: they are what a failure report points at.
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
trap 'rm -rf "$scratch"' EXIT

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/${target}_fuzzer"
  [ -x "$binary" ] || { echo "fuzz: $binary is not built" >&2; exit 2; }
  mkdir -p "$scratch/$target"
  cp -r "$root/fuzz/corpus/$target/." "$scratch/$target/"
  log="$scratch/$target.log"
  if "$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -detect_leaks=1 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$scratch/$target" \
      >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz: $target ok: $runs runs in ${seconds} s ($rate exec/s)"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED; the end of its log:"
    tail -n 60 "$log"
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz: $target reproducer: ${reproducer:-none written (see the log above)}"
    echo "fuzz: replay it with $binary $reproducer; to keep it, copy it to" \
         "fuzz/corpus/$target/<what-it-does> with the fix (fuzz/README.md)"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crash, leak or timeout"

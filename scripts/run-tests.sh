#!/usr/bin/env bash
# Runs the whole test suite of one build dir on every backend: starts private
# PostgreSQL and Redis instances on loopback (scripts/test-services.sh), runs
# CTest with ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1 (a missing backend fails,
# it is never skipped), and stops the instances again.
#   scripts/run-tests.sh BUILD_DIR [ctest args...]
set -euo pipefail
build_dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
services_dir=$(mktemp -d /tmp/analytics-services.XXXXXX)
chmod 755 "$services_dir"

cleanup() { bash "$here/test-services.sh" stop "$services_dir" || true; rm -rf "$services_dir"; }
trap cleanup EXIT

# Free ports, so a run never collides with instances already running here.
. "$here/free-port.sh"
free_ports pg_port redis_port
export ANALYTICS_TEST_PG_PORT=${ANALYTICS_TEST_PG_PORT:-$pg_port}
export ANALYTICS_TEST_REDIS_PORT=${ANALYTICS_TEST_REDIS_PORT:-$redis_port}
eval "$(bash "$here/test-services.sh" start "$services_dir")"
export ANALYTICS_TEST_REQUIRE_ALL_BACKENDS=1
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"

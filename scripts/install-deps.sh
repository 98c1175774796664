#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing analytics
# needs. Idempotent: packages already present are not fetched again.
#   scripts/install-deps.sh           # build, run, test
#   scripts/install-deps.sh --run     # only build and run (`make run`)
#   scripts/install-deps.sh --bench   # and the benchmark suite's tools and peers
#   scripts/install-deps.sh --fuzz    # and clang with libFuzzer (make fuzz)
set -euo pipefail

# What building and running `analytics` needs (`make run`: --run). GoogleTest
# is here too because configuring the build dir finds it (the tests are targets
# of the same build, only not built by `make run`).
packages=(
  g++ make cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libhiredis-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libhowardhinnant-date-dev libssl-dev libzstd-dev zlib1g-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev
  curl ca-certificates procps
)
if [ "${1:-}" != "--run" ]; then
  # And what the tests use: real PostgreSQL and Redis servers, the sqlite3
  # shell, clang-format (CI checks every file), Google Benchmark, and
  # prometheus for promtool (tests check a real /metrics scrape and the
  # `alerts export` rules with it), and pgbackrest (backup.method pgbackrest:
  # incremental backups and point-in-time restore, tested for real). The
  # backup upload tests use `aws` and `moto_server` from the machine image's
  # Python (moto has no Debian 12 package; the image has both).
  packages+=(build-essential clang-format sqlite3 libbenchmark-dev
             postgresql-15 postgresql-client-15 redis-server redis-tools prometheus
             pgbackrest)
fi
if [ "${1:-}" = "--bench" ]; then
  # wrk drives the load; nginx is the HTTP reference; the Python peer
  # (bench/peers/python) runs on Debian's FastAPI, uvicorn, SQLAlchemy and redis-py.
  packages+=(wrk nginx-light python3 python3-fastapi uvicorn python3-sqlalchemy python3-redis
             python3-psycopg2 linux-perf)
fi
if [ "${1:-}" = "--fuzz" ]; then
  # libFuzzer and clang's sanitizer runtimes are in libclang-rt-14-dev, only a
  # Recommends of clang-14's: name both.
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Private PostgreSQL 15 and Redis instances on loopback for the tests: own
# data dirs, own ports, nothing shared with a system service.
#
#   scripts/test-services.sh start [DIR]     # both; prints `export …` lines for the test env
#   scripts/test-services.sh stop [DIR]
#   scripts/test-services.sh postgres start|stop|kill DIR PORT   # one instance (fault tests)
#   scripts/test-services.sh redis start|stop|kill DIR PORT
#   scripts/test-services.sh pgbackrest start DIR PORT  # PostgreSQL in DIR/pg archiving its
#       WAL into a pgBackRest repository DIR/pgbackrest (stanza "analytics", config
#       DIR/pgbackrest.conf, stanza created); later starts/stops: `postgres … DIR/pg PORT`
#
# PostgreSQL refuses to run as root: as root the server runs as `postgres`.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DEFAULT_DIR=${ANALYTICS_TEST_SERVICES_DIR:-/tmp/analytics-test-services}
PG_PORT=${ANALYTICS_TEST_PG_PORT:-55432}
REDIS_PORT=${ANALYTICS_TEST_REDIS_PORT:-56379}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_start() {
  local dir=$1 port=$2 extra_conf=${3:-}
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
shared_preload_libraries = 'pg_stat_statements'
CONF
    if [ -n "$extra_conf" ]; then printf '%s\n' "$extra_conf" >>"$dir/postgresql.conf"; fi
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    # No server runs on this data dir, so a socket lock file in it is stale:
    # a restored copy of the dir (pgBackRest) brings back the old one, whose
    # PID PostgreSQL may find alive again and then refuse to start.
    rm -f "$dir"/.s.PGSQL.*.lock
    as_pg "$PG_BIN/pg_ctl" -D "$dir" -o "-p $port" -l "$dir/server.log" -w -t 30 start >/dev/null
  fi
  # A role and a database named like production's, idempotently.
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt -c \
    "SELECT 1 FROM pg_roles WHERE rolname = 'analytics'" | grep -q 1 ||
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE ROLE analytics LOGIN SUPERUSER"
  # analytics_test, and eight slots that tests lease one at a time
  # (tests/support/backends.cc) so parallel tests never share a database.
  local db
  for db in analytics_test analytics_test_{0..7}; do
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt -c \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
      as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE $db OWNER analytics"
  done
}

postgres_stop() {
  local dir=$1 mode=${2:-fast}
  [ -f "$dir/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -m "$mode" -w -t 30 stop >/dev/null || true
}

# PostgreSQL archiving to pgBackRest, everything inside DIR. pgBackRest runs as
# the cluster owner (archive_command runs as that user, and repository files
# must stay writable by it), so as root every pgbackrest call is `as_pg`.
pgbackrest_start() {
  local dir=$1 port=$2
  local conf=$dir/pgbackrest.conf repo=$dir/pgbackrest
  mkdir -p "$repo/repo" "$repo/log" "$repo/lock"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$repo"; fi
  cat >"$conf" <<CONF
[global]
repo1-path=$repo/repo
log-path=$repo/log
lock-path=$repo/lock
log-level-file=off
start-fast=y
compress-type=zst
archive-async=n

[analytics]
pg1-path=$dir/pg
pg1-port=$port
pg1-socket-path=$dir/pg
pg1-user=postgres
CONF
  chmod 644 "$conf"
  # Archiving starts with an empty archive_command (WAL waits, nothing
  # fails) and gets the real one once the stanza exists: archive-push before
  # stanza-create fails, and the archiver then backs off for a minute.
  local first=0
  [ -f "$dir/pg/PG_VERSION" ] || first=1
  postgres_start "$dir/pg" "$port" "wal_level = replica
archive_mode = on
archive_command = ''
max_wal_senders = 3"
  if [ "$first" -eq 1 ]; then
    as_pg pgbackrest --config="$conf" --stanza=analytics --log-level-console=warn stanza-create
    echo "archive_command = 'pgbackrest --config=$conf --stanza=analytics archive-push %p'" \
      >>"$dir/pg/postgresql.conf"
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" reload >/dev/null
  fi
}

redis_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  if redis-cli -p "$port" ping >/dev/null 2>&1; then return 0; fi
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no \
    --maxmemory 256mb --maxmemory-policy allkeys-lru >/dev/null
  for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis on port $port did not start" >&2
  return 1
}

redis_stop() {
  local dir=$1 port=$2 signal=${3:-}
  if [ -n "$signal" ] && [ -f "$dir/redis.pid" ]; then
    kill -9 "$(cat "$dir/redis.pid")" 2>/dev/null || true
  else
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  fi
  rm -f "$dir/redis.pid"
}

case "${1:-}" in
  start)
    dir=${2:-$DEFAULT_DIR}
    postgres_start "$dir/pg" "$PG_PORT"
    redis_start "$dir/redis" "$REDIS_PORT"
    echo "export ANALYTICS_TEST_POSTGRES_URL=postgresql://analytics@127.0.0.1:$PG_PORT/analytics_test"
    echo "export ANALYTICS_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
  stop)
    dir=${2:-$DEFAULT_DIR}
    postgres_stop "$dir/pg"
    redis_stop "$dir/redis" "$REDIS_PORT"
    ;;
  postgres)
    case "$2" in
      start) postgres_start "$3" "$4" ;;
      stop) postgres_stop "$3" fast ;;
      kill) postgres_stop "$3" immediate ;;
      *) echo "usage: $0 postgres start|stop|kill DIR PORT" >&2; exit 2 ;;
    esac
    ;;
  pgbackrest)
    case "$2" in
      start) pgbackrest_start "$3" "$4" ;;
      *) echo "usage: $0 pgbackrest start DIR PORT" >&2; exit 2 ;;
    esac
    ;;
  redis)
    case "$2" in
      start) redis_start "$3" "$4" ;;
      stop) redis_stop "$3" "$4" ;;
      kill) redis_stop "$3" "$4" kill ;;
      *) echo "usage: $0 redis start|stop|kill DIR PORT" >&2; exit 2 ;;
    esac
    ;;
  *)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Benchmark of daily_aggregation on PostgreSQL against the database's own
# limit: the best single SQL statements written by hand for the same rows,
# timed in the same run on the same private instance.
#
#   bench/jobs_bench.sh [BUILD_DIR] [TASKS]      (defaults: build, 1000000)
#
# Prints a table (figure, time, reference, ratio) and writes it under
# bench/results/. Needs the PostgreSQL 15 server binaries (install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tasks=${2:-1000000}
users=$((tasks / 100))
bin="$build/src/analytics"
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 2; }

dir=$(mktemp -d /tmp/analytics-bench.XXXXXX)
chmod 755 "$dir"
. "$root/scripts/free-port.sh"
free_ports port
cleanup() { bash "$root/scripts/test-services.sh" postgres stop "$dir/pg" "$port" || true; rm -rf "$dir"; }
trap cleanup EXIT
bash "$root/scripts/test-services.sh" postgres start "$dir/pg" "$port"
url="postgresql://analytics@127.0.0.1:$port/analytics_test"
export DATABASE_URL=$url
psql_q() { psql -qAtX "$url" -v ON_ERROR_STOP=1 "$@"; }
now_ms() { date +%s%3N; }

"$bin" migrate >/dev/null
echo "generating $users users and $tasks tasks over three years..." >&2
psql_q <<SQL
INSERT INTO users (id, created_at, token_hash, token_rotated_at)
  SELECT 'u' || g, now() - interval '3 years', md5(g::text) || md5((g + 1)::text), now()
  FROM generate_series(1, $users) g;
INSERT INTO user_aggregates (user_id) SELECT id FROM users;
-- Skewed activity: user = floor(users * r^3) puts most tasks on few users.
INSERT INTO tasks (user_id, title, status, priority, due_at, created_at, updated_at, completed_at, deleted)
  SELECT 'u' || (1 + floor($users * power(random(), 3)))::int, 'task ' || g,
         s.status, (ARRAY['low','medium','high','urgent'])[1 + floor(random() * 4)::int],
         c + interval '1 hour' * floor(random() * 24 * 14), c, c,
         CASE WHEN s.status = 'done' THEN c + interval '1 minute' * floor(random() * 60 * 24 * 10) END,
         random() < 0.02
  FROM generate_series(1, $tasks) g,
       LATERAL (SELECT now() - interval '1 second' * floor(random() * 3 * 365 * 86400) AS c WHERE g > 0) t,
       LATERAL (SELECT (ARRAY['todo','in_progress','done','done','done','cancelled'])[1 + floor(random() * 6)::int] AS status WHERE g > 0) s;
UPDATE tasks SET completed_at = NULL, status = 'todo' WHERE completed_at > now();
ANALYZE;
SQL

day=$(date -u -d "yesterday" +%F)
from=$(date -u -d "366 days ago" +%F)
to=$day

# One day: the job (a process start, a job_runs row, one INSERT … SELECT in a
# transaction) against the same rows computed by one hand-written statement.
t0=$(now_ms); "$bin" job run daily_aggregation --date "$day" >/dev/null; t1=$(now_ms)
job_day=$((t1 - t0))
t0=$(now_ms); psql_q -v day="$day" -f "$here/hand_day.sql" >/dev/null; t1=$(now_ms)
hand_day=$((t1 - t0))

# A year's backfill: the job (one transaction per day) against one statement
# with window functions over per-day events.
t0=$(now_ms); "$bin" job run daily_aggregation --from "$from" --to "$to" >/dev/null; t1=$(now_ms)
job_year=$((t1 - t0))
hand_year_sql="
CREATE TEMP TABLE hand_year AS
WITH t AS (SELECT user_id, status, created_at, completed_at FROM tasks WHERE deleted = FALSE AND status <> 'cancelled'),
ev AS (SELECT user_id, (created_at AT TIME ZONE 'UTC')::date AS d, 1 AS c, 0 AS k FROM t
       UNION ALL SELECT user_id, (completed_at AT TIME ZONE 'UTC')::date, 0, 1 FROM t WHERE status = 'done'),
daily AS (SELECT user_id, d, SUM(c) AS c, SUM(k) AS k FROM ev GROUP BY user_id, d),
cum AS (SELECT user_id, d, c, k, SUM(c) OVER w AS total, SUM(k) OVER w AS done
        FROM daily WINDOW w AS (PARTITION BY user_id ORDER BY d))
SELECT * FROM cum WHERE d BETWEEN DATE '$from' AND DATE '$to';"
t0=$(now_ms); psql_q -c "$hand_year_sql" >/dev/null; t1=$(now_ms)
hand_year=$((t1 - t0))

rows_day=$(psql_q -c "SELECT COUNT(*) FROM daily_analytics WHERE date = DATE '$day'")
rows_year=$(psql_q -c "SELECT COUNT(*) FROM daily_analytics WHERE date BETWEEN DATE '$from' AND DATE '$to'")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

mkdir -p "$here/results"
out="$here/results/jobs-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "daily_aggregation on PostgreSQL 15: $tasks tasks, $users users, $(nproc) cores, $(uname -srm)"
  printf '%-34s %10s %12s %8s\n' figure "job ms" "hand SQL ms" ratio
  printf '%-34s %10d %12d %8s\n' "one day ($rows_day rows)" "$job_day" "$hand_day" "$(ratio "$job_day" "$hand_day")"
  printf '%-34s %10d %12d %8s\n' "366-day backfill ($rows_year rows)" "$job_year" "$hand_year" "$(ratio "$job_year" "$hand_year")"
  echo "job times include starting the process, migrations check and the job_runs bookkeeping."
} | tee "$out"

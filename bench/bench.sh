#!/usr/bin/env bash
# The performance suite (issue 4): every figure of the service against a
# reference measured in the same run, on the same machine, with the same load
# tool and settings, printed as one table and written under bench/results/.
#
#   bench/bench.sh [--quick] [BUILD_DIR]
#
# Full: 100,000 users, 10,000,000 tasks plus one user with 1,000,000 (the
# dataset alone takes minutes). --quick: a small dataset and short runs, for
# CI, so the harness cannot rot; it fails only when a figure cannot be
# measured, while the full run also fails when a target is missed.
# Needs the packages of `scripts/install-deps.sh --bench`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
build=${1:-$root/build}
bin="$build/src/analytics"
[ -x "$bin" ] || { echo "bench: build first: $bin not found" >&2; exit 2; }
for tool in wrk nginx psql /usr/lib/postgresql/15/bin/pgbench /usr/bin/python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing: bash scripts/install-deps.sh --bench" >&2; exit 2; }
done

if [ $quick -eq 1 ]; then
  users=2000 tasks=100000 big_tasks=50000 duration=3 warmup=1 batches=2 pg_runs=5
else
  users=${BENCH_USERS:-100000} tasks=${BENCH_TASKS:-10000000} big_tasks=${BENCH_BIG_TASKS:-1000000}
  duration=15 warmup=5 batches=10 pg_runs=15
fi
connections=64 wrk_threads=2 io_threads=2 workers=${BENCH_WORKERS:-8}

dir=$(mktemp -d /tmp/analytics-bench.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/www" "$dir/tmp" "$dir/log"
pids=()
. "$root/scripts/free-port.sh"
free_ports pg_port redis_port api_port nocache_port nginx_port peer_port
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash "$root/scripts/test-services.sh" postgres stop "$dir/pg" "$pg_port" || true
  bash "$root/scripts/test-services.sh" redis stop "$dir/redis" "$redis_port" || true
  if [ -n "${hugepages_before:-}" ]; then echo "$hugepages_before" >/proc/sys/vm/nr_hugepages; fi
  rm -rf "$dir"
}
trap cleanup EXIT
say() { echo "bench: $*" >&2; }
now_ms() { date +%s%3N; }

# --- services ---------------------------------------------------------------
bash "$root/scripts/test-services.sh" postgres start "$dir/pg" "$pg_port"
if [ $quick -eq 0 ]; then
  # The full dataset is ~3 GB: give PostgreSQL memory like a real server's.
  as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  printf 'shared_buffers = 2GB\nmax_wal_size = 8GB\nwork_mem = 64MB\nmaintenance_work_mem = 1GB\n' \
    >>"$dir/pg/postgresql.conf"
  # ...and huge pages for its shared memory, as PostgreSQL's manual advises
  # for large shared_buffers: with 4 kB pages every backend faults in each
  # buffer page it touches once more, which on this kind of VM cost a write
  # up to 10 ms (bench/README.md). 1,200 pages of 2 MB cover 2 GB of buffers
  # and the rest of the segment; the old setting comes back on exit.
  # huge_pages = try: without them PostgreSQL starts all the same.
  hugepages_want=1200
  if [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
    hugepages_before=$(cat /proc/sys/vm/nr_hugepages)
    if [ "$hugepages_before" -lt "$hugepages_want" ]; then
      echo "$hugepages_want" >/proc/sys/vm/nr_hugepages || true
    fi
  fi
  printf 'huge_pages = try\n' >>"$dir/pg/postgresql.conf"
  as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$dir/pg" -o "-p $pg_port" -l "$dir/pg/server.log" -w restart >/dev/null
  pg_memory="shared_buffers 2GB, $(awk '/HugePages_Total/ { t = $2 } /HugePages_Free/ { f = $2 }
    /HugePages_Rsvd/ { r = $2 } END { print t - f + r }' /proc/meminfo) huge pages of 2 MB in use"
fi
bash "$root/scripts/test-services.sh" redis start "$dir/redis" "$redis_port"
export DATABASE_URL="postgresql://analytics@127.0.0.1:$pg_port/analytics_test"
admin_token="bench-admin-$(od -An -N24 -tx1 /dev/urandom | tr -d " \n")"
export ANALYTICS_ADMIN_TOKEN=$admin_token
psql_q() { psql -qAtX "$DATABASE_URL" -v ON_ERROR_STOP=1 "$@"; }

"$bin" migrate >/dev/null
say "dataset: $users users, $tasks tasks, one user with $big_tasks tasks..."
t0=$(now_ms)
psql_q -v users="$users" -v tasks="$tasks" -v big_tasks="$big_tasks" -f "$here/dataset.sql"
say "dataset ready in $(( ($(now_ms) - t0) / 1000 )) s"

# One analytics instance: PORT CACHE_TTL REDIS_DB NAME. Waits until it answers.
start_server() {
  local port=$1 ttl=$2 db=$3 name=$4
  cat >"$dir/$name.yml" <<YML
server: {port: $port, io_threads: $io_threads, workers: $workers}
database: {url: "$DATABASE_URL"}
cache: {url: "redis://127.0.0.1:$redis_port/$db", ttl_overview: $ttl, ttl_metrics: $ttl}
rate_limit: {enabled: false}
logging: {dir: "$dir/log/$name"}
jobs: {scheduler_enabled: false, log_dir: "$dir/log/$name/jobs"}
YML
  "$bin" serve --config "$dir/$name.yml" >"$dir/$name.out" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
  wait_http "$port"
}
wait_http() {
  for _ in $(seq 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/health" && return 0
    sleep 0.05
  done
  say "nothing answers on port $1"; exit 3
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# Samples a process's RSS every 100 ms into FILE until killed.
sample_rss() { while :; do rss_kb "$1" >>"$2" 2>/dev/null || return; sleep 0.1; done; }
max_of() { sort -n "$1" | tail -1; }

# wrk with the skewed overview script: URL DURATION [env...]; prints WRK_RESULT json.
run_wrk() {
  local url=$1 secs=$2; shift 2
  env BENCH_USERS="$users" "$@" wrk -t"$wrk_threads" -c"$connections" -d"${secs}s" --timeout 10s \
    -s "$here/wrk/overview.lua" "$url" | sed -n 's/^WRK_RESULT //p'
}
# Reads every user's overview once (wrk/warm.lua): the cache as a service that
# has run a while has it, rather than a cold start's misses.
warm_cache() {
  local secs=$(( users / 2000 + warmup ))
  BENCH_USERS="$users" BENCH_THREADS="$wrk_threads" wrk -t"$wrk_threads" -c"$connections" \
    -d"${secs}s" --timeout 10s -s "$here/wrk/warm.lua" "$1" >/dev/null
}
json() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }

start_server "$api_port" 300 0 api
sleep 0.5
idle_rss=$(rss_kb "$api_pid")
start_server "$nocache_port" 0 3 nocache

# nginx serves the very bytes of an overview response.
curl -sf -H "Authorization: Bearer bt_1" -o "$dir/www/overview.json" \
  "http://127.0.0.1:$api_port/api/v1/users/u1/analytics/overview"
sed -e "s|@DIR@|$dir|g; s|@PORT@|$nginx_port|; s|@WORKERS@|$io_threads|" "$here/nginx.conf.in" >"$dir/nginx.conf"
nginx -c "$dir/nginx.conf" -e "$dir/nginx-error.log" &
pids+=($!)
wait_http_any() {
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done
  say "nothing answers on port $1"; exit 3
}
wait_http_any "$nginx_port"

# The Python peer on the same PostgreSQL and Redis (its own Redis db).
REDIS_URL="redis://127.0.0.1:$redis_port/2" bash "$here/peers/python/run.sh" "$peer_port" \
  >"$dir/peer.out" 2>&1 &
pids+=($!)
wait_http_any "$peer_port"

# --- HTTP figures -----------------------------------------------------------
say "nginx static file..."
run_wrk "http://127.0.0.1:$nginx_port" "$warmup" >/dev/null
nginx_res=$(run_wrk "http://127.0.0.1:$nginx_port" "$duration")

say "cached overview..."
warm_cache "http://127.0.0.1:$api_port"
: >"$dir/rss_load"
sample_rss "$api_pid" "$dir/rss_load" & sampler=$!
cached_res=$(run_wrk "http://127.0.0.1:$api_port" "$duration")
kill $sampler; wait $sampler 2>/dev/null || true

say "python peer..."
# The peer's cache starts as warm as ours: the same overview bodies, copied
# from our Redis db into its own (the peer would take minutes to fill it).
redis-cli -p "$redis_port" --scan --pattern 'analytics:overview:*' |
  awk '{ print "COPY " $1 " " $1 " DB 2 REPLACE" }' | redis-cli -p "$redis_port" >/dev/null
run_wrk "http://127.0.0.1:$peer_port" "$warmup" >/dev/null
peer_res=$(run_wrk "http://127.0.0.1:$peer_port" "$duration")

# Uncached overview of the 1,000,000-task user, one connection, against the
# hand-written GROUP BY for the same numbers timed by pgbench.
say "uncached overview of the big user..."
uncached_res=$(BENCH_FIXED_USER=big env BENCH_USERS="$users" wrk -t1 -c1 -d"${duration}s" \
  -s "$here/wrk/overview.lua" "http://127.0.0.1:$nocache_port" | sed -n 's/^WRK_RESULT //p')
cat >"$dir/groupby.sql" <<'SQL'
SELECT status, priority, COUNT(*),
       SUM(CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END
           * CASE WHEN status = 'done' AND (due_at IS NULL OR completed_at <= due_at) THEN 2
                  WHEN status = 'done' THEN 1 ELSE 0 END),
       COUNT(*) FILTER (WHERE status IN ('todo', 'in_progress') AND due_at < now())
FROM tasks WHERE user_id = 'big' AND deleted = FALSE GROUP BY status, priority;
SQL
(cd "$dir" && /usr/lib/postgresql/15/bin/pgbench -n -h 127.0.0.1 -p "$pg_port" -U analytics \
  -f groupby.sql -t "$pg_runs" -l --log-prefix=pgbench_log analytics_test >/dev/null 2>&1)
groupby_p50_us=$(cat "$dir"/pgbench_log.* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

# Mixed load: 5 % task writes. Read-your-writes is checked meanwhile by a
# client that writes and then reads through the same server (ryw.py).
say "mixed load..."
# Warmed up like the other loads: the first writes on each of the server's
# database connections pay one-time costs (statement preparation, the
# backend's first touch of the pages it writes).
run_wrk "http://127.0.0.1:$api_port" "$warmup" BENCH_WRITE_PERCENT=5 >/dev/null
hits0=$(metric "$api_port" analytics_cache_hits_total) misses0=$(metric "$api_port" analytics_cache_misses_total)
run_wrk "http://127.0.0.1:$api_port" "$duration" BENCH_WRITE_PERCENT=5 >"$dir/mixed.json" &
mixed_wrk=$!
sample_rss "$api_pid" "$dir/rss_load" & sampler=$!
read -r ryw_checks ryw_violations < <(/usr/bin/python3 "$here/ryw.py" "$api_port" $((duration - 1)))
if [ -z "${ryw_checks:-}" ] || [ "$ryw_checks" -eq 0 ]; then
  say "the read-your-writes checker made no check"; ryw_checks=0 ryw_violations=1
fi
wait $mixed_wrk
kill $sampler; wait $sampler 2>/dev/null || true
mixed_res=$(cat "$dir/mixed.json")
hits1=$(metric "$api_port" analytics_cache_hits_total) misses1=$(metric "$api_port" analytics_cache_misses_total)
load_rss=$(max_of "$dir/rss_load")

# --- database figures -------------------------------------------------------
say "daily_aggregation..."
day=$(date -u -d yesterday +%F)
t0=$(now_ms); "$bin" job run daily_aggregation --date "$day" >/dev/null; job_day_ms=$(( $(now_ms) - t0 ))
t0=$(now_ms); psql_q -v day="$day" -f "$here/hand_day.sql" >/dev/null; hand_day_ms=$(( $(now_ms) - t0 ))
# The reference must give the job's rows, every column but computed_at (untimed).
day_diff=$(psql_q -v day="$day" -f "$here/hand_day.sql" -c "
  SELECT COUNT(*) FROM ((SELECT user_id, date, tasks_created, tasks_completed, total_tasks,
    completed_tasks, completion_rate, productivity_score FROM hand_day
  EXCEPT SELECT user_id, date, tasks_created, tasks_completed, total_tasks, completed_tasks,
    completion_rate, productivity_score FROM daily_analytics WHERE date = '$day')
  UNION ALL (SELECT user_id, date, tasks_created, tasks_completed, total_tasks, completed_tasks,
    completion_rate, productivity_score FROM daily_analytics WHERE date = '$day'
  EXCEPT SELECT user_id, date, tasks_created, tasks_completed, total_tasks,
    completed_tasks, completion_rate, productivity_score FROM hand_day)) d")
[ "$day_diff" = 0 ] || { say "hand_day.sql and the job disagree on $day_diff rows"; exit 3; }

# tasks:batch against COPY of the same rows (a fresh user each side).
say "tasks:batch import..."
/usr/bin/python3 - "$dir" <<'PY'
import json, sys, datetime
d = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
rows, csv = [], []
for i in range(10000):
    c = now - datetime.timedelta(minutes=7 * i + 60)
    s = ["todo", "in_progress", "done", "cancelled"][i % 4]
    p = ["low", "medium", "high", "urgent"][i % 4]
    t = {"title": f"imported \"task\" {i}, with a comma", "status": s, "priority": p,
         "due_at": (c + datetime.timedelta(days=3)).isoformat().replace("+00:00", "Z"),
         "created_at": c.isoformat().replace("+00:00", "Z")}
    if s == "done":
        t["completed_at"] = (c + datetime.timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    rows.append(t)
    title = t["title"].replace('"', '""')
    csv.append(f'importer,"{title}",{s},{p},{t["due_at"]},{t["created_at"]},'
               f'{t.get("completed_at", t["created_at"])},{t.get("completed_at", "")}')
json.dump(rows, open(f"{d}/batch.json", "w"))
open(f"{d}/batch.csv", "w").write("\n".join(csv) + "\n")
PY
curl -sf -o /dev/null -H "Authorization: Bearer $admin_token" -H "Content-Type: application/json" \
  -d '{"id":"importer"}' "http://127.0.0.1:$api_port/api/v1/users"
batch_fail=0
# One untimed batch and one untimed \copy first, in that order: the first
# writes into the big tables pay one-time costs (new relation and index pages,
# the server's statement preparation), which the reference, timed second,
# would otherwise be spared.
copy_one="\\copy tasks (user_id, title, status, priority, due_at, created_at, updated_at, completed_at) FROM '$dir/batch.csv' WITH (FORMAT csv)"
curl -s -o /dev/null -H "Authorization: Bearer $admin_token" -H "Content-Type: application/json" \
  --data-binary "@$dir/batch.json" "http://127.0.0.1:$api_port/api/v1/users/importer/tasks:batch"
psql_q <<<"$copy_one" >/dev/null
t0=$(now_ms)
for _ in $(seq "$batches"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" \
    -H "Content-Type: application/json" --data-binary "@$dir/batch.json" \
    "http://127.0.0.1:$api_port/api/v1/users/importer/tasks:batch")
  [ "$code" = 201 ] || batch_fail=1
done
batch_ms=$(( $(now_ms) - t0 ))
[ $batch_fail -eq 0 ] || { say "a tasks:batch request failed"; exit 3; }
copy_sql=""
for _ in $(seq "$batches"); do copy_sql+="$copy_one"$'\n'; done
t0=$(now_ms); psql_q <<<"$copy_sql" >/dev/null; copy_ms=$(( $(now_ms) - t0 ))

# Export of the big user's tasks as CSV against psql's \copy of the same rows.
# One untimed \copy first, so that neither side is timed reading the rows
# from disk while the other finds them in memory.
say "export..."
export_query="SELECT id, user_id, title, status, priority, due_at, created_at, updated_at, completed_at, deleted, deleted_at FROM tasks WHERE user_id = 'big' ORDER BY id"
psql_q -c "\\copy ($export_query) TO '/dev/null' WITH (FORMAT csv, HEADER)"
rss_before_export=$(rss_kb "$api_pid")
: >"$dir/rss_export"
sample_rss "$api_pid" "$dir/rss_export" & sampler=$!
t0=$(now_ms)
curl -sf -H "Authorization: Bearer bt_big" -o "$dir/export.csv" \
  "http://127.0.0.1:$api_port/api/v1/users/big/export?dataset=tasks&format=csv"
export_ms=$(( $(now_ms) - t0 ))
kill $sampler; wait $sampler 2>/dev/null || true
export_rows=$(( $(wc -l <"$dir/export.csv") - 1 ))
export_rss_growth=$(( $(max_of "$dir/rss_export") - rss_before_export ))
t0=$(now_ms)
psql_q -c "\\copy ($export_query) TO '$dir/psql.csv' WITH (FORMAT csv, HEADER)"
psql_export_ms=$(( $(now_ms) - t0 ))

# --- the table --------------------------------------------------------------
fails=0
rows=()
# row FIGURE VALUE REFERENCE RATIO OP TARGET: PASS when RATIO OP TARGET.
row() {
  local verdict
  verdict=$(awk -v r="$4" -v op="$5" -v t="$6" 'BEGIN {
    ok = (op == ">=") ? (r >= t) : (r <= t); print (ok ? "PASS" : "FAIL") }')
  [ "$verdict" = PASS ] || fails=$((fails + 1))
  rows+=("$(printf '%-44s %16s %16s %8s %9s  %s' "$1" "$2" "$3" "$4" "$5 $6" "$verdict")")
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

n_rps=$(json "$nginx_res" rps) n_p99=$(json "$nginx_res" p99_us)
c_rps=$(json "$cached_res" rps) c_p99=$(json "$cached_res" p99_us)
p_rps=$(json "$peer_res" rps)
u_p50=$(json "$uncached_res" p50_us)
m_rps=$(json "$mixed_res" rps)
# In awk: the exposition writes large counters as floats (1.2e+06).
hit_rate=$(awk -v h0="$hits0" -v h1="$hits1" -v m0="$misses0" -v m1="$misses1" 'BEGIN {
  h = h1 - h0; n = h + m1 - m0; printf "%.3f", (n > 0 ? h / n : 0) }')
for r in "$cached_res" "$peer_res" "$mixed_res" "$uncached_res" "$nginx_res"; do
  if [ "$(json "$r" errors)" != 0 ] || [ "$(json "$r" non2xx)" != 0 ]; then
    say "errors under load: $r"; fails=$((fails + 1))
  fi
done

row "cached overview req/s vs nginx" "$c_rps" "$n_rps" "$(div "$c_rps" "$n_rps")" ">=" 0.6
row "cached overview p99 us vs nginx" "$c_p99" "$n_p99" "$(div "$c_p99" "$n_p99")" "<=" 2
row "cached overview req/s vs python peer" "$c_rps" "$p_rps" "$(div "$c_rps" "$p_rps")" ">=" 10
row "uncached big-user p50 us vs GROUP BY p50" "$u_p50" "$groupby_p50_us" "$(div "$u_p50" "$groupby_p50_us")" "<=" 0.01
row "mixed 95/5 req/s vs nginx" "$m_rps" "$n_rps" "$(div "$m_rps" "$n_rps")" ">=" 0.3
row "mixed 95/5 cache hit rate" "$hit_rate" "-" "$hit_rate" ">=" 0.95
row "mixed read-your-writes violations" "$ryw_violations/$ryw_checks" "-" "$ryw_violations" "<=" 0
row "daily_aggregation one day ms vs hand SQL" "$job_day_ms" "$hand_day_ms" "$(div "$job_day_ms" "$hand_day_ms")" "<=" 1.2
row "tasks:batch $((batches * 10))k rows ms (COPY/ours)" "$batch_ms" "$copy_ms" "$(div "$copy_ms" "$batch_ms")" ">=" 0.5
row "export CSV $export_rows rows ms (psql/ours)" "$export_ms" "$psql_export_ms" "$(div "$psql_export_ms" "$export_ms")" ">=" 0.5
row "export RSS growth MB" "$(div "$export_rss_growth" 1024)" "-" "$(div "$export_rss_growth" 1024)" "<=" 16
row "RSS under 64 connections MB" "$(div "$load_rss" 1024)" "-" "$(div "$load_rss" 1024)" "<=" 100
row "RSS idle MB" "$(div "$idle_rss" 1024)" "-" "$(div "$idle_rss" 1024)" "<=" 30

mode=full; [ $quick -eq 1 ] && mode=quick
mkdir -p "$here/results"
out="$here/results/bench-$mode-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "analytics bench ($mode): $users users, $tasks tasks + $big_tasks for one user; wrk -t$wrk_threads -c$connections -d${duration}s"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -srm), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "server: io_threads $io_threads, workers $workers, Redis cache; nginx $(nginx -v 2>&1 | sed 's/.*\///') with $io_threads workers"
  echo "postgresql: ${pg_memory:-default memory settings}"
  printf '%-44s %16s %16s %8s %9s  %s\n' figure value reference ratio target verdict
  printf '%s\n' "${rows[@]}"
  echo "$fails target(s) missed"
} | tee "$out"
if [ $quick -eq 1 ]; then exit 0; fi
[ $fails -eq 0 ]

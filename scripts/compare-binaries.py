#!/usr/bin/env python3
"""Checks that two builds of `analytics` answer the same: the same HTTP status,
headers that matter and body for a fixed list of API requests, and the same
stdout, stderr and exit code for a fixed list of CLI commands, each binary on
its own copy of one SQLite database seeded once by the first binary.

    scripts/compare-binaries.py OLD_BINARY NEW_BINARY

Values that differ between any two runs are masked before comparing: request
ids, `Date`, times within a minute of now, new tokens. Exits 1 on the first
difference, printing both answers. A refactoring that must not change
behaviour is checked with the binary from before it (issue 12).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ADMIN = "compare-binaries-admin-token-0123456789abcdef"
USERS = ["demo-user-01", "demo-user-07", "demo-user-30"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder, port):
    path = os.path.join(folder, "config.yml")
    with open(path, "w") as f:
        f.write(
            f"server:\n  port: {port}\n  host: 127.0.0.1\n"
            f"database:\n  url: sqlite:///{folder}/analytics.db\n"
            f"logging:\n  dir: {folder}/log\n"
            f"jobs:\n  scheduler_enabled: false\n  log_dir: {folder}/log/jobs\n"
            f"auth:\n  admin_token: {ADMIN}\n"
            f"rate_limit:\n  enabled: false\n"
        )
    return path


NOW_PATTERNS = [
    re.compile(r"[0-9a-f]{32}"),  # request ids
    re.compile(r'"(as_of|checked_at|created_at|updated_at|started_at|finished_at|'
               r'generated_at|completed_at)":"[^"]*"'),
    re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"),
    re.compile(r'"token":"[^"]*"'),
    re.compile(r'"uptime_seconds":[0-9.]+'),
    re.compile(r'"duration_ms":[0-9.]+'),
    re.compile(r'"latency_ms":[0-9.]+'),
    re.compile(r"in \d+ ms"),
    re.compile(r"/tmp/compare-binaries\.[^/]+/(old|new)/"),
]


def mask(text):
    for p in NOW_PATTERNS:
        text = p.sub(lambda m: m.group(0).split(":")[0] + ":<masked>"
                     if m.group(0).startswith('"') else "<masked>", text)
    return text


def requests():
    """(method, path, body, token) of each request, in order."""
    out = [("GET", "/health", None, None), ("GET", "/nosuch", None, ADMIN),
           ("GET", "/api/v1/users", None, ADMIN), ("GET", "/api/v1/users?limit=0", None, ADMIN),
           ("GET", "/api/v1/users?limit=abc", None, ADMIN),
           ("GET", "/api/v1/users/demo-user-01/analytics", None, None),
           ("GET", "/api/v1/users/demo-user-01/analytics", None, "bad-token"),
           ("DELETE", "/api/v1/users/demo-user-01/analytics", None, ADMIN),
           ("GET", "/api/v1/admin/jobs", None, ADMIN)]
    for u in USERS:
        base = f"/api/v1/users/{u}"
        out += [("GET", f"{base}/analytics", None, ADMIN),
                ("GET", f"{base}/analytics", None, ADMIN),  # now cached
                ("GET", f"{base}/analytics/completion_rate", None, ADMIN),
                ("GET", f"{base}/analytics/nosuch", None, ADMIN),
                ("GET", f"{base}/analytics/trends?period=daily&from=2026-01-01&to=2026-02-01",
                 None, ADMIN),
                ("GET", f"{base}/analytics/trends?period=monthly", None, ADMIN),
                ("GET", f"{base}/analytics/trends?period=yearly", None, ADMIN),
                ("GET", f"{base}/tasks?limit=5", None, ADMIN),
                ("GET", f"{base}/tasks?status=done&priority=high&limit=3", None, ADMIN),
                ("GET", f"{base}/tasks?status=bogus", None, ADMIN),
                ("GET", f"{base}/tasks/1", None, ADMIN),
                ("GET", f"{base}/tasks/abc", None, ADMIN),
                ("GET", f"{base}/export?format=ndjson", None, ADMIN),
                ("GET", f"{base}/export?format=csv", None, ADMIN),
                ("GET", f"{base}/export?format=xml", None, ADMIN),
                ("POST", f"{base}/tasks", '{"title":"x","priority":"urgent"}', ADMIN),
                ("POST", f"{base}/tasks", '{"title":"x","priority":"nope"}', ADMIN),
                ("POST", f"{base}/tasks", '{"title":', ADMIN),
                ("POST", f"{base}/tasks", '{"title":"\udcff"}', ADMIN),
                ("POST", f"{base}/tasks:batch",
                 '{"tasks":[{"title":"a","status":"done"},{"title":"b"}]}', ADMIN),
                ("PATCH", f"{base}/tasks/2", '{"status":"done"}', ADMIN),
                ("PATCH", f"{base}/tasks/2", '{"due_at":"10000-01-01T00:00:00Z"}', ADMIN),
                ("DELETE", f"{base}/tasks/3", None, ADMIN),
                ("DELETE", f"{base}/tasks/3", None, ADMIN),
                ("GET", f"{base}/analytics", None, ADMIN)]
    return out


HEADERS = ["content-type", "cache-control", "retry-after", "allow", "location",
           "content-disposition", "www-authenticate", "x-cache"]


def call(port, method, path, body, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=body.encode("utf-8", "surrogateescape") if body else None)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if body:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, headers, data = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, headers, data = e.code, e.headers, e.read()
    kept = {h: headers.get(h) for h in HEADERS if headers.get(h) is not None}
    return status, kept, mask(data.decode("utf-8", "replace"))


def serve(binary, config, port):
    proc = subprocess.Popen([binary, "--config", config, "serve"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{binary} did not listen on {port}")


CLI = [["--help"], ["serve", "--help"], ["demo", "--help"], ["users", "--help"],
       ["job", "--help"], ["users", "list"], ["--json", "users", "list"],
       ["users", "list", "--json"], ["users", "create", "bad id!"],
       ["users", "rotate-token", "nobody"], ["users", "create", "demo-user-01"],
       ["job", "status"], ["--json", "job", "status"], ["job", "schedule"],
       ["--json", "job", "schedule"], ["job", "run", "nosuch"],
       ["job", "run", "daily_aggregation", "--date", "03/01/2024"],
       ["job", "run", "daily_aggregation", "--date", "2026-01-05"],
       ["nosuch"], ["migrate"], ["--config", "/nonexistent.yml", "migrate"]]


def run_cli(binary, config, args):
    full = [binary] + (args if args and args[0] == "--config" else ["--config", config] + args)
    p = subprocess.run(full, capture_output=True, timeout=120,
                       env=dict(os.environ, ANALYTICS_ADMIN_TOKEN=ADMIN))
    return p.returncode, mask(p.stdout.decode(errors="replace")), mask(
        p.stderr.decode(errors="replace"))


def main(old, new):
    root = tempfile.mkdtemp(prefix="compare-binaries.")
    try:
        seed_dir = os.path.join(root, "seed")
        os.makedirs(seed_dir)
        port = free_port()
        config = write_config(seed_dir, port)
        # The demo seeds, then serves: stop it once it listens.
        demo = subprocess.Popen([old, "--config", config, "demo", "--users", "30", "--tasks",
                                 "3000", "--port", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        for _ in range(1200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        demo.terminate()
        demo.wait(timeout=30)
        answers = {}
        for name, binary in (("old", old), ("new", new)):
            folder = os.path.join(root, name)
            os.makedirs(folder)
            shutil.copy(os.path.join(seed_dir, "analytics.db"), folder)
            port = free_port()
            config = write_config(folder, port)
            proc = serve(binary, config, port)
            try:
                answers[name] = [call(port, *r) for r in requests()]
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            answers[name] += [run_cli(binary, config, args) for args in CLI]
        labels = [f"{m} {p}" for m, p, _, _ in requests()] + [" ".join(a) for a in CLI]
        differ = 0
        for label, a, b in zip(labels, answers["old"], answers["new"]):
            if a != b:
                differ += 1
                print(f"DIFFERS: {label}\n  old: {json.dumps(a)[:2000]}\n"
                      f"  new: {json.dumps(b)[:2000]}")
        print(f"compare-binaries: {len(labels)} answers compared, {differ} differ")
        return 1 if differ else 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

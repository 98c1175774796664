"""Read-your-writes check for bench.sh's mixed load.

   python3 bench/ryw.py PORT SECONDS   prints "CHECKS VIOLATIONS"

Over one keep-alive connection, as user u2 (token bt_2): read the overview's
task total, create a task, read the total again; the second read must show
at least one task more (other writers may add some too). One check every
100 ms, so that the checker takes next to no CPU from the server it measures
(a shell loop of curl processes took a quarter of the mixed load's
throughput on two cores).
"""
import http.client
import json
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
headers = {"Authorization": "Bearer bt_2"}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def total():
    conn.request("GET", "/api/v1/users/u2/analytics/overview", headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        return None
    return json.loads(body)["task_totals"]["total"]


def create():
    conn.request("POST", "/api/v1/users/u2/tasks", body='{"title":"ryw check"}',
                 headers={**headers, "Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status == 201


checks = violations = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        before = total()
        created = create()
        after = total()
    except (OSError, http.client.HTTPException, ValueError, KeyError):
        before = created = after = None
        conn.close()
    checks += 1
    if before is None or after is None or not created or after <= before:
        violations += 1
    time.sleep(0.1)
print(checks, violations)

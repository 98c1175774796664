"""One user's overview reads at a steady pace on one keep-alive connection,
timed one by one: bench/flood.sh runs it alone and under the flood.
Usage: flood_probe.py PORT TOKEN SECONDS RATE. Prints p50 and p99 in ms."""
import http.client
import sys
import time

port, token, seconds, rate = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
headers = {"Authorization": "Bearer " + token}
times, failed = [], 0
start = time.monotonic()
n = 0
while time.monotonic() - start < seconds:
    due = start + n / rate
    pause = due - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    t0 = time.perf_counter()
    conn.request("GET", "/api/v1/users/victim/analytics/overview", headers=headers)
    resp = conn.getresponse()
    resp.read()
    times.append((time.perf_counter() - t0) * 1000)
    if resp.status != 200:
        failed += 1
    n += 1
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{p(0.5):.3f} {p(0.99):.3f} {len(times)} {failed}")

"""Sequential GET /api/v1/me on one keep-alive connection; prints p50/p99/max in milliseconds."""
import http.client
import statistics
import sys
import time

port, token, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
latencies = []
for _ in range(count):
    start = time.perf_counter()
    connection.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + token})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"GET /api/v1/me answered {response.status}")
    latencies.append((time.perf_counter() - start) * 1000)
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"me_result n={count} p50_ms={p(0.50):.1f} p99_ms={p(0.99):.1f} max_ms={latencies[-1]:.1f} mean_ms={statistics.mean(latencies):.1f}")

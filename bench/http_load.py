"""A small HTTP load generator for loopback benchmarks.

Each client thread keeps one connection open and sends its share of a fixed
number of requests: bounded in count, and in time by ``timeout``.
"""

import http.client
import threading
import time


def hammer(
    host,
    port,
    path,
    total,
    concurrency=4,
    timeout=120,
    method="GET",
    body=None,
    headers=None,
    bodies=None,
):
    """Send ``total`` requests; return (requests per second, status counts).

    ``bodies``: an iterator giving each request its own body (a one-time token
    each), instead of ``body`` for all.
    """
    statuses = {}
    lock = threading.Lock()

    def next_body():
        if bodies is None:
            return body
        with lock:
            return next(bodies)

    deadline = time.monotonic() + timeout
    shares = [
        total // concurrency + (1 if i < total % concurrency else 0)
        for i in range(concurrency)
    ]

    def client(count):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        local = {}
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            try:
                conn.request(method, path, body=next_body(), headers=headers or {})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            local[status] = local.get(status, 0) + 1
        conn.close()
        with lock:
            for key, value in local.items():
                statuses[key] = statuses.get(key, 0) + value

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    done = sum(statuses.values())
    return done / elapsed, statuses

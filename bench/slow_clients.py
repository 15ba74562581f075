"""Slow clients, for `make loadtest` (and the test suite): connections that trickle their request
headers, a byte every second, never finishing them, as a slowloris attack does; and a probe that
makes normal requests meanwhile and times them.

`start(url, paths)` runs both until `finish()`: LOADTEST_SLOW_CLIENTS
connections (default 50; 0: none) trickle, reopened whenever the server drops one, and the probe
asks for each of `paths` in turn, one request at a time. `finish()` stops them and gives the probe's
latencies (p50, p95, max) and whether they held the bound: every request answered, and none
later than LOADTEST_SLOW_CLIENT_BOUND_MS (default 1,000 ms).
"""

import http.client
import os
import socket
import statistics
import threading
import time
import urllib.parse

CONNECTIONS = int(os.environ.get("LOADTEST_SLOW_CLIENTS", "50"))
BOUND_MS = float(os.environ.get("LOADTEST_SLOW_CLIENT_BOUND_MS", "1000"))


class Trickle:
    """`count` connections to host:port, each sending a request line, then one more byte of an
    endless header every `interval` seconds. A connection the server closes is opened again."""

    def __init__(self, host: str, port: int, count: int, interval: float = 1.0):
        self.host, self.port, self.count, self.interval = host, port, count, interval
        self.sockets: list[socket.socket | None] = [None] * count
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=2)
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {self.host}\r\nX-Slow: ".encode())
            return sock
        except OSError:
            return None

    def _run(self) -> None:
        while not self._stop.is_set():
            for i, sock in enumerate(self.sockets):
                if sock is not None:
                    try:
                        sock.sendall(b"a")
                        continue
                    except OSError:
                        sock.close()
                        self.reopened += 1
                self.sockets[i] = self._open()
            self._stop.wait(self.interval)

    def open_count(self) -> int:
        return sum(sock is not None for sock in self.sockets)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            if sock is not None:
                sock.close()


class Probe:
    """Normal requests, one after another, each timed: what a reader gets meanwhile."""

    def __init__(self, host: str, port: int, paths: list[str], timeout: float = 60.0):
        self.host, self.port, self.paths, self.timeout = host, port, paths, timeout
        self.latencies_ms: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def get(self, path: str) -> float:
        """One request on a fresh connection, as a new reader makes it; its latency in ms."""
        started = time.monotonic()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                self.failures.append(f"{response.status} at {path}")
        except OSError as error:
            self.failures.append(f"{error.__class__.__name__} at {path}")
        finally:
            conn.close()
        elapsed = (time.monotonic() - started) * 1000
        self.latencies_ms.append(elapsed)
        return elapsed

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            self.get(self.paths[i % len(self.paths)])
            i += 1
            self._stop.wait(0.2)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class SlowClients:
    def __init__(self, trickle: Trickle, probe: Probe):
        self.trickle, self.probe = trickle, probe
        self.open_at_end = 0

    def finish(self) -> dict:
        """Stop both; the probe's latencies, and whether they held the bound."""
        self.probe.stop()
        self.open_at_end = self.trickle.open_count()
        self.trickle.stop()
        return self.report()

    def report(self) -> dict:
        latencies = sorted(self.probe.latencies_ms) or [float("inf")]
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        result = {
            "connections": self.trickle.count,
            "open_at_end": self.open_at_end,
            "reopened": self.trickle.reopened,
            "requests": len(self.probe.latencies_ms),
            "failures": self.probe.failures[:10],
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(latencies[-1], 1),
            "bound_ms": BOUND_MS,
        }
        result["held"] = not self.probe.failures and result["max_ms"] <= BOUND_MS
        return result

    @staticmethod
    def line(report: dict) -> str:
        verdict = "held" if report["held"] else "FAILED"
        return (
            f"slow clients: {report['connections']} trickling connections "
            f"({report['open_at_end']} open at the end, {report['reopened']} reopened); "
            f"{report['requests']} normal requests meanwhile: p50 {report['p50_ms']:.0f} ms, "
            f"p95 {report['p95_ms']:.0f} ms, max {report['max_ms']:.0f} ms, "
            f"{len(report['failures'])} failures; bound {report['bound_ms']:.0f} ms: {verdict}"
        )


def start(url: str, paths: list[str], connections: int = CONNECTIONS) -> SlowClients:
    """Slow clients against the server at `url` (http://host:port), and a probe of `paths`
    meanwhile, until finish()."""
    parts = urllib.parse.urlsplit(url)
    slow = SlowClients(
        Trickle(parts.hostname, parts.port, connections), Probe(parts.hostname, parts.port, paths)
    )
    slow.trickle.start()
    time.sleep(2)  # every trickling connection is open and has sent its first bytes
    slow.probe.start()
    return slow

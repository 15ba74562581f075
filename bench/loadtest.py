"""`make loadtest`: the site under a bounded load, as it runs in production.

In a throwaway PostgreSQL database: `generate_demo` makes LOADTEST_CLAIMS claims (default
20,000); `make serve`'s setting (gunicorn, WhiteNoise, debug off) serves them on a loopback
port; locust's headless readers (bench/locustfile.py), LOADTEST_USERS (32) at once, browse
for twice LOADTEST_SECONDS (60): in the first phase 50 clients trickle their requests
(bench/slow_clients.py) while normal requests are timed, in the second curators
(bench/curators.py) publish, unpublish, edit and import; then everything stops, the promises
are checked, and the database is dropped. Prints the throughput, the latencies and the checks,
and fails (exit 1) on any error, any answer but 200 to a reader, or any promise broken.
Writes bench/results/loadtest.json.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import curators
import slow_clients
from django.core.management import call_command
from django.db import connection
from harness import ROOT, results_write, throwaway_database

from claims_app.models import Actor, Claim, Passage, Source, Topic

CLAIMS = int(os.environ.get("LOADTEST_CLAIMS", "20000"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
USERS = int(os.environ.get("LOADTEST_USERS", "32"))
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def addresses(exclude: dict | None = None) -> dict:
    """Public objects to visit, sampled from the database (but none in `exclude`: what the
    curators may turn into a draft's)."""
    exclude = exclude or {}

    def sample(queryset, field, n=500):
        kind = {Claim: "claims", Actor: "actors", Source: "sources", Passage: "passages"}.get(
            queryset.model, "topics"
        )
        values = [str(v) for v in queryset.order_by("?").values_list(field, flat=True)[: 2 * n]]
        return [v for v in values if v not in exclude.get(kind, ())][:n]

    return {
        "claims": sample(Claim.objects.public(), "slug"),
        "actors": sample(Actor.objects.public(), "slug"),
        "sources": sample(Source.objects.public(), "slug"),
        "passages": sample(Passage.objects.public(), "pk"),
        "topics": sample(Topic.objects.public(), "slug"),
    }


def _number(value: str) -> float:
    """A figure of locust's CSV ("N/A" when nothing was answered: not a number)."""
    try:
        return float(value)
    except ValueError:
        return float("nan")


def wait_until_up(url: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


def main() -> int:
    if connection.vendor != "postgresql":
        raise SystemExit("The load test runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    with throwaway_database(os.environ.get("LOADTEST_DATABASE", "claims_loadtest")) as db:
        started = time.monotonic()
        call_command("generate_demo", claims=CLAIMS, stdout=open(os.devnull, "w"))
        with db.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"generate_demo: {CLAIMS} claims in {time.monotonic() - started:.0f} s", flush=True)
        plan = curators.prepare()
        urls = addresses(plan.reader_exclusions())
        settings = db.settings_dict
        login = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        database_url = (
            f"postgres://{login}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        )
        db.close()
        port = int(os.environ.get("LOADTEST_PORT") or 0) or free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_STATIC_MANIFEST": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "loadtest-not-secret",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PORT": str(port),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=env, check=True,
        )
        server = subprocess.Popen(
            [os.path.join(BIN, "gunicorn"), "--config", "project/gunicorn.conf.py",
             "project.wsgi"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        try:
            host = f"http://127.0.0.1:{port}"
            wait_until_up(f"{host}/robots.txt")
            workers = int(env.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1)
            with tempfile.TemporaryDirectory() as tmp:
                urls_file = os.path.join(tmp, "urls.json")
                with open(urls_file, "w") as f:
                    json.dump(urls, f)
                prefix = os.path.join(tmp, "stats")
                # Readers throughout, in two phases of SECONDS each: first with clients that
                # trickle their requests (and a probe timing normal requests meanwhile), then
                # with the curators at work. Each promise is measured under its own trouble: on
                # a 2-core machine, curators emptying the page cache every second saturate
                # the CPU whatever the clients do.
                slow = slow_clients.start(host, ["/", f"/claims/{urls['claims'][0]}/"])
                readers = subprocess.Popen(
                    [os.path.join(BIN, "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
                     "--headless", "--users", str(USERS), "--spawn-rate", str(USERS),
                     "--run-time", f"{2 * SECONDS}s", "--host", host, "--csv", prefix,
                     "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                    cwd=ROOT, env={**os.environ, "LOADTEST_URLS": urls_file},
                )
                time.sleep(SECONDS)
                slow_report = slow.finish()
                tally, crew = curators.start(host, plan, SECONDS, env, workers)
                readers.wait(timeout=SECONDS + 120)
                with open(f"{prefix}_stats.csv") as f:
                    rows = list(csv.DictReader(f))
            soak = curators.check(tally, crew)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    total = next(r for r in rows if r["Name"] == "Aggregated")
    result = {
        "claims": CLAIMS,
        "seconds": 2 * SECONDS,
        "users": USERS,
        "workers": "cpu_count * 2 + 1",
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "requests_per_second": round(_number(total["Requests/s"]), 1),
        "p50_ms": _number(total["50%"]),
        "p95_ms": _number(total["95%"]),
        "p99_ms": _number(total["99%"]),
        "soak": soak,
        "pages": {
            r["Name"]: {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                        "p50_ms": _number(r["50%"]), "p95_ms": _number(r["95%"])}
            for r in rows if r["Name"] != "Aggregated"
        },
        "slow_clients": slow_report,
    }
    print(f"{'page':28} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for name, page in sorted(result["pages"].items()):
        print(f"{name:28} {page['requests']:>9} {page['failures']:>9} "
              f"{page['p50_ms']:>8.0f} {page['p95_ms']:>8.0f}")
    print(
        f"{result['requests']} requests in {2 * SECONDS} s from {USERS} readers: "
        f"{result['requests_per_second']} per second, p50 {result['p50_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms; "
        f"{result['failures']} failures"
    )
    print(slow_clients.SlowClients.line(slow_report))
    curators.print_report(soak)
    results_write("loadtest", result)
    return 1 if result["failures"] or not soak["ok"] or not slow_report["held"] else 0


if __name__ == "__main__":
    sys.exit(main())

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

Past one machine: LOADTEST_SERVERS=2 runs that round again with two application servers on
two ports (one record, one Redis cache: LOADTEST_CACHE_URL, default redis://127.0.0.1:6379/13,
emptied before each round), the readers and curators spread over both; LOADTEST_REPLICAS=1
runs it once more with a streaming read replica behind them (DATABASE_REPLICA_URLS). For a
replica the database lives in a primary and replica made for the run on this machine
(claims_app/tests/replication.py), and every round runs on that primary, so that the rounds
differ only in servers and replica. Each round also says the CPU each part spent per request
(the application servers, the primary, the replica: their processes' own counts), the share
of the record's table reads the replica answered, and the replica's lag: how long after a
commit on the primary the replica had replayed it, sampled four times a second while the
curators work.
"""

import csv
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import curators
import psycopg
import slow_clients
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from harness import ROOT, results_write, throwaway_database

from claims_app.models import Actor, Claim, Passage, Source, Topic
from claims_app.tests import replication

CLAIMS = int(os.environ.get("LOADTEST_CLAIMS", "20000"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
USERS = int(os.environ.get("LOADTEST_USERS", "32"))
SERVERS = int(os.environ.get("LOADTEST_SERVERS") or 1)
REPLICAS = int(os.environ.get("LOADTEST_REPLICAS") or 0)
CACHE_URL = os.environ.get("LOADTEST_CACHE_URL") or (
    "redis://127.0.0.1:6379/13" if SERVERS > 1 else ""
)
# Set for the run inside a primary and replica made for it: the replica's address, no database.
REPLICA_SERVER = os.environ.get("LOADTEST_REPLICA_SERVER", "")
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

    public_claims = Claim.objects.public().count()
    return {
        # The claims list's pages a reader may ask for: the first 20, or as many as there are.
        "claim_pages": max(1, min(20, -(-public_claims // settings.CLAIMS_PAGE_SIZE))),
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


# ---------------------------------------------------------------------------------------------
# What each part spent: CPU by the processes' own counts, table reads by PostgreSQL's

TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its children it has waited for)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    # After the name: state, ppid, …; utime, stime, cutime, cstime are fields 14-17 of stat(5).
    return int(fields[1]), sum(int(v) for v in fields[11:15]) / TICKS


def cpu_seconds(roots: list[int]) -> float:
    """CPU seconds spent so far by the processes `roots`, their living descendants, and the
    ones that ended (counted in their parents): a gunicorn server with its workers, a
    PostgreSQL server with its backends."""
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _proc_stat(int(name))):
            stats[int(name)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [pid for pid in roots if pid in stats]
    while todo:
        pid = todo.pop()
        total += stats[pid][1]
        todo.extend(children.get(pid, ()))
    return total


def cpu_settled(roots: list[int], seconds: float = 60) -> None:
    """Wait until these processes spend (almost) no CPU: a gunicorn server answers once its
    first worker is up, while the others are still importing Django, which is no request's
    cost."""
    deadline = time.monotonic() + seconds
    spent = cpu_seconds(roots)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        before, spent = spent, cpu_seconds(roots)
        if spent - before < 0.02:
            return


def postmaster(url: str) -> int:
    """The process id of the PostgreSQL server at `url` (a backend's parent)."""
    with psycopg.connect(url, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return _proc_stat(backend)[0]


def with_database(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


class LagSampler(threading.Thread):
    """While it runs: a row committed on the primary four times a second (in its `postgres`
    database, away from the record), and the time until the replica has replayed it."""

    def __init__(self, primary: str, replica: str):
        super().__init__(daemon=True)
        self.primary, self.replica = primary, replica
        self.seconds: list[float] = []
        self.errors: list[str] = []
        self._done = threading.Event()

    def run(self) -> None:
        try:
            with (
                psycopg.connect(self.primary, autocommit=True) as primary,
                psycopg.connect(self.replica, autocommit=True) as replica,
            ):
                n = 0
                while not self._done.wait(0.25):
                    self.seconds.append(replication.time_to_replay(primary, replica, n))
                    n += 1
        except Exception as error:  # reported, not raised: the round's other figures stand
            self.errors.append(repr(error))

    def finish(self) -> dict:
        self._done.set()
        self.join(timeout=90)
        ms = sorted(1000 * s for s in self.seconds) or [float("nan")]
        return {
            "samples": len(self.seconds),
            "min_ms": round(ms[0], 2),
            "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
            "max_ms": round(ms[-1], 2),
            "errors": self.errors[:3],
        }


# ---------------------------------------------------------------------------------------------
# The run


def configurations() -> list[tuple[int, int]]:
    """The rounds, as (servers, replicas): one server on the primary; then as many servers as
    asked; then those with the replica."""
    rounds = [(1, 0)]
    if SERVERS > 1:
        rounds.append((SERVERS, 0))
    if REPLICAS:
        rounds.append((SERVERS, REPLICAS))
    return rounds


def empty_cache() -> None:
    if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        import redis

        redis.Redis.from_url(CACHE_URL).flushdb()


def run_round(servers: int, replicas: int, run: dict) -> dict:
    """One round: `servers` application servers (and the replica if `replicas`), the readers
    throughout, the slow clients and then the curators; its figures and the promises' checks."""
    label = f"{servers} server{'s' if servers > 1 else ''}, primary" + (
        f" + {replicas} replica" if replicas else ""
    )
    print(f"\n== {label}", flush=True)
    empty_cache()
    ports = [free_port() for _ in range(servers)]
    hosts = [f"http://127.0.0.1:{port}" for port in ports]
    env = dict(run["env"])
    if CACHE_URL:
        env["CACHE_URL"] = CACHE_URL
    if replicas:
        env["DATABASE_REPLICA_URLS"] = run["replica_url"]
    processes = [
        subprocess.Popen(
            [os.path.join(BIN, "gunicorn"), "--config", "project/gunicorn.conf.py", "project.wsgi"],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            start_new_session=True,
        )
        for port in ports
    ]
    watched = {"servers": [p.pid for p in processes], "primary": [run["primary_pid"]]}
    if replicas:
        watched["replica"] = [run["replica_pid"]]
    try:
        for host in hosts:
            wait_until_up(f"{host}/robots.txt")
        workers = int(env.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1)
        cpu_settled(watched["servers"])
        cpu_before = {part: cpu_seconds(pids) for part, pids in watched.items()}
        reads_before = {"primary": replication.record_scans(run["database_url"])}
        if replicas:
            reads_before["replica"] = replication.record_scans(run["replica_url"])
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "stats")
            # Readers throughout, in two phases of SECONDS each: first with clients that
            # trickle their requests (and a probe timing normal requests meanwhile), then
            # with the curators at work. Each promise is measured under its own trouble: on
            # a 2-core machine, curators emptying the page cache every second saturate
            # the CPU whatever the clients do.
            slow = slow_clients.start(hosts[0], ["/", f"/claims/{run['urls']['claims'][0]}/"])
            readers = subprocess.Popen(
                [os.path.join(BIN, "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
                 "--headless", "--users", str(USERS), "--spawn-rate", str(USERS),
                 "--run-time", f"{2 * SECONDS}s", "--host", hosts[0], "--csv", prefix,
                 "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                cwd=ROOT,
                env={**os.environ, "LOADTEST_URLS": run["urls_file"],
                     "LOADTEST_HOSTS": ",".join(hosts)},
            )  # fmt: skip
            time.sleep(SECONDS)
            slow_report = slow.finish()
            lag = LagSampler(run["primary_server"], run["replica_server"]) if replicas else None
            if lag:
                lag.start()
            tally, crew = curators.start(hosts, run["plan"], SECONDS, env, workers)
            readers.wait(timeout=SECONDS + 120)
            with open(f"{prefix}_stats.csv") as f:
                rows = list(csv.DictReader(f))
        for curator in crew:
            curator.join(timeout=180)
        lag_report = lag.finish() if lag else None
        # Counted before the checks below, which read the whole record from the primary.
        cpu = {part: cpu_seconds(pids) - cpu_before[part] for part, pids in watched.items()}
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    # The servers' connections are closed: each backend reported its table reads as it ended
    # (an idle one may keep them for seconds).
    time.sleep(1)
    reads = {"primary": replication.record_scans(run["database_url"]) - reads_before["primary"]}
    if replicas:
        reads["replica"] = replication.record_scans(run["replica_url"]) - reads_before["replica"]
    soak = curators.check(tally, crew)
    total = next(r for r in rows if r["Name"] == "Aggregated")
    requests = int(total["Request Count"]) + soak["curator_requests"] + slow_report["requests"]
    result = {
        "round": label,
        "servers": servers,
        "replicas": replicas,
        "workers_per_server": workers,
        "cache": CACHE_URL or "locmem://",
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "requests_per_second": round(_number(total["Requests/s"]), 1),
        "p50_ms": _number(total["50%"]),
        "p95_ms": _number(total["95%"]),
        "p99_ms": _number(total["99%"]),
        "cpu_ms_per_request": {part: round(1000 * s / requests, 1) for part, s in cpu.items()},
        "table_reads": reads,
        "replica_share_of_table_reads": (
            round(reads["replica"] / (reads["replica"] + reads["primary"]), 3)
            if replicas and reads["replica"] + reads["primary"]
            else None
        ),
        "replica_lag": lag_report,
        "soak": soak,
        "pages": {
            r["Name"]: {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                        "p50_ms": _number(r["50%"]), "p95_ms": _number(r["95%"])}
            for r in rows if r["Name"] != "Aggregated"
        },
        "slow_clients": slow_report,
    }  # fmt: skip
    print(f"{'page':28} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for name, page in sorted(result["pages"].items()):
        print(f"{name:28} {page['requests']:>9} {page['failures']:>9} "
              f"{page['p50_ms']:>8.0f} {page['p95_ms']:>8.0f}")  # fmt: skip
    print(
        f"{result['requests']} requests in {2 * SECONDS} s from {USERS} readers: "
        f"{result['requests_per_second']} per second, p50 {result['p50_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms; "
        f"{result['failures']} failures"
    )
    print(
        "CPU per request (readers', curators' and the probe's): "
        + ", ".join(f"{part} {ms} ms" for part, ms in result["cpu_ms_per_request"].items())
    )
    if replicas:
        print(
            f"table reads: {reads['replica']} on the replica, {reads['primary']} on the primary "
            f"({100 * result['replica_share_of_table_reads']:.0f}% on the replica)"
        )
        print(
            f"replica lag (commit on the primary to replayed on the replica, "
            f"{lag_report['samples']} samples while the curators worked): "
            f"min {lag_report['min_ms']} ms, median {lag_report['median_ms']} ms, "
            f"p95 {lag_report['p95_ms']} ms, max {lag_report['max_ms']} ms"
            + (f"; errors: {lag_report['errors']}" if lag_report["errors"] else "")
        )
    print(slow_clients.SlowClients.line(slow_report))
    curators.print_report(soak)
    return result


def in_a_streaming_pair() -> int:
    """This run again, in a process of its own, with its database in a primary and a streaming
    replica made for it (and removed after)."""
    try:
        with replication.streaming_pair(shared_buffers="'128MB'", max_connections="200") as pair:
            print(f"primary and streaming replica made in {pair.setup_seconds:.1f} s", flush=True)
            return subprocess.call(
                [sys.executable, __file__],
                env={
                    **os.environ,
                    "DATABASE_URL": pair.primary_url,
                    "LOADTEST_REPLICA_SERVER": pair.replica_url,
                },
            )
    except replication.Unavailable as missing:
        raise SystemExit(f"LOADTEST_REPLICAS: {missing}") from None


def main() -> int:
    if connection.vendor != "postgresql":
        raise SystemExit("The load test runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    if REPLICAS > 1:
        raise SystemExit("LOADTEST_REPLICAS: this machine's load test makes one replica, not more.")
    if REPLICAS and not REPLICA_SERVER:
        return in_a_streaming_pair()
    with throwaway_database(os.environ.get("LOADTEST_DATABASE", "claims_loadtest")) as db:
        started = time.monotonic()
        call_command("generate_demo", claims=CLAIMS, stdout=open(os.devnull, "w"))
        with db.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"generate_demo: {CLAIMS} claims in {time.monotonic() - started:.0f} s", flush=True)
        plan = curators.prepare()
        urls = addresses(plan.reader_exclusions())
        database = db.settings_dict
        login = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
        server_url = f"postgres://{login}@{database['HOST']}:{database['PORT']}"
        database_url = f"{server_url}/{database['NAME']}"
        db.close()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_STATIC_MANIFEST": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "loadtest-not-secret",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        # Static files collected once, before any server starts (as a release does).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        run = {
            "env": env,
            "plan": plan,
            "urls": urls,
            "database_url": database_url,
            "primary_server": f"{server_url}/postgres",
            "primary_pid": postmaster(database_url),
        }
        if REPLICA_SERVER:
            run["replica_url"] = with_database(REPLICA_SERVER, database["NAME"])
            run["replica_server"] = with_database(REPLICA_SERVER, "postgres")
            run["replica_pid"] = postmaster(run["replica_server"])
        with tempfile.TemporaryDirectory() as tmp:
            run["urls_file"] = os.path.join(tmp, "urls.json")
            with open(run["urls_file"], "w") as f:
                json.dump(urls, f)
            rounds = [run_round(servers, replicas, run) for servers, replicas in configurations()]
    if len(rounds) > 1:
        print(f"\n{'round':30} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'failures':>8}  "
              "CPU ms a request: servers / primary / replica")  # fmt: skip
        for r in rounds:
            cpu = r["cpu_ms_per_request"]
            print(
                f"{r['round']:30} {r['requests_per_second']:>6} {r['p50_ms']:>7.0f} "
                f"{r['p95_ms']:>7.0f} {r['failures']:>8}  {cpu['servers']} / {cpu['primary']}"
                + (f" / {cpu['replica']}" if "replica" in cpu else "")
            )
    result = {
        "claims": CLAIMS,
        "seconds": 2 * SECONDS,
        "users": USERS,
        "workers": "cpu_count * 2 + 1 per server",
        **(rounds[0] if len(rounds) == 1 else {"rounds": rounds}),
    }
    results_write("loadtest", result)
    failed = [
        r["round"]
        for r in rounds
        if r["failures"] or not r["soak"]["ok"] or not r["slow_clients"]["held"]
    ]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

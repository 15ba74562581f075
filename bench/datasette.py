"""Benchmark: the project against Datasette on the same SQLite file, page for page (issue 15).

`BENCH_PAGE_CLAIMS` claims (default 100,000) from `generate_demo` in a SQLite file, then
ANALYZE. The project serves it as `make serve` does (gunicorn, project/gunicorn.conf.py, debug
off, hashed static files) with one worker and the page cache off; Datasette (0.65, `make bench`
installs it: `pip install -e '.[bench]'`) serves a copy of it, one process, with FTS5 enabled on
the claims' text and title (an external-content table `claims_app_claim_fts` that Datasette
finds by itself), asked with `_nosuggest=1` (no facet suggestions: its fastest setting). Each
pair of pages is timed over HTTP on loopback, one persistent connection a server, interleaved in
one run (project, Datasette, Datasette, project, …), after a warm-up: p50 and p95 in ms, and the
ratio project / Datasette. Every answer must be a 200 (else exit 1). Prints a table like the
issue's and writes bench/results/datasette.json.

BENCH_KEEP_DB=1 keeps the generated file (/tmp/bench_datasette.sqlite3) and reuses it when it
holds BENCH_PAGE_CLAIMS claims (migrated to the current schema): generating 100,000 takes
minutes. Delete it when generate_demo changes: it is reused on its count alone.
BENCH_DATASETTE_REPEATS (20) sets the requests a page; BENCH_DATASETTE_IMMUTABLE=1 serves
Datasette's copy with `-i` (immutable, as `datasette publish` does). BENCH_DATASETTE_BLOCKS=1
times each page's requests back to back on one server, then on the other, instead of
interleaved: on a virtual machine an idle moment costs the next request (a Python loop 20%
slower after 20 ms idle, a claim page 40%), and interleaving puts the other server's work
between every two requests, which costs the larger program more. Both servers are stopped,
and the files removed, whatever happens.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from harness import ROOT, results_write

CLAIMS = int(os.environ.get("BENCH_PAGE_CLAIMS", "100000"))
REPEATS = int(os.environ.get("BENCH_DATASETTE_REPEATS", "20"))
KEEP = os.environ.get("BENCH_KEEP_DB") == "1"
IMMUTABLE = os.environ.get("BENCH_DATASETTE_IMMUTABLE") == "1"
BLOCKS = os.environ.get("BENCH_DATASETTE_BLOCKS") == "1"
KEPT_FILE = Path("/tmp/bench_datasette.sqlite3")
BIN = Path(sys.executable).parent
TABLE = "/copy/claims_app_claim"  # Datasette names the database after its file: copy.db
# The project's rows in the project's order: published claims, newest published first.
S = "&published=1&_sort_desc=published_at&_nosuggest=1"
PAGE_SIZE = 25
SECRET = os.environ.get("DJANGO_SECRET_KEY") or "bench-only-not-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def django_env(database: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def claim_count(database: Path) -> int | None:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM claims_app_claim").fetchone()[0]
    except sqlite3.Error:
        return None


def generate(database: Path) -> float:
    """The demo data in a fresh file, then ANALYZE (what a live database has: statistics).
    Returns the seconds generate_demo took."""
    for leftover in (database, Path(f"{database}-journal"), Path(f"{database}-wal")):
        leftover.unlink(missing_ok=True)
    env = django_env(database)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "generate_demo", "--claims", str(CLAIMS)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    with sqlite3.connect(database) as db:
        db.execute("ANALYZE")
    return seconds


def datasette_copy(database: Path, copy: Path) -> None:
    """Datasette's copy: FTS5 on the claims' text and title, as `sqlite-utils enable-fts` makes
    it (external content, filled by 'rebuild'); Datasette finds it by its content= table."""
    shutil.copyfile(database, copy)
    with sqlite3.connect(copy) as db:
        db.execute(
            "CREATE VIRTUAL TABLE claims_app_claim_fts "
            'USING fts5(text, title, content="claims_app_claim")'
        )
        db.execute("INSERT INTO claims_app_claim_fts(claims_app_claim_fts) VALUES ('rebuild')")


class Connection:
    """One persistent HTTP connection to a server on loopback; a connection the server closed
    while idle (gunicorn's keep-alive is 2 s) is opened again and the request sent again, and
    only the attempt that was answered is timed."""

    def __init__(self, port: int):
        self.port = port
        self.http = None

    def get(self, path: str) -> tuple[int, bytes, float]:
        for attempt in range(2):
            if self.http is None:
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            try:
                started = time.perf_counter()
                self.http.request("GET", path)
                response = self.http.getresponse()
                body = response.read()
                ms = (time.perf_counter() - started) * 1000
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, body, ms
        raise AssertionError("unreachable")

    def json(self, path: str) -> dict:
        status, body, _ = self.get(path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        return json.loads(body)

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None


def start(command: list[str], env: dict, log: Path, cwd: Path) -> subprocess.Popen:
    """A server in a process group of its own (so that stopping it stops its workers too)."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_until_up(process: subprocess.Popen, port: int, path: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped ({process.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
                if s.recv(16).startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer 200 at {path}:\n{log.read_text()}")


def keyset_token(datasette: Connection, rows_before: int) -> str | None:
    """Datasette's `_next` token for the page after `rows_before` rows (as following its `next`
    links would give), by pages of up to 1,000 (its max_returned_rows)."""
    token = None
    while rows_before > 0:
        size = min(1000, rows_before)
        after = f"&_next={urllib.parse.quote(token, safe='')}" if token else ""
        token = datasette.json(f"{TABLE}.json?_size={size}{S}{after}")["next"]
        rows_before -= size
    return token


def pairs(db: sqlite3.Connection, datasette: Connection) -> tuple[list[tuple], int]:
    """The issue's table: (page, project URL, Datasette URL); and the deep page's number."""
    published = db.execute("SELECT count(*) FROM claims_app_claim WHERE published").fetchone()[0]
    deep = max(1, min(100, published // PAGE_SIZE))
    token = keyset_token(datasette, (deep - 1) * PAGE_SIZE)
    slug, claim_id = db.execute(
        "SELECT slug, id FROM claims_app_claim WHERE published ORDER BY id LIMIT 1 OFFSET ?",
        [published // 2],
    ).fetchone()
    passages = db.execute("SELECT count(*) FROM claims_app_passage WHERE is_public").fetchone()[0]
    passage_id = db.execute(
        "SELECT id FROM claims_app_passage WHERE is_public ORDER BY id LIMIT 1 OFFSET ?",
        [min(500, passages - 1)],
    ).fetchone()[0]
    next_arg = f"&_next={urllib.parse.quote(token, safe='')}" if token else ""
    return [
        ("claims list", "/claims/", f"{TABLE}?_size=25{S}"),
        ("claims JSON", "/claims.json", f"{TABLE}.json?_size=25{S}"),
        (f"page {deep}", f"/claims/?page={deep}", f"{TABLE}?_size=25{S}{next_arg}"),
        (
            "search, common word",
            "/claims/?q=rights",
            f"{TABLE}?_size=25&_search=rights&_nosuggest=1",
        ),
        (
            "search, rare word",
            "/claims/?q=unanimously",
            f"{TABLE}?_size=25&_search=unanimously&_nosuggest=1",
        ),
        (
            "search JSON",
            "/claims.json?q=rights",
            f"{TABLE}.json?_size=25&_search=rights&_nosuggest=1",
        ),
        (
            "status filter",
            "/claims/?status=disputed",
            f"{TABLE}?_size=25&status=disputed&_facet=status&_nosuggest=1",
        ),
        (
            "newest by date",
            "/claims/?ordering=-date",
            f"{TABLE}?_size=25&_sort_desc=first_date&_nosuggest=1",
        ),
        ("one claim", f"/claims/{slug}/", f"/copy/claims_app_claim/{claim_id}"),
        ("one passage", f"/passages/{passage_id}/", f"/copy/claims_app_passage/{passage_id}"),
        ("actors", "/actors/", "/copy/claims_app_actor?_size=50&_nosuggest=1"),
    ], deep


def percentile_95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(project: Connection, datasette: Connection, table: list[tuple]) -> dict:
    """Every pair once to warm up, then REPEATS rounds, each pair's two pages one after the
    other, which goes first alternating from round to round. In BLOCKS, each page instead
    REPEATS times in a row on one server, then on the other (which first alternating from
    page to page): requests back to back, with no other server's work between them."""
    samples = {name: {"project": [], "datasette": [], "statuses": set()} for name, *_ in table}

    def get(name, side, connection, url, kept=True):
        status, _, ms = connection.get(url)
        samples[name]["statuses"].add((side, status))
        if kept:
            samples[name][side].append(ms)

    if BLOCKS:
        for i, (name, project_url, datasette_url) in enumerate(table):
            order = [("project", project, project_url), ("datasette", datasette, datasette_url)]
            for side, connection, url in order if i % 2 == 0 else order[::-1]:
                get(name, side, connection, url, kept=False)  # warm-up
                for _ in range(REPEATS):
                    get(name, side, connection, url)
    for round_ in range(0 if BLOCKS else REPEATS + 1):
        if sys.stderr.isatty():
            print(f"\rround {round_} of {REPEATS}", end="", file=sys.stderr, flush=True)
        for name, project_url, datasette_url in table:
            order = [("project", project, project_url), ("datasette", datasette, datasette_url)]
            for side, connection, url in order if round_ % 2 == 0 else order[::-1]:
                get(name, side, connection, url, kept=round_ > 0)  # round 0 is the warm-up
    if sys.stderr.isatty() and not BLOCKS:
        print(file=sys.stderr)
    rows = {}
    for name, project_url, datasette_url in table:
        sample = samples[name]
        p50 = {side: statistics.median(sample[side]) for side in ("project", "datasette")}
        rows[name] = {
            "project_url": project_url,
            "datasette_url": datasette_url,
            "project": {
                "p50_ms": round(p50["project"], 1),
                "p95_ms": round(percentile_95(sample["project"]), 1),
            },
            "datasette": {
                "p50_ms": round(p50["datasette"], 1),
                "p95_ms": round(percentile_95(sample["datasette"]), 1),
            },
            "ratio": round(p50["project"] / p50["datasette"], 2),
            "not_200": sorted(
                f"{side} {status}" for side, status in sample["statuses"] if status != 200
            ),
        }
    return rows


def checks(project: Connection, datasette: Connection, deep: int, table: list[tuple]) -> dict:
    """Untimed: how many claims each search finds on each side (the project's published only;
    Datasette's URLs, as the issue's, do not filter drafts), and whether the list pages show the
    same claims in the same order."""
    found = {}
    for word in ("rights", "unanimously"):
        twin = project.json(f"/claims.json?q={word}")
        # A broad search is not counted (count null): it says how many it has more than.
        ours = twin["count"]
        if ours is None:
            ours = f"more than {twin['count_more_than']}"
        theirs = datasette.json(f"{TABLE}.json?_size=25&_search={word}&_nosuggest=1")
        found[word] = {"project": ours, "datasette": theirs.get("filtered_table_rows_count")}
    same_order = {}
    for name, project_url, datasette_url in table:
        if name not in ("claims list", f"page {deep}"):
            continue
        ours = project.json(project_url.replace("/claims/", "/claims.json"))["results"]
        url = datasette_url.replace(TABLE, f"{TABLE}.json", 1) + "&_shape=objects"
        theirs = datasette.json(url)["rows"]
        same_order[name] = [c["slug"] for c in ours] == [c["slug"] for c in theirs]
    return {"search_counts": found, "same_claims_in_same_order": same_order}


def fmt(ms: float) -> str:
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def report(result: dict) -> list[str]:
    lines = [
        f"The project against Datasette {result['datasette_version']} at {result['claims']:,} "
        f"claims ({result['file_mb']} MB SQLite file, ANALYZE), {result['repeats']} requests "
        f"a page, interleaved over HTTP on loopback; p50 (p95) ms. Load average "
        f"{result['load_before']} before, {result['load_after']} after.",
        f"S = `{S}`; Datasette's table is `{TABLE}`.",
        "",
        "| page | project URL | Datasette URL | project | Datasette | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for name, row in result["pages"].items():
        ours, theirs = row["project"], row["datasette"]
        datasette_url = row["datasette_url"].replace(S, "S")
        if "&_next=" in datasette_url:
            datasette_url = datasette_url.split("&_next=")[0] + "&_next=<its keyset token>"
        flag = f" ({', '.join(row['not_200'])})" if row["not_200"] else ""
        lines.append(
            f"| {name}{flag} | `{row['project_url']}` | `{datasette_url}` | "
            f"{fmt(ours['p50_ms'])} ({fmt(ours['p95_ms'])}) | "
            f"{fmt(theirs['p50_ms'])} ({fmt(theirs['p95_ms'])}) | {row['ratio']:g} |"
        )
    slower = [name for name, row in result["pages"].items() if row["ratio"] > 1.0]
    lines.append("")
    lines.append(
        f"{len(slower)} page(s) slower than Datasette"
        + (f": {'; '.join(slower)}" if slower else "")
    )
    for word, counts in result["checks"]["search_counts"].items():
        lines.append(
            f"search {word!r} finds {counts['project']} claims on the project (published), "
            f"{counts['datasette']} on Datasette (FTS5, drafts too)"
        )
    for name, same in result["checks"]["same_claims_in_same_order"].items():
        lines.append(f"{name}: {'the same' if same else 'NOT the same'} claims in the same order")
    lines.append(
        f"generate_demo: {result['generate_demo_seconds']} s"
        if result["generate_demo_seconds"] is not None
        else f"generate_demo: reused {KEPT_FILE} (BENCH_KEEP_DB=1)"
    )
    return lines


def main() -> int:
    # A SIGTERM (a killed `make`) unwinds like Ctrl-C, so that the servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers = []
    with tempfile.TemporaryDirectory(prefix="bench_datasette_") as tmp:
        tmp = Path(tmp)
        try:
            database = KEPT_FILE if KEEP else tmp / "project.sqlite3"
            generated = None
            if not (KEEP and claim_count(database) == CLAIMS):
                generated = round(generate(database), 1)
                print(f"generate_demo: {CLAIMS} claims in {generated:.0f} s", flush=True)
            else:
                # A kept file made before a migration (a search index, say) gets it now.
                subprocess.run(
                    [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                    cwd=ROOT,
                    env=django_env(database),
                    check=True,
                )
            copy = tmp / "copy.db"
            datasette_copy(database, copy)

            env = {
                **django_env(database),
                "DJANGO_STATIC_MANIFEST": "1",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "WEB_CONCURRENCY": "1",
                "PAGE_CACHE_SECONDS": "0",
            }
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            ports = {"project": free_port(), "datasette": free_port()}
            logs = {side: tmp / f"{side}.log" for side in ports}
            command = [
                str(BIN / "gunicorn"),
                "--config",
                "project/gunicorn.conf.py",
                "project.wsgi",
            ]
            servers.append(
                start(command, {**env, "PORT": str(ports["project"])}, logs["project"], ROOT)
            )
            datasette_command = [
                str(BIN / "datasette"),
                "serve",
                *(["-i", str(copy)] if IMMUTABLE else [str(copy)]),
                "--host",
                "127.0.0.1",
                "--port",
                str(ports["datasette"]),
            ]
            servers.append(start(datasette_command, dict(os.environ), logs["datasette"], tmp))
            wait_until_up(servers[0], ports["project"], "/robots.txt", logs["project"])
            wait_until_up(servers[1], ports["datasette"], "/-/versions.json", logs["datasette"])

            project, datasette = Connection(ports["project"]), Connection(ports["datasette"])
            version = datasette.json("/-/versions.json")["datasette"]["version"]
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
                table, deep = pairs(db, datasette)
            load_before = round(os.getloadavg()[0], 2)
            rows = timed(project, datasette, table)
            load_after = round(os.getloadavg()[0], 2)
            result = {
                "claims": CLAIMS,
                "file_mb": round(database.stat().st_size / 2**20),
                "generate_demo_seconds": generated,
                "repeats": REPEATS,
                "order": "blocks" if BLOCKS else "interleaved",
                "datasette_version": version,
                "datasette_immutable": IMMUTABLE,
                "load_before": load_before,
                "load_after": load_after,
                "pages": rows,
                "checks": checks(project, datasette, deep, table),
            }
            project.close()
            datasette.close()
        finally:
            for server in servers:
                stop(server)
    print("\n".join(report(result)))
    results_write("datasette-blocks" if BLOCKS else "datasette", result)
    return 1 if any(row["not_200"] for row in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

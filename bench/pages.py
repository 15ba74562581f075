"""Benchmark: every public page and twin at scale (PRODUCT.md §8), on SQLite and on PostgreSQL.

For each database (BENCH_PAGE_DATABASES, default "sqlite,postgresql"), in a process of its own
and a throwaway database of its own: `BENCH_PAGE_CLAIMS` synthetic claims (default 100,000) from
`generate_demo`, then the statistics a live database has (SQLite: ANALYZE; PostgreSQL: a plain
VACUUM ANALYZE, what autovacuum leaves), then each page timed through the whole middleware stack
in that process: p50 and p95 server time over repeated requests, and SQL queries. The floor is a
trivial view through the same stack; each page is also given as a ratio to it. Prints both
databases side by side; the budget (p50 <= 50 ms, p95 <= 150 ms) is marked on PostgreSQL. The
PostgreSQL server is DATABASE_URL's when it is a postgres:// one, else the local default. Writes
bench/results/pages.json (both databases).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path
from harness import ROOT, results_write, throwaway_database

from claims_app.models import Claim, Passage

REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))
P50_BUDGET_MS, P95_BUDGET_MS = 50, 150
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def floor(request):
    return HttpResponse("floor")


urlpatterns = [path("__floor__/", floor), path("", include("project.urls"))]


def pages(claims: int, passage_id: int) -> list[tuple[str, str]]:
    middle_page = max(1, min(100, claims // 50))
    claim = f"claim-{claims // 2}"
    return [
        ("floor (trivial view)", "/__floor__/"),
        ("home", "/"),
        ("claims", "/claims/"),
        (f"claims, page {middle_page}", f"/claims/?page={middle_page}"),
        ("claims, disputed in a topic", "/claims/?status=disputed&topic=topic-3"),
        ("claims made by an actor", "/claims/?made_by=actor-7"),
        ("claims disputed by an actor", "/claims/?disputed_by=actor-7"),
        ("claims from a source", "/claims/?source=report-7"),
        ("claims since a date", "/claims/?since=2020-01-01&ordering=date"),
        ("claims, most disputed", "/claims/?ordering=-disputes"),
        ("claims searched", "/claims/?q=prisoners+camps"),
        ("claims searched, a phrase", '/claims/?q="political+prisoners"+-famine'),
        ("claims searched, broad", "/claims/?q=human+rights"),
        ("claims faceted: topic + claimant", "/claims/?topic=topic-3&made_by=actor-7"),
        ("claims faceted: status + source", "/claims/?status=disputed&source=report-7"),
        ("claims searched + faceted", "/claims/?q=prisoners&topic=topic-3&status=disputed"),
        ("claims.json", "/claims.json"),
        ("claims.csv", "/claims.csv"),
        ("claim", f"/claims/{claim}/"),
        ("claim.json", f"/claims/{claim}.json"),
        ("actors", "/actors/"),
        ("actors searched", "/actors/?q=actor+12"),
        ("actors, most claims made", "/actors/?ordering=-made"),
        ("actors.json", "/actors.json"),
        ("actor", "/actors/actor-7/"),
        ("actor.json", "/actors/actor-7.json"),
        ("sources", "/sources/"),
        ("sources searched", "/sources/?q=report+12"),
        ("sources, most cited", "/sources/?ordering=-claims"),
        ("sources.csv", "/sources.csv"),
        ("source", "/sources/report-7/"),
        ("source.json", "/sources/report-7.json"),
        ("passage", f"/passages/{passage_id}/"),
        ("passage.json", f"/passages/{passage_id}.json"),
        ("topic", "/topics/topic-3/"),
        ("topic.json", "/topics/topic-3.json"),
        ("home.json", "/index.json"),
        ("map", "/map/"),
        ("map of a topic, disputed", "/map/?topic=topic-3&status=disputed"),
        ("map searched", "/map/?q=prisoners+camps"),
        ("feed: new claims", "/feeds/claims.atom"),
        ("feed: new disputes", "/feeds/disputes.atom"),
        ("feed: an actor", "/feeds/actors/actor-7.atom"),
        ("feed: a topic", "/feeds/topics/topic-3.atom"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap of claims, page 1", "/sitemap-claims.xml"),
        ("sitemap of passages, page 2", "/sitemap-passages.xml?p=2"),
        ("robots.txt", "/robots.txt"),
    ]


REPORT = "a-400-page-report"
REPORT_PAGES = 400


def long_report() -> int:
    """A 400-page report read from pages (issue 18: a Commission of Inquiry report is about
    that long), about a megabyte of text, cited by a published claim on pages 3, 200 (across
    the break to 201) and 399; returns the id of the passage on page 200."""
    from claims_app import anchoring
    from claims_app.models import Actor, Source, Statement

    existing = Passage.objects.filter(source__slug=REPORT, quote__startswith="Page 200")
    if existing.exists():  # kept from an earlier run (BENCH_KEEP_DB=1)
        return existing.get().pk
    words = " ".join(Source.objects.order_by("pk").values_list("text", flat=True)[:3])
    words = words.replace("\n", " ")
    pages = [f"Page {n} of the report. {words[(n * 997) % 20_000 :][:2500]}" for n in range(1, 401)]
    text, breaks = anchoring.pages_join(pages)
    report = Source.objects.create(
        title="A 400-page report", slug=REPORT, kind="report", text=text, page_breaks=breaks
    )
    claim = Claim.objects.create(text="The report's figure, cited across its pages.")
    actor = Actor.objects.order_by("pk").first()
    cited = None
    for number in (3, 200, 399):
        start = text.index(f"Page {number} of the report")
        end = breaks[number] + 20 if number == 200 else start + 40
        passage = Passage.objects.create(
            source=report, start=start, end=end, quote=text[start:end]
        )
        Statement.objects.create(claim=claim, actor=actor, passage=passage)
        cited = passage.pk if number == 200 else cited
    claim.published = True
    claim.save()
    return cited


def report_pages(passage_id: int) -> list[tuple[str, str]]:
    return [
        (f"source: a {REPORT_PAGES}-page report", f"/sources/{REPORT}/"),
        ("a page of it", f"/sources/{REPORT}/pages/200/"),
        ("a page of it, .json", f"/sources/{REPORT}/pages/200.json"),
        ("a passage across its pages", f"/passages/{passage_id}/"),
    ]


def measure(client: Client, url: str) -> dict:
    client.get(url)  # warm
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return {
        "status": response.status_code,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "queries": len(queries),
    }


def run_one(claims: int) -> dict:
    """Every page on the database this process was set up with (DATABASE_URL)."""
    with (
        throwaway_database("bench_pages"),
        # Pages rendered every time: the cache (caching.py) would time its own lookups.
        override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["localhost"], PAGE_CACHE_SECONDS=0),
    ):
        started = time.perf_counter()
        if Claim.objects.count() != claims:  # kept from an earlier run (BENCH_KEEP_DB=1)
            call_command("flush", interactive=False, verbosity=0)
            call_command("generate_demo", claims=claims, stdout=open(os.devnull, "w"))
        generated = time.perf_counter() - started
        with connection.cursor() as cursor:
            # What a live database has: statistics, and (PostgreSQL) what autovacuum leaves,
            # dead rows marked reusable and the visibility map set. Never a VACUUM FULL: no live
            # database is freshly compacted, and timing one would hide what bloat costs.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(
            f"{connection.vendor}: generate_demo made {claims} claims in {generated:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        client = Client(HTTP_HOST="localhost")
        passage_id = Passage.objects.public().order_by("pk").values_list("pk", flat=True)[500]
        report_passage = long_report()
        rows = {
            name: measure(client, url)
            for name, url in pages(claims, passage_id) + report_pages(report_passage)
        }
        vendor = connection.vendor
    floor_p50 = rows["floor (trivial view)"]["p50_ms"] or 0.1
    for row in rows.values():
        row["ratio_to_floor"] = round(row["p50_ms"] / floor_p50, 1)
    over = [
        name
        for name, row in rows.items()
        if row["p50_ms"] > P50_BUDGET_MS or row["p95_ms"] > P95_BUDGET_MS
    ]
    return {
        "database": vendor,
        "claims": claims,
        "generate_demo_seconds": round(generated, 1),
        "repeats": REPEATS,
        "pages": rows,
        "over_budget": over,
    }


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES


def run_each(claims: int, databases: list[str]) -> dict:
    """Each database in a process of its own: Django's connection is set up from DATABASE_URL
    once, at start."""
    results = {}
    for database in databases:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if database == "postgresql":
            env["DATABASE_URL"] = postgres_url()
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [sys.executable, __file__, "--one", out.name], env=env, check=True, cwd=ROOT
            )
            results[database] = json.loads(Path(out.name).read_text())
    return results


def side_by_side(claims: int, results: dict) -> list[str]:
    """One row a page: p50, p95, ratio to the floor and queries for each database; over budget
    marked where the budget applies (PostgreSQL)."""
    names = list(next(iter(results.values()))["pages"])
    width = 32
    cell = f"{'p50 ms':>7} {'p95 ms':>7} {'x floor':>7} {'queries':>7}"
    lines = [
        f"pages at {claims} claims; {REPEATS} requests each; after ANALYZE (SQLite) and "
        f"VACUUM ANALYZE (PostgreSQL); budget (PostgreSQL): p50 <= {P50_BUDGET_MS} ms, "
        f"p95 <= {P95_BUDGET_MS} ms",
        f"{'':{width}} " + "  ".join(f"{LABELS[db]:^{len(cell)}}" for db in results),
        f"{'page':{width}} " + "  ".join(cell for _ in results),
    ]
    for name in names:
        cells, notes = [], []
        for db, result in results.items():
            row = result["pages"][name]
            cells.append(
                f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['ratio_to_floor']:>7} "
                f"{row['queries']:>7}"
            )
            if row["status"] != 200:
                notes.append(f"{LABELS[db]} answered {row['status']}")
            if db == "postgresql" and name in result["over_budget"]:
                notes.append("over budget")
        lines.append(
            f"{name:{width}} " + "  ".join(cells) + (f"  {'; '.join(notes)}" if notes else "")
        )
    for db, result in results.items():
        line = f"{LABELS[db]}: generate_demo {result['generate_demo_seconds']:.0f} s"
        if db == "postgresql":
            over = result["over_budget"]
            line += f"; {len(over)} page(s) over budget" + (f": {', '.join(over)}" if over else "")
        lines.append(line)
    return lines


def main() -> None:
    claims = int(os.environ.get("BENCH_PAGE_CLAIMS", "100000"))
    if sys.argv[1:2] == ["--one"]:
        Path(sys.argv[2]).write_text(json.dumps(run_one(claims)))
        return
    databases = os.environ.get("BENCH_PAGE_DATABASES", "sqlite,postgresql").split(",")
    unknown = set(databases) - set(LABELS)
    if unknown:
        raise SystemExit(f"BENCH_PAGE_DATABASES: unknown {', '.join(sorted(unknown))}")
    results = run_each(claims, databases)
    print("\n".join(side_by_side(claims, results)))
    results_write(
        "pages",
        {
            "claims": claims,
            "repeats": REPEATS,
            "budget_ms": {"p50": P50_BUDGET_MS, "p95": P95_BUDGET_MS, "applies_to": "postgresql"},
            "databases": results,
        },
    )


if __name__ == "__main__":
    main()

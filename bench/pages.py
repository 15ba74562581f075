"""Benchmark: every public page and twin at scale (PRODUCT.md §8), in a throwaway database.

Makes `BENCH_PAGE_CLAIMS` synthetic claims (default 100,000) with `generate_demo`, then times each
page through the whole middleware stack in this process: p50 and p95 server time over repeated
requests, and SQL queries. The floor is a trivial view through the same stack; each page is also
given as a ratio to it. Budget: p50 <= 50 ms and p95 <= 150 ms for every page. Writes
bench/results/pages.json.
"""

import os
import statistics
import time

from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path
from harness import results_write, throwaway_database

from claims_app.models import Claim, Passage

REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))
P50_BUDGET_MS, P95_BUDGET_MS = 50, 150


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


def main() -> None:
    claims = int(os.environ.get("BENCH_PAGE_CLAIMS", "100000"))
    with (
        throwaway_database("claims_bench_pages"),
        # Pages rendered every time: the cache (caching.py) would time its own lookups.
        override_settings(
            ROOT_URLCONF=__name__, ALLOWED_HOSTS=["localhost"], PAGE_CACHE_SECONDS=0
        ),
    ):
        started = time.perf_counter()
        if Claim.objects.count() != claims:  # kept from an earlier run (BENCH_KEEP_DB=1)
            call_command("flush", interactive=False, verbosity=0)
            call_command("generate_demo", claims=claims, stdout=open(os.devnull, "w"))
        generated = time.perf_counter() - started
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # What an operator does after a bulk load: generate_demo writes each claim,
                # then its search vector, then its derived columns, leaving two dead copies of
                # every row behind. A live database's autovacuum keeps its tables near their
                # size; FULL gets there at once. Then a plain VACUUM for the visibility map
                # (FULL leaves it empty) that lets counts read only an index, and ANALYZE for
                # the statistics.
                cursor.execute("VACUUM FULL")
                cursor.execute("VACUUM ANALYZE")
        client = Client(HTTP_HOST="localhost")
        passage_id = Passage.objects.public().order_by("pk").values_list("pk", flat=True)[500]
        rows = {name: measure(client, url) for name, url in pages(claims, passage_id)}
        vendor = connection.vendor
    floor_p50 = rows["floor (trivial view)"]["p50_ms"] or 0.1
    print(
        f"pages at {claims} claims on {vendor} (generate_demo: {generated:.0f} s); "
        f"{REPEATS} requests each; budget p50 <= {P50_BUDGET_MS} ms, p95 <= {P95_BUDGET_MS} ms"
    )
    print(f"{'page':32} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8} {'queries':>8}")
    over = []
    for name, row in rows.items():
        row["ratio_to_floor"] = round(row["p50_ms"] / floor_p50, 1)
        flag = ""
        if row["p50_ms"] > P50_BUDGET_MS or row["p95_ms"] > P95_BUDGET_MS:
            flag = "  over budget"
            over.append(name)
        print(
            f"{name:32} {row['status']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} "
            f"{row['ratio_to_floor']:>8} {row['queries']:>8}{flag}"
        )
    print(f"{len(over)} page(s) over budget" + (f": {', '.join(over)}" if over else ""))
    results_write(
        "pages",
        {
            "database": vendor,
            "claims": claims,
            "generate_demo_seconds": round(generated, 1),
            "repeats": REPEATS,
            "budget_ms": {"p50": P50_BUDGET_MS, "p95": P95_BUDGET_MS},
            "pages": rows,
            "over_budget": over,
        },
    )


if __name__ == "__main__":
    main()

"""Benchmark: import a synthetic bundle of 10,000 claims with 30,000 statements and disputes over
1,000 sources, into a throwaway database (never the real one), and export it again.

Run by `make bench` (PostgreSQL by default: set DATABASE_URL to choose). Prints a table and
writes bench/results/bundle_import.json. Budget (issue 3): the import under 60 s on PostgreSQL.
"""

import os
import random
import time

from harness import results_write, throwaway_database

from claims_app.bundles import bundle_export, bundle_import

WORDS = (
    "human rights report figure prisoners camps defectors testimony council resolution "
    "sanctions food famine missile estimate commission inquiry ambassador statement denied "
    "questioned “quoted” ‘words’ — 북한 인권 보고서 정치범 수용소 증언"
).split()
BUDGET_SECONDS = 60


def synthetic_bundle(claims: int, seed: int = 20261123) -> dict:
    """About 1 source and 2 actors per 10 claims; 2 statements and 1 dispute per claim."""
    rng = random.Random(seed)
    n_sources, n_actors = max(1, claims // 10), max(2, claims // 5)
    actors = [{"name": f"Actor {i}", "kind": "person"} for i in range(n_actors)]
    sources, sentences = [], []
    for s in range(n_sources):
        lines = [
            f"Sentence {i} of source {s} says " + " ".join(rng.choices(WORDS, k=rng.randint(8, 20)))
            for i in range(80)
        ]
        sources.append(
            {
                "key": f"source-{s}",
                "title": f"Source {s}",
                "text": ". ".join(lines),
                "date": f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}",
                "authors": [f"Actor {rng.randrange(n_actors)}"],
            }
        )
        sentences.append(lines)

    def citation(s: int) -> dict:
        line = rng.choice(sentences[s])
        return {
            "actor": f"Actor {rng.randrange(n_actors)}",
            "source": f"source-{s}",
            "quote": line[: rng.randint(len(line) // 2, len(line))],
        }

    bundle_claims = []
    for c in range(claims):
        s = rng.randrange(n_sources)
        statements = [citation(s), citation(rng.randrange(n_sources))]
        dispute = citation(s) | {"kind": rng.choice(["denies", "questions", "qualifies"])}
        bundle_claims.append(
            {
                "key": f"claim-{c}",
                "text": f"Claim {c}: " + " ".join(rng.choices(WORDS, k=10)),
                "topics": [f"topic {rng.randrange(30)}"],
                "published": rng.random() > 0.05,
                "quantity": {"value": rng.randint(1, 200_000), "unit": "people"},
                "statements": statements,
                "disputes": [dispute],
            }
        )
    return {
        "format": "claims-bundle/1",
        "actors": actors,
        "sources": sources,
        "claims": bundle_claims,
    }


def main() -> None:
    claims = int(os.environ.get("BENCH_CLAIMS", "10000"))
    bundle = synthetic_bundle(claims)
    citations = sum(len(c["statements"]) + len(c["disputes"]) for c in bundle["claims"])
    with throwaway_database() as connection:
        started = time.perf_counter()
        report = bundle_import(bundle)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        again = bundle_import(bundle)
        reimported = time.perf_counter() - started
        started = time.perf_counter()
        bundle_export()
        exported = time.perf_counter() - started
    results = {
        "database": connection.vendor,
        "claims": claims,
        "sources": len(bundle["sources"]),
        "statements_and_disputes": citations,
        "import_seconds": round(imported, 2),
        "reimport_seconds": round(reimported, 2),
        "export_seconds": round(exported, 2),
        "import_budget_seconds": BUDGET_SECONDS,
        "created": report.created,
        "second_import": str(again),
    }
    print(
        f"bundle import on {connection.vendor}: {claims} claims, {citations} statements and "
        f"disputes, {len(bundle['sources'])} sources"
    )
    print(
        f"  import    {imported:7.2f} s   (budget {BUDGET_SECONDS} s: "
        f"{imported / BUDGET_SECONDS:.0%} of it)"
    )
    print(f"  re-import {reimported:7.2f} s   ({again})")
    print(f"  export    {exported:7.2f} s")
    results_write("bundle_import", results)


if __name__ == "__main__":
    main()

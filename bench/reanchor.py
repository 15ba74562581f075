"""Benchmark: re-anchoring 1,000 passages after an edit of a 200 KB source (budget: 1 s).

Measured twice: the pure function over the text, and the whole path a curator's edit takes
(Source.save() finding every passage again and writing them, with history), in a throwaway
database. Run by `make bench`; writes bench/results/reanchor.json.
"""

import random
import time

from harness import results_write, throwaway_database

from claims_app import anchoring
from claims_app.models import Passage, Source

BUDGET_SECONDS = 1.0
SIZE, PASSAGES = 200_000, 1_000


def main() -> None:
    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(3000)
    ]
    text = " ".join(rng.choices(vocabulary, k=40_000))[:SIZE]
    spans = []
    for _ in range(PASSAGES):
        start = rng.randrange(0, SIZE - 200)
        spans.append((start, start + rng.randint(20, 150)))
    # The edit: a sentence inserted in the middle, and a word changed near the end.
    edited = text[: SIZE // 2] + " A sentence the editor inserted here. " + text[SIZE // 2 :]
    edited = edited[:-5000] + "CHANGED" + edited[-4990:]

    started = time.perf_counter()
    anchors = [
        anchoring.passage_reanchor(
            edited,
            quote=text[s:e],
            prefix=anchoring.context_before(text, s),
            suffix=anchoring.context_after(text, e),
            start=s,
            end=e,
        )
        for s, e in spans
    ]
    pure = time.perf_counter() - started

    with throwaway_database() as connection:
        source = Source.objects.create(title="A long report", text=text)
        Passage.objects.bulk_create(
            Passage(
                source=source,
                start=s,
                end=e,
                quote=text[s:e],
                prefix=anchoring.context_before(text, s),
                suffix=anchoring.context_after(text, e),
            )
            for s, e in spans
        )
        source.text = edited
        started = time.perf_counter()
        source.save()
        saved = time.perf_counter() - started
        report = source.reanchor_report
        vendor = connection.vendor

    results = {
        "database": vendor,
        "text_characters": SIZE,
        "passages": PASSAGES,
        "pure_seconds": round(pure, 3),
        "save_seconds": round(saved, 3),
        "budget_seconds": BUDGET_SECONDS,
        "moved": report.moved,
        "changed": len(report.changed),
        "changed_by_pure": sum(not a.exact for a in anchors),
    }
    print(f"re-anchoring {PASSAGES} passages after an edit of a {SIZE // 1000} KB source")
    print(
        f"  pure function {pure:6.3f} s   (budget {BUDGET_SECONDS} s: {pure / BUDGET_SECONDS:.0%})"
    )
    print(
        f"  Source.save() {saved:6.3f} s   on {vendor}, writes and history included "
        f"({saved / BUDGET_SECONDS:.0%}); {report}"
    )
    results_write("reanchor", results)


if __name__ == "__main__":
    main()

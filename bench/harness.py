"""What every benchmark needs: Django set up, and a throwaway database of its own."""

import contextlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

# BENCH_KEEP_DB=1 keeps the benchmark's database between runs (and its data, where a benchmark
# can reuse it): for working on performance, not for the figures a closing note quotes.
KEEP = os.environ.get("BENCH_KEEP_DB") == "1"


@contextlib.contextmanager
def throwaway_database(name: str = "bench_claims"):
    """A fresh, migrated database for the benchmark: never the real one, nor a test run's."""
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = (
        f"/tmp/{name}.sqlite3" if connection.vendor == "sqlite" else name
    )
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=KEEP, serialize=False  # no test rolls back to it
    )
    try:
        yield connection
    finally:
        if KEEP:
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def results_write(name: str, results: dict) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")

"""Read replicas are configured from DATABASE_REPLICA_URLS, and each change of the record leaves
the WAL position a replica must reach before it may serve it. (What a real replica then serves,
and when it may not: test_replication.py.)"""

import json
import secrets
import subprocess
import sys

import pytest
from django.db import connection, transaction

from claims_app.caching import record_state

from .factories import ClaimFactory
from .serving import ROOT

PRIMARY = "postgres://tracker@db.internal:5432/claims"  # never connected to
REPLICAS = (
    "postgres://tracker@replica-a.internal:5432/claims, postgres://tracker@replica-b:5432/claims"
)

_DATABASES = """
import json
from django.conf import settings
print(json.dumps({
    "databases": {
        alias: {"host": d["HOST"], "options": d.get("OPTIONS", {}), "test": d.get("TEST", {})}
        for alias, d in settings.DATABASES.items()
    },
    "routers": settings.DATABASE_ROUTERS,
}))
"""


def _settings(**env) -> subprocess.CompletedProcess:
    """The settings the environment makes, read in a process of its own."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {_DATABASES}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_each_replica_url_is_a_database_the_public_pages_read_from():
    result = _settings(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URLS=REPLICAS, DJANGO_DB_POOL="4")
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    databases = read["databases"]
    assert list(databases) == ["default", "replica1", "replica2"]
    assert [d["host"] for d in databases.values()] == [
        "db.internal",
        "replica-a.internal",
        "replica-b",
    ]
    assert read["routers"] == ["claims_app.replicas.ReplicaRouter"]
    for alias in ("replica1", "replica2"):
        replica = databases[alias]
        # A replica that does not answer is given up on in 2 s, by a new connection or the pool.
        assert replica["options"]["connect_timeout"] == 2
        assert replica["options"]["pool"]["timeout"] == 2
        assert replica["test"]["MIRROR"] == "default"  # tests make no database there
    assert "timeout" not in databases["default"]["options"]["pool"]  # the primary: waited for


def test_without_replicas_every_read_is_the_primarys():
    result = _settings(DATABASE_URL=PRIMARY)
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    assert list(read["databases"]) == ["default"] and read["routers"] == []


def test_replicas_of_an_sqlite_file_are_refused_with_a_reason():
    result = _settings(DATABASE_URL="sqlite:///db.sqlite3", DATABASE_REPLICA_URLS=REPLICAS)
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS names PostgreSQL streaming replicas" in result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a WAL position is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_change_leaves_the_wal_position_past_its_commit():
    """A replica that has replayed the generation's position holds the change: the position is
    read after the change committed."""
    before, wal_before = record_state()
    with transaction.atomic():
        ClaimFactory()
        with connection.cursor() as cursor:  # before the commit record is written
            cursor.execute("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint")
            inside = cursor.fetchone()[0]
    after, wal_after = record_state()
    assert after > before
    assert wal_after > inside > (wal_before or 0)

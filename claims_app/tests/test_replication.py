"""Read replicas, against real streaming replication (PostgreSQL only): a primary and a replica
made on this machine for the module (tests/replication.py), the site served by `make serve`'s
gunicorn with DATABASE_URL on the primary and DATABASE_REPLICA_URLS on the replica.

The rules (PRODUCT.md §9 among them): public pages are read from the replica; writes go to the
primary; no page shows what the record no longer says, however far the replica lags (an
unpublished claim above all); a replica that is down costs readers nothing but a log line.

Which server read a page is told by the servers' own statistics (pg_stat_user_tables). A backend
reports its counts when idle, at most once a second (else 10 s later), and when it exits; so to
show that the primary did *not* read a table, the site is stopped first (its pooled connections
close, their backends exit and report), and the counts compared then.
"""

import contextlib
import http.client
import json
import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from . import browser, replication, serving

pytestmark = [
    # On one pytest-xdist worker, one after the other: one pair of servers serves them all.
    pytest.mark.xdist_group("replication"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="read replicas are PostgreSQL's streaming replication: the PostgreSQL suite runs it",
    ),
]

CLAIMS = "claims_app_claim"
# One claim for each test that changes one, so that they run in any order (pytest-randomly).
TEXTS = {
    "read": "Rivers in the northern provinces froze early this year.",
    "write": "The harbour was closed to fishing boats in spring.",
    "lag": "Grain rations were halved in the eastern counties.",
    "down": "The border bridge was rebuilt with foreign steel.",
}
MAKE_CLAIMS = f"""
import json
from claims_app.tests.factories import StatementFactory
texts = {TEXTS!r}
print(json.dumps({{role: StatementFactory(claim__text=text).claim.slug
                  for role, text in texts.items()}}))
"""


def _manage(pair, *args: str, replicas: bool = True) -> subprocess.CompletedProcess:
    """`manage.py args` in a process of its own, on the pair: as a release step or a curator's
    shell would run it, with the replica configured unless `replicas` is false."""
    env = {
        **os.environ,
        "DATABASE_URL": pair.primary_url,
        "DATABASE_REPLICA_URLS": pair.replica_url if replicas else "",
        "DJANGO_DEBUG": "0",
    }
    env.pop("CACHE_URL", None)  # the test run's cache is no concern of the pair's
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=serving.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"
    return result


def _unpublish(pair, slug: str) -> None:
    """Unpublish a claim as a curator's shell would: in one transaction, the replica configured
    (a write the router sent to the replica would fail there: it is read-only)."""
    _manage(
        pair,
        "shell",
        "-c",
        "from django.db import transaction\n"
        "from claims_app.models import Claim\n"
        "with transaction.atomic():\n"
        f"    Claim.objects.get(slug={slug!r}).unpublish()\n",
    )


def _published_on(pair, server, slug: str) -> bool:
    return pair.query(server, f"SELECT published FROM {CLAIMS} WHERE slug = %s", [slug])[0][0]


# The tests change only claims of their own, so they share the pair in any order.
@pytest.fixture(scope="module")
def pair():
    """The primary and its replica, the site's tables migrated on the primary and a claim for
    each test in them, replayed by the replica."""
    with contextlib.ExitStack() as stack:
        try:
            pair = stack.enter_context(replication.streaming_pair())
        except replication.Unavailable as missing:
            browser.unavailable(missing.what, missing.install)
        started = time.monotonic()
        _manage(pair, "migrate", "--noinput", replicas=False)
        made = _manage(pair, "shell", "-c", MAKE_CLAIMS, replicas=False)
        pair.slugs = json.loads(made.stdout.strip().splitlines()[-1])
        pair.wait_replayed()
        print(
            f"\nthe pair started in {pair.setup_seconds:.1f} s; "
            f"migrated, with claims, in {time.monotonic() - started:.1f} s"
        )
        yield pair


@contextlib.contextmanager
def _site(pair, tmp_path, **env: str):
    """The site on the pair, as `make serve` runs it (each answer naming its worker), with its
    connections all closed when the block ends (so that the servers' statistics then count
    everything it read)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    with serving.production_server(
        tmp_path,
        "claims_app.tests.named_workers:application",
        DATABASE_URL=pair.primary_url,
        DATABASE_REPLICA_URLS=pair.replica_url,
        **env,
    ) as site:
        yield site
    for server in (pair.primary, pair.replica):
        pair.wait_no_clients(server)


def _page(site, path: str) -> tuple[int, str]:
    """(status, body) of a GET of `path`; never a server error."""
    return _answer(site, path)[:2]


def _answer(site, path: str) -> tuple[int, str, str]:
    """(status, body, the worker that answered) of a GET of `path`; never a server error."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        status, body = response.status, response.read().decode()
        worker = response.getheader("X-Worker")
    except OSError as error:
        raise AssertionError(f"{path}: {error!r}\n{site.log.read_text()[-5000:]}") from error
    finally:
        conn.close()
    assert status < 500, (path, status, site.errors())
    return status, body, worker


def _from_every_worker(site, path: str) -> list[tuple[int, str]]:
    """(status, body) of `path` as each of the site's workers answers it (asked until each
    has, for up to 30 s: the server answers once its first worker is up, and the others may
    still be starting)."""
    answers = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body, worker = _answer(site, path)
        answers.setdefault(worker, (status, body))
        if len(answers) == serving.WORKERS:
            return list(answers.values())
        time.sleep(0.01)
    raise AssertionError(f"{path}: only workers {list(answers)} answered in 30 s")


def _log(site) -> list[dict]:
    """The site's log entries (its JSON lines; gunicorn's own lines are not JSON)."""
    entries = []
    for line in site.log.read_text().splitlines():
        with contextlib.suppress(ValueError):
            entries.append(json.loads(line))
    return entries


def _shows(site, path: str, text: str) -> bool:
    status, body = _page(site, path)
    assert status == 200, (path, status)
    return text in body


def _public_pages(slug: str) -> list[str]:
    """Public pages that each read the claims table, `slug`'s among them; each but the home page
    names the claim."""
    return [
        "/",
        "/claims/",
        "/claims.json",
        f"/claims/{slug}/",
        f"/claims/{slug}.json",
        "/claims/?q=rivers",  # the search's own SQL
        "/feeds/claims.atom",
        "/sitemap-claims.xml",
    ]


def test_public_pages_are_read_from_the_replica_not_the_primary(pair, tmp_path):
    for server in (pair.primary, pair.replica):  # what others read before is counted
        pair.wait_no_clients(server)
    replica_before = pair.scans(pair.replica, CLAIMS)
    primary_before = replication.record_scans(pair.primary_url)
    slug, text = pair.slugs["read"], TEXTS["read"]
    with _site(pair, tmp_path) as site:
        for path in _public_pages(slug):  # each asked once: rendered afresh, not from the cache
            status, body = _page(site, path)
            assert status == 200, path
            assert slug in body or text in body or path == "/", path
        assert not site.errors()
    assert pair.scans(pair.replica, CLAIMS) > replica_before
    assert replication.record_scans(pair.primary_url) == primary_before  # none of its tables read


def test_a_write_with_a_replica_configured_goes_to_the_primary(pair):
    slug = pair.slugs["write"]
    _unpublish(pair, slug)  # fails if the router sent it to the replica, which is read-only
    assert not _published_on(pair, pair.primary, slug)
    pair.wait_replayed()
    assert not _published_on(pair, pair.replica, slug)


def test_an_unpublished_claim_is_never_served_from_a_lagging_replica(pair, tmp_path):
    slug, text = pair.slugs["lag"], TEXTS["lag"]
    claim_page, lists = f"/claims/{slug}/", ["/claims/", "/claims.json", "/feeds/claims.atom"]
    with _site(pair, tmp_path / "lagging") as site:
        # Every worker shows it, and keeps the page in its cache.
        for path in [claim_page, *lists]:
            for status, body in _from_every_worker(site, path):
                assert status == 200 and text in body, path
        pair.pause_replay()
        try:
            _unpublish(pair, slug)
            # The replica lags: it still says the claim is published.
            assert _published_on(pair, pair.replica, slug)
            assert not _published_on(pair, pair.primary, slug)
            # Yet no worker shows it, on its page or in any list; the other claims are there.
            for status, _ in _from_every_worker(site, claim_page):
                assert status == 404
            for path in lists:
                for status, body in _from_every_worker(site, path):
                    assert status == 200 and TEXTS["read"] in body, path
                    assert text not in body, path
            assert _published_on(pair, pair.replica, slug)  # lagging all along
        finally:
            pair.resume_replay()
        assert not site.errors()
    pair.wait_replayed()
    # Caught up: public reads go to the replica again (a site started afresh, so that nothing
    # is answered from a cache, and stopped, so that the replica's counts are all in).
    pair.wait_no_clients(pair.replica)
    before = pair.scans(pair.replica, CLAIMS)
    with _site(pair, tmp_path / "caught-up") as site:
        assert _page(site, claim_page)[0] == 404
        for path in lists:
            assert not _shows(site, path, text), path
    assert pair.scans(pair.replica, CLAIMS) > before


def test_with_the_replica_down_the_site_answers_from_the_primary(pair, tmp_path):
    slug, text = pair.slugs["down"], TEXTS["down"]
    read = pair.slugs["read"]
    # A replica that failed is tried again after 3 s (10 by default), so that the test sees it
    # used again soon once it is back.
    with _site(pair, tmp_path, REPLICA_RETRY_SECONDS="3") as site:
        for path in _public_pages(read):  # the replica's connections made, and in the pool
            assert _page(site, path)[0] == 200, path
        pair.replica_stop()
        try:
            # A write (made with the replica configured, and down) retires every cached page:
            # what follows is read from a database afresh.
            _unpublish(pair, slug)
            for _ in range(2):  # each worker's first page tries the replica, in vain
                for path in _public_pages(read):
                    started = time.monotonic()
                    status, body = _page(site, path)
                    assert status == 200, path
                    assert read in body or TEXTS["read"] in body or path == "/", path
                    assert text not in body, path
                    assert time.monotonic() - started < 5, path
                assert _page(site, f"/claims/{slug}/")[0] == 404
            said = [
                entry
                for entry in _log(site)
                if entry.get("logger") == "claims_app.replicas" and entry.get("level") == "WARNING"
            ]
            assert any("replica" in entry["message"] for entry in said), site.log.read_text()
            assert not site.errors()
        finally:
            pair.replica_start()
            pair.wait_replayed()
        # Back up, the replica answers the public pages again (each search a page not cached
        # yet): one of the site's connections to it has read the record.
        started = time.monotonic()
        for n in range(300):
            assert _page(site, f"/claims/?q=rivers{n}")[0] == 200
            queries = pair.clients_last_queries(pair.replica)
            if any(CLAIMS in query for query in queries):
                break
            assert time.monotonic() - started < 60, "the replica is not read again"
            time.sleep(0.2)
        print(f"\nthe replica, back up, read again after {time.monotonic() - started:.1f} s")
        assert not site.errors()


def test_the_replica_replays_a_commit_within_a_second(pair):
    lag = pair.replica_lag(samples=30)
    print(
        f"\nreplica lag, commit to replayed, {lag['samples']} samples: "
        f"min {lag['min'] * 1000:.2f} ms, median {lag['median'] * 1000:.2f} ms, "
        f"max {lag['max'] * 1000:.2f} ms"
    )
    assert lag["max"] < 1, lag

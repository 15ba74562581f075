"""Two application servers, one record: `make serve`'s gunicorn twice, on two ports, against one
PostgreSQL database and one Redis, as a site grown past one machine runs behind a load balancer
that sends each request to either. What is written through one is what the other serves on its
next request; a curator logged in on one is logged in on the other; failed logins count across
both."""

import contextlib
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User

from claims_app.caching import record_generation

from . import serving, shared_cache
from .factories import StatementFactory, editors_group

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="two servers need a database they share: run on PostgreSQL (CI runs both suites)",
    ),
    # On one worker: the two servers start once for the module, not once on each worker.
    pytest.mark.xdist_group("two-servers"),
]

PASSWORD = "pw-for-tests"


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Servers A and B, as `make serve` runs them, sharing what a deployment's servers share:
    the database (the test database, migrated once already: neither server migrates), the cache
    (CACHE_URL: one Redis), the secret key (a session's user is checked with it), and the
    static files, collected once before either starts, as a release does (into a folder of
    the test's own, not the checkout's STATIC_ROOT, which the other suite may be serving)."""
    shared = {
        "CACHE_URL": shared_cache.redis_url(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_STATIC_MANIFEST": "1",
        "DJANGO_STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=serving.ROOT,
        env={**os.environ, **shared},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(serving.production_server(tmp_path_factory.mktemp(name), **shared))
            for name in ("a", "b")
        ]


@pytest.fixture
def editor(transactional_db):
    """A curator of the Editors group, whose password the servers check. Hashed by the servers'
    own hasher, at a thousand rounds rather than a million: these tests are about sessions and
    throttling, not about hashing (a successful login hashes it again at full strength)."""
    user = User.objects.create_user("editor", is_staff=True)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "twoservers", iterations=1000)
    user.save()
    user.groups.add(editors_group())
    return user


def test_an_unpublish_through_one_server_is_served_by_the_other_at_once(servers, editor):
    a, b = servers
    claim = StatementFactory(claim__text="A claim about to be withdrawn.").claim
    page, listing = f"/claims/{claim.slug}/", "/claims/"
    reader = serving.Browser(b.port)
    assert reader.get(page).status == 200
    assert claim.text in reader.get(listing).text
    # B's pages are in Redis now, under the record's generation: B would serve them again.
    assert shared_cache.page_keys(record_generation())

    curator = serving.Curator(a.port)
    assert curator.log_in("editor", PASSWORD).status == 302
    unpublished = curator.claims_unpublish(claim)
    assert unpublished.status == 302, a.errors()
    assert "Unpublished 1 claim(s)." in curator.get(unpublished.headers["Location"]).text

    # B's very next requests: the claim is gone from its page and its list.
    assert reader.get(page).status == 404
    assert claim.text not in reader.get(listing).text

    # And back: A has cached its list without the claim; published again through B, A's next
    # request shows it.
    assert claim.text not in serving.Browser(a.port).get(listing).text
    assert curator.at(b.port).claims_publish(claim).status == 302
    assert claim.text in serving.Browser(a.port).get(listing).text
    assert not a.errors() and not b.errors()


def test_a_curator_logged_in_on_one_server_is_logged_in_on_the_other(servers, editor):
    a, b = servers
    on_a = serving.Curator(a.port)
    assert on_a.log_in("editor", PASSWORD).status == 302
    on_b = on_a.at(b.port)  # the same browser, sent to the other server
    index = on_b.get("/admin/")
    assert index.status == 200 and "The record" in index.text
    assert "<strong>editor</strong>" in index.text  # "Welcome, editor."
    # Without the cookie, B asks for a login; logging out on B logs out on A too.
    assert serving.Browser(b.port).get("/admin/").headers["Location"].startswith("/admin/login/")
    assert on_b.post("/admin/logout/", {}).status == 200
    assert on_a.get("/admin/").headers["Location"].startswith("/admin/login/")


def test_failed_logins_count_across_both_servers(servers, editor):
    a, b = servers
    limit = settings.AXES_FAILURE_LIMIT
    # Wrong passwords, one server then the other: each server sees fewer than the limit.
    for attempt in range(limit - 1):
        answer = serving.Curator(servers[attempt % 2].port).log_in("editor", "wrong")
        assert answer.status == 200 and "Please enter the correct username" in answer.text
    last = serving.Curator(servers[(limit - 1) % 2].port).log_in("editor", "wrong")
    assert last.status == 429
    # Both now refuse that username from this address, even with the right password, and say why.
    for server in (a, b):
        answer = serving.Curator(server.port).log_in("editor", PASSWORD)
        assert answer.status == 429
        assert "Account locked: too many login attempts" in answer.text


def test_both_serve_the_static_files_collected_once(servers):
    """A page from one server names its stylesheet by the hash in the manifest collected once;
    the other serves that very file, to be cached for ever."""
    a, b = servers
    home = serving.Browser(b.port).get("/")
    stylesheet = re.search(r'href="(/static/claims\.[0-9a-f]{12}\.css)"', home.text).group(1)
    answers = [serving.Browser(server.port).get(stylesheet) for server in (a, b)]
    assert [answer.status for answer in answers] == [200, 200]
    assert answers[0].text == answers[1].text
    assert "immutable" in answers[0].headers["Cache-Control"]

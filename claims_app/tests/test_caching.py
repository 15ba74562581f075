"""Rendered public pages are cached, and no reader ever sees one the record has moved past."""

import collections
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims_app.bundles import bundle_import
from claims_app.caching import record_generation
from project.settings import _cache

from . import serving, shared_cache
from .factories import ClaimFactory, StatementFactory

pytestmark = pytest.mark.django_db


# A page served from the cache costs one query: the record's generation, which every process
# reads from the database.
CACHED = 1


@pytest.fixture(params=["locmem", "redis"])
def page_cache(request, settings):
    """The test once with each cache a deployment may keep its pages in: this process's memory
    (the default), and Redis (CACHE_URL=redis://…), which every process and server shares and
    which keeps pages as pickled bytes. Setting CACHES makes Django open its caches again."""
    if request.param == "redis":
        settings.CACHES = shared_cache.redis_caches()
    cache.clear()
    yield request.param
    cache.clear()


def _queries(client, url, method="get") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.usefixtures("page_cache")
def test_a_page_is_rendered_once_then_served_from_the_cache(client, disputed_claim):
    for url in ["/", f"/claims/{disputed_claim.slug}/", "/claims.json", "/feeds/claims.atom"]:
        first, page = _queries(client, url)
        again, same = _queries(client, url)
        assert first > CACHED and again == CACHED, url
        assert same == page, url


@pytest.mark.usefixtures("page_cache")
def test_head_is_answered_from_the_cache_like_get(client, disputed_claim):
    claim = f"/claims/{disputed_claim.slug}/"
    assert _queries(client, claim)[0] > CACHED
    assert _queries(client, claim, "head") == (CACHED, "")  # no body, and no rendering
    first, _ = _queries(client, "/claims/", "head")  # rendered for a HEAD: then GET needs none
    assert first > CACHED
    assert _queries(client, "/claims/")[0] == CACHED
    assert disputed_claim.text in _queries(client, "/claims/")[1]


@pytest.mark.usefixtures("page_cache")
def test_unknown_query_parameters_are_dropped_and_do_not_render_again(client, disputed_claim):
    _, page = _queries(client, "/claims/?status=disputed")
    for extra in ["utm_source=newsletter", "x=1", "x=1&x=2", "fbclid=%FF"]:
        queries, same = _queries(client, f"/claims/?status=disputed&{extra}")
        assert (queries, same) == (CACHED, page), extra
    assert "utm_source" not in _queries(client, "/claims/?utm_source=a&page=1")[1]  # its links
    assert _queries(client, f"/claims/{disputed_claim.slug}/?utm_source=a")[0] > CACHED
    assert _queries(client, f"/claims/{disputed_claim.slug}/?utm_source=b")[0] == CACHED
    # Known parameters still make their own page, and a bad value is still a 400.
    assert disputed_claim.text not in _queries(client, "/claims/?status=undisputed&x=1")[1]
    response = client.get("/claims/?status=bogus&utm_source=a")
    assert response.status_code == 400 and "status" in response.content.decode()


def test_one_transaction_retires_the_pages_once_after_it_commits(
    db, django_capture_on_commit_callbacks
):
    generation = record_generation()
    with django_capture_on_commit_callbacks(execute=True) as bumps:
        with transaction.atomic():
            with transaction.atomic():  # a savepoint rolled back takes its bump with it…
                ClaimFactory()
                transaction.set_rollback(True)
            for _ in range(3):  # …and the writes that follow ask for one
                ClaimFactory().unpublish()
            # Until the commit, other processes still see the generation of the rows they see.
            assert record_generation() == generation
    assert len(bumps) == 1
    assert record_generation() > generation


@pytest.mark.usefixtures("page_cache")
def test_publishing_and_unpublishing_show_at_once(client, disputed_claim):
    draft = ClaimFactory(text="Newly published claim.", published=False)
    assert "Newly published claim." not in _queries(client, "/claims/")[1]
    draft.publish()
    assert "Newly published claim." in _queries(client, "/claims/")[1]
    assert client.get(f"/claims/{draft.slug}/").status_code == 200
    draft.unpublish()
    assert "Newly published claim." not in _queries(client, "/claims/")[1]
    assert client.get(f"/claims/{draft.slug}/").status_code == 404


@pytest.mark.usefixtures("page_cache")
def test_an_edit_anywhere_in_the_record_shows_at_once(client, disputed_claim):
    url = f"/claims/{disputed_claim.slug}/"
    assert "The Committee" in _queries(client, url)[1]
    actor = disputed_claim.statements.get().actor
    actor.name = "The Renamed Committee"
    actor.save()
    assert "The Renamed Committee" in _queries(client, url)[1]
    StatementFactory(claim=disputed_claim)  # a new statement
    assert _queries(client, url)[1].count('class="citation statement"') == 2


@pytest.mark.usefixtures("page_cache")
def test_a_bundle_import_shows_at_once(client):
    assert "Imported claim." not in _queries(client, "/claims/")[1]
    bundle_import(
        {
            "format": "claims-bundle/1",
            "actors": [{"name": "Importer", "kind": "person"}],
            "sources": [{"key": "s", "title": "S", "text": "The imported words are here."}],
            "claims": [
                {
                    "key": "imported",
                    "text": "Imported claim.",
                    "published": True,
                    "statements": [{"actor": "Importer", "source": "s", "quote": "imported words"}],
                }
            ],
        }
    )
    assert "Imported claim." in _queries(client, "/claims/")[1]


@pytest.mark.usefixtures("page_cache")
def test_errors_are_not_cached(client, disputed_claim):
    assert client.get("/claims/no-such-claim/").status_code == 404
    ClaimFactory(text="Now it exists.", slug="no-such-claim")
    assert client.get("/claims/no-such-claim/").status_code == 200


def test_caching_can_be_turned_off(client, disputed_claim, settings):
    settings.PAGE_CACHE_SECONDS = 0
    first, _ = _queries(client, "/")
    again, _ = _queries(client, "/")
    assert again == first > 0


def test_cache_url_names_the_backend():
    assert _cache("")["BACKEND"].endswith("LocMemCache")
    assert _cache("redis://127.0.0.1:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert _cache("dummy://")["BACKEND"].endswith("DummyCache")
    with pytest.raises(ImproperlyConfigured, match="memcached://x"):
        _cache("memcached://x")


def _get(url) -> tuple[int, str, str]:
    """(status, worker, body); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["X-Worker"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Worker"], error.read().decode()
    except OSError:
        return 0, "", ""


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="several server processes need a database they share: run on PostgreSQL",
)
def test_unpublishing_from_another_process_shows_in_every_worker(transactional_db, tmp_path):
    claim = StatementFactory(claim__text="A claim about to be withdrawn.").claim
    with serving.production_server(
        tmp_path, "claims_app.tests.named_workers:application", WEB_CONCURRENCY="3"
    ) as server:
        address = f"http://127.0.0.1:{server.port}"
        urls = [f"{address}/claims/{claim.slug}/", f"{address}/claims/", f"{address}/claims.json"]

        def ask_every_worker(shown: bool, workers=None) -> set[str]:
            """Ask for each page, several at a time, until each of `workers` (or of any two)
            has answered it twice; assert each answer shows the claim, or not."""
            answered = {url: collections.Counter() for url in urls}
            with ThreadPoolExecutor(max_workers=6) as pool:
                for _ in range(40):
                    for url, (status, worker, body) in zip(
                        urls * 6, pool.map(_get, urls * 6), strict=True
                    ):
                        assert status in (200, 404), (url, status)
                        showing = status == 200 and (claim.slug in body or claim.text in body)
                        assert showing == shown, (url, worker, status)
                        answered[url][worker] += 1
                    if all(
                        len([w for w in counts if counts[w] >= 2]) >= 2
                        and all(counts[w] >= 2 for w in workers or ())
                        for counts in answered.values()
                    ):
                        return set().union(*answered.values())
            raise AssertionError(f"not every worker answered: {answered}")

        # Each worker renders the published claim, and caches it.
        workers = ask_every_worker(shown=True)
        with transaction.atomic():  # as the admin, a bundle import or the shell would
            claim.unpublish()
        ask_every_worker(shown=False, workers=workers)


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache")
def test_head_sends_no_body_but_the_length_get_would(disputed_claim):
    """What the site hands the server for a HEAD (the test client would drop a body itself; a
    production server drops it too, but logs a warning each time)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler, requests = WSGIHandler(), RequestFactory(HTTP_HOST="localhost")
    for path in [f"/claims/{disputed_claim.slug}/", "/sitemap.xml"]:  # a TemplateResponse too
        cache.clear()
        for _ in range(2):  # rendered for it, then from the cache
            head = handler.get_response(requests.head(path))
            assert head.status_code == 200
            assert head.content == b"", path
        page = handler.get_response(requests.get(path)).content
        assert page and head["Content-Length"] == str(len(page))

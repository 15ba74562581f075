"""Rendered public pages are cached, and no reader ever sees one the record has moved past."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims_app.bundles import bundle_import
from project.settings import _cache

from .factories import ClaimFactory, StatementFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def test_a_page_is_rendered_once_then_served_from_the_cache(client, disputed_claim):
    for url in ["/", f"/claims/{disputed_claim.slug}/", "/claims.json", "/feeds/claims.atom"]:
        first, page = _queries(client, url)
        again, same = _queries(client, url)
        assert first > 0 and again == 0, url
        assert same == page, url


def test_publishing_and_unpublishing_show_at_once(client, disputed_claim):
    draft = ClaimFactory(text="Newly published claim.", published=False)
    assert "Newly published claim." not in _queries(client, "/claims/")[1]
    draft.publish()
    assert "Newly published claim." in _queries(client, "/claims/")[1]
    assert client.get(f"/claims/{draft.slug}/").status_code == 200
    draft.unpublish()
    assert "Newly published claim." not in _queries(client, "/claims/")[1]
    assert client.get(f"/claims/{draft.slug}/").status_code == 404


def test_an_edit_anywhere_in_the_record_shows_at_once(client, disputed_claim):
    url = f"/claims/{disputed_claim.slug}/"
    assert "The Committee" in _queries(client, url)[1]
    actor = disputed_claim.statements.get().actor
    actor.name = "The Renamed Committee"
    actor.save()
    assert "The Renamed Committee" in _queries(client, url)[1]
    StatementFactory(claim=disputed_claim)  # a new statement
    assert _queries(client, url)[1].count('class="citation statement"') == 2


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

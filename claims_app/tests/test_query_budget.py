"""Every public page and twin within the query budget (PRODUCT.md §8: at most 15 a page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims_app.models import Actor, Passage, Source

from .page_types import ACTOR, SOURCE, TOPIC, page_types, seed_with_every_page_type

# Out of any transaction, as a page is served: inside one, each facet count of PostgreSQL's
# takes a savepoint of its own (selectors._within).
pytestmark = pytest.mark.django_db(transaction=True)

QUERY_BUDGET = 15


def _addresses() -> dict[str, str]:
    """Every kind of public page, each with its twins, and the claims list filtered every way."""
    kinds = {k: v for k, v in page_types().items() if k not in ("not found", "passage deleted")}
    busiest = Actor.objects.public().order_by("-made_count", "name").first().slug
    disputer = Actor.objects.public().order_by("-disputed_count", "name").first().slug
    passage = Passage.objects.public().order_by("pk").first()
    twins = {
        "home.json": "/index.json",
        "claims.json": "/claims.json",
        "claims.csv": "/claims.csv",
        "claim.json": kinds["claim"].rstrip("/") + ".json",
        "actors.json": "/actors.json",
        "actors.csv": "/actors.csv",
        "actor.json": f"/actors/{ACTOR}.json",
        "sources.json": "/sources.json",
        "sources.csv": "/sources.csv",
        "source.json": f"/sources/{SOURCE}.json",
        "passage.json": f"/passages/{passage.pk}.json",
        "passage.csl.json": f"/passages/{passage.pk}.csl.json",
        "passage.bib": f"/passages/{passage.pk}.bib",
        "passage.ris": f"/passages/{passage.pk}.ris",
        "source.csl.json": f"/sources/{SOURCE}.csl.json",
        "source.bib": f"/sources/{SOURCE}.bib",
        "source.ris": f"/sources/{SOURCE}.ris",
        "topic.json": f"/topics/{TOPIC}.json",
    }
    filtered = {
        "claims, disputed in a topic": f"/claims/?status=disputed&topic={TOPIC}",
        "claims made by the busiest actor": f"/claims/?made_by={busiest}",
        "claims disputed by an actor": f"/claims/?disputed_by={disputer}",
        "claims of an actor": f"/claims/?actor={busiest}",
        "claims from a source": f"/claims/?source={SOURCE}",
        "claims since a date": "/claims/?since=2020-01-01&ordering=date",
        "claims, most disputed": "/claims/?ordering=-disputes",
        "claims undisputed": "/claims/?status=undisputed",
        "claims searched": "/claims/?q=prisoners+camps",
        "claims searched + faceted": f"/claims/?q=prisoners&topic={TOPIC}&status=disputed",
        "claims faceted: topic + claimant": f"/claims/?topic={TOPIC}&made_by={busiest}",
        "claims.json filtered": f"/claims.json?status=disputed&topic={TOPIC}&made_by={busiest}",
        "claims.csv filtered": f"/claims.csv?status=disputed&topic={TOPIC}",
        "actors searched": "/actors/?q=kim",
        "actors, most claims made": "/actors/?ordering=-made",
        "sources searched": "/sources/?q=report",
        "sources, most cited": "/sources/?ordering=-claims",
        "map of a topic, disputed": f"/map/?topic={TOPIC}&status=disputed",
        "feed: new claims": "/feeds/claims.atom",
        "feed: new disputes": "/feeds/disputes.atom",
        "feed: an actor": f"/feeds/actors/{ACTOR}.atom",
        "feed: a topic": f"/feeds/topics/{TOPIC}.atom",
        "sitemap index": "/sitemap.xml",
        "sitemap of claims": "/sitemap-claims.xml",
    }
    return {**kinds, **twins, **filtered}


def test_every_public_page_and_twin_takes_at_most_15_queries(client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # every page rendered, not read from the cache
    seed_with_every_page_type()
    assert Source.objects.public().exists()
    over = {}
    for name, url in _addresses().items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code < 500, (name, url, response.status_code)
        if len(queries) > QUERY_BUDGET:
            over[f"{name} ({url})"] = len(queries)
    assert not over, over

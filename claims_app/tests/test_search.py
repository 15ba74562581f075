"""Full-text search over claims, their quotes and their actors' names."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from .factories import ActorFactory, AliasFactory, ClaimFactory, StatementFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ranking and highlights are PostgreSQL's"
)


def _slugs(client, query) -> list[str]:
    return [c["slug"] for c in client.get(f"/claims.json?{query}").json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=political+prisoners", "north-korea-holds-more-than-130000-political-prisoners"),
        ("q=Shin+Dong-hyuk", "coi-report-rested-largely-on-false-testimony"),
        ("q=Amnesty", "north-korea-holds-more-than-130000-political-prisoners"),
        ("q=missile", "one-missile-would-feed-population-for-three-months"),
        ("q=Nazi-style", "north-korean-leaders-should-be-prosecuted-for-nazi-style-atrocities"),
    ],
)
def test_search_finds_the_seed_claims_on_every_database(client, query, expected):
    call_command("setup_local", stdout=open("/dev/null", "w"))
    assert expected in _slugs(client, query)


def test_search_finds_a_claim_by_an_actors_alias(client):
    actor = ActorFactory(name="Shin Dong-hyuk")
    AliasFactory(actor=actor, name="Sin Tong Hyok")
    claim = StatementFactory(actor=actor, claim=ClaimFactory(text="A testimony.")).claim
    assert _slugs(client, "q=Tong+Hyok") == [claim.slug]


@postgres_only
def test_search_ranks_the_claims_own_words_first(client):
    in_text = StatementFactory(claim=ClaimFactory(text="Prisoners are held in camps.")).claim
    in_quote_only = StatementFactory(claim=ClaimFactory(text="Something else entirely.")).claim
    assert _slugs(client, "q=camps") == [in_text.slug, in_quote_only.slug]


@postgres_only
def test_search_takes_websearch_syntax(client):
    both = ClaimFactory(text="Famine and sanctions.")
    one = ClaimFactory(text="Famine alone.")
    assert _slugs(client, "q=famine+-sanctions") == [one.slug]
    assert _slugs(client, 'q="and+sanctions"') == [both.slug]


@postgres_only
def test_search_highlights_matches_and_escapes_the_text(client):
    ClaimFactory(text='<script>alert("x")</script> camps & prisons')
    page = client.get("/claims/?q=camps").content.decode()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>camps</mark> &amp; prisons" in page
    )
    assert "<script>alert" not in page


@postgres_only
def test_refreshing_every_claim_at_once_gives_the_same_vectors():
    from claims_app import search
    from claims_app.models import Claim

    call_command("setup_local", stdout=open("/dev/null", "w"))
    one_by_one = dict(Claim.objects.values_list("pk", "search_vector"))
    Claim.objects.update(search_vector=None)
    search.claims_search_refresh()
    assert dict(Claim.objects.values_list("pk", "search_vector")) == one_by_one


@postgres_only
def test_a_search_too_broad_to_rank_comes_newest_first_and_says_so(client, settings):
    settings.RANK_MAX_MATCHES = 1
    from datetime import UTC, datetime

    older = ClaimFactory(text="Camps camps camps.", published_at=datetime(2020, 1, 1, tzinfo=UTC))
    newer = ClaimFactory(text="Camps once.", published_at=datetime(2024, 1, 1, tzinfo=UTC))
    twin = client.get("/claims.json?q=camps").json()
    assert twin["ranked"] is False
    assert [c["slug"] for c in twin["results"]] == [newer.slug, older.slug]
    assert (
        "Too many to rank by relevance quickly" in client.get("/claims/?q=camps").content.decode()
    )
    settings.RANK_MAX_MATCHES = 5000
    cache.clear()  # a new setting comes with a restart; here, the pages are still cached
    assert client.get("/claims.json?q=camps").json()["ranked"] is True
    assert _slugs(client, "q=camps") == [older.slug, newer.slug]  # more of the word ranks first

"""Browsing the record: facets on the claims list, search and ordering on the actors and
sources lists, and pages of an actor's and a source's claims."""

import re
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from claims_app import selectors
from claims_app.models import Topic

from .factories import (
    ActorFactory,
    AliasFactory,
    AuthorshipFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    """Three published claims and a draft, over two sources, two topics and four actors."""
    camps, food = TopicFactory(name="camps"), TopicFactory(name="food")
    committee, ministry = ActorFactory(name="The Committee"), ActorFactory(name="The Ministry")
    critic, agency = ActorFactory(name="The Critic"), ActorFactory(name="The Agency")
    report, memo = SourceFactory(title="The Report"), SourceFactory(title="The Memo")

    def passage(source, words):
        return PassageFactory(source=source, words=words)

    first = ClaimFactory(text="First claim.")
    first.topics.add(camps)
    StatementFactory(claim=first, actor=committee, passage=passage(report, "held in camps"))
    DisputeFactory(claim=first, actor=critic, passage=passage(memo, "Critics asked"))
    DisputeFactory(claim=first, actor=ministry, passage=passage(memo, "denied it outright"))
    second = ClaimFactory(text="Second claim.")
    second.topics.add(camps, food)
    StatementFactory(claim=second, actor=committee, passage=passage(report, "stands by"))
    DisputeFactory(claim=second, actor=critic, passage=passage(report, "Critics asked"))
    third = ClaimFactory(text="Third claim.")
    third.topics.add(food)
    StatementFactory(claim=third, actor=agency, passage=passage(memo, "the figure"))
    draft = ClaimFactory(text="A draft claim.", published=False)
    draft.topics.add(camps)
    StatementFactory(claim=draft, actor=committee, passage=passage(memo, "The committee said"))
    DisputeFactory(claim=draft, actor=critic, passage=passage(memo, "the ministry"))
    return {"first": first, "second": second, "third": third, "draft": draft}


def _facets(response) -> dict:
    """{param: {label: count}} from a claims twin."""
    return {
        facet["param"]: {value["label"]: value["count"] for value in facet["values"]}
        for facet in response.json()["facets"]
    }


def test_facets_count_every_published_claim_and_no_draft(client, record):
    facets = _facets(client.get("/claims.json"))
    assert facets["status"] == {"disputed": 2, "undisputed": 1}
    assert facets["topic"] == {"camps": 2, "food": 2}
    assert facets["made_by"] == {"The Committee": 2, "The Agency": 1}
    assert facets["disputed_by"] == {"The Critic": 2, "The Ministry": 1}
    assert facets["source"] == {"The Report": 2, "The Memo": 2}


def test_facets_count_the_claims_of_the_current_filter(client, record):
    facets = _facets(client.get("/claims.json?topic=food"))
    assert facets["status"] == {"disputed": 1, "undisputed": 1}
    assert facets["made_by"] == {"The Committee": 1, "The Agency": 1}
    assert facets["disputed_by"] == {"The Critic": 1}
    assert facets["source"] == {"The Report": 1, "The Memo": 1}
    assert _facets(client.get("/claims.json?q=second"))["topic"] == {"camps": 1, "food": 1}


def test_a_searchs_facets_count_its_published_claims_from_their_stored_keys(client, record):
    # Every published claim says "claim", and the draft too: the search's facets, counted from
    # the claims' facet keys in the query that counts them, are the whole record's.
    assert _facets(client.get("/claims.json?q=claim")) == _facets(client.get("/claims.json"))


def test_the_filter_form_keeps_the_choices_made(client, record):
    page = client.get("/claims/?status=disputed&ordering=-date").content.decode()
    assert '<option value="disputed" selected>disputed</option>' in page
    assert '<option value="-date" selected>date stated, newest first</option>' in page
    assert '<option value="" selected>' not in page
    page = client.get("/claims/?status=nonsense").content.decode()
    assert 'aria-describedby="id_status-error"' in page and 'id="id_status-error"' in page


def test_unnarrowed_facets_read_the_stored_counts_and_agree_with_counting(record):
    everything = selectors.claims_public()
    stored = selectors.claims_facets(everything, narrowed=False)
    counted = selectors.claims_facets(everything, narrowed=True)
    assert stored == counted
    assert sum(v.count for v in stored[0].values) == 3


def test_a_facet_link_adds_its_filter_and_a_chosen_one_removes_it(client, record):
    facets = client.get("/claims.json?status=disputed&page=1").json()["facets"]
    topic = next(f for f in facets if f["param"] == "topic")
    camps = next(v for v in topic["values"] if v["label"] == "camps")
    assert camps["url"].endswith("/claims.json?status=disputed&topic=camps")
    status = next(f for f in facets if f["param"] == "status")
    (disputed,) = status["values"]
    assert disputed["selected"] and disputed["url"].endswith("/claims.json")
    narrowed = client.get(camps["url"]).json()
    assert {c["slug"] for c in narrowed["results"]} == {record["first"].slug, record["second"].slug}


def test_the_claims_page_shows_facets_as_links(client, record):
    page = client.get("/claims/?topic=camps").content.decode()
    assert '<nav class="facets"' in page
    assert 'href="?topic=camps&amp;made_by=' in page  # narrows further
    widen = re.search(r'<li class="selected"><a href="\?">(.*?)</a>', page)  # widens again
    assert widen and "camps" in widen[1] and "(chosen: remove this topic)" in widen[1]
    assert "A draft claim." not in page


def test_actors_list_finds_an_actor_by_name_or_alias(client, record):
    AliasFactory(actor=ActorFactory._meta.model.objects.get(name="The Critic"), name="Le Critique")
    names = [a["name"] for a in client.get("/actors.json?q=critique").json()["results"]]
    assert names == ["The Critic"]
    names = [a["name"] for a in client.get("/actors.json?q=the+c").json()["results"]]
    assert names == ["The Committee", "The Critic"]


def test_actors_list_orders_by_name_or_by_claims(client, record):
    def names(query):
        twin = client.get(f"/actors.json?q=the&{query}").json()
        return [a["name"] for a in twin["results"]]

    assert names("") == ["The Agency", "The Committee", "The Critic", "The Ministry"]
    assert names("ordering=-name") == ["The Ministry", "The Critic", "The Committee", "The Agency"]
    assert names("ordering=-made")[:2] == ["The Committee", "The Agency"]
    assert names("ordering=-disputed")[:2] == ["The Critic", "The Ministry"]
    assert names("kind=person") == []


def test_sources_list_finds_by_title_or_author_and_orders(client, record):
    memo = SourceFactory._meta.model.objects.get(title="The Memo")
    AuthorshipFactory(source=memo, actor=ActorFactory(name="Jane Writer"))
    titles = [s["title"] for s in client.get("/sources.json?q=writer").json()["results"]]
    assert titles == ["The Memo"]
    titles = [s["title"] for s in client.get("/sources.json?ordering=title").json()["results"]]
    assert titles == ["The Memo", "The Report"]
    page = client.get("/sources/?q=report").content.decode()
    assert "The Report" in page and "The Memo" not in page


@pytest.mark.parametrize(
    "url",
    [
        "/actors/?ordering=popularity",
        "/actors.json?kind=alien",
        "/actors.csv?q=" + "x" * 500,
        "/sources/?ordering=-popularity",
        "/sources.json?kind=scroll",
        "/sources.csv?page=zero",
        "/actors/{actor}/?made_page=x",
        "/actors/{actor}.json?disputed_page=0",
        "/sources/{source}/?page=-3",
    ],
)
def test_a_bad_list_parameter_is_a_400_in_the_pages_own_format(client, record, url):
    actor = record["first"].statements.get().actor
    source = record["first"].statements.get().passage.source
    response = client.get(url.format(actor=actor.slug, source=source.slug))
    assert response.status_code == 400
    if ".json" in url:
        assert "errors" in response.json()
    elif ".csv" in url:
        assert response.content.decode().startswith("parameter,error")
    else:
        assert "This request cannot be answered" in response.content.decode()


def test_an_actors_page_pages_through_its_claims_made_and_disputed(client, settings):
    settings.LIST_PAGE_SIZE = 2
    actor = ActorFactory(name="Prolific")
    for n in range(5):
        StatementFactory(actor=actor, claim=ClaimFactory(text=f"Made {n}."))
    DisputeFactory(actor=actor, claim=ClaimFactory(text="Disputed 0."))
    page = client.get(f"/actors/{actor.slug}/?made_page=3").content.decode()
    assert "Claims made (5)" in page and "Made 4." in page and "Made 0." not in page
    assert 'href="?made_page=2"' in page
    assert "Disputed 0." in page  # the other list stays on its first page
    twin = client.get(f"/actors/{actor.slug}.json?made_page=2").json()
    assert twin["claims_made"]["count"] == 5
    assert [c["claim"]["text"] for c in twin["claims_made"]["results"]] == ["Made 2.", "Made 3."]
    assert twin["claims_made"]["next"].endswith("made_page=3")
    assert client.get(f"/actors/{actor.slug}/?made_page=4").status_code == 404


def test_a_sources_page_pages_through_its_claims_and_still_marks_every_passage(client, settings):
    settings.LIST_PAGE_SIZE = 2
    source = SourceFactory()
    words = ["The committee said", "held in camps", "Critics asked"]
    for n, quote in enumerate(words):
        StatementFactory(
            claim=ClaimFactory(text=f"Cited {n}."),
            passage=PassageFactory(source=source, words=quote),
        )
    page = client.get(f"/sources/{source.slug}/?page=2").content.decode()
    assert "Claims cited from this source (3)" in page
    assert "Cited 2." in page and "Cited 0." not in page
    assert len(re.findall(r'<mark class="passage" id="passage-\d+"', page)) == 3
    assert client.get(f"/sources/{source.slug}.json").json()["claims"]["count"] == 3


def test_a_facet_too_slow_to_count_says_so_instead_of_holding_the_page(client, record, monkeypatch):
    monkeypatch.setattr(selectors, "_within", lambda deadline, sql, params: None)
    page = client.get("/claims/?topic=camps").content.decode()
    assert page.count("Too many claims to count quickly") == 4
    assert "2 claims." in page and "First claim." in page  # the list itself is whole
    facets = {f["param"]: f for f in client.get("/claims.json?topic=camps").json()["facets"]}
    # The status facet is the list's count, always counted; the others may be cut short.
    assert not facets["status"]["timed_out"]
    assert [v["count"] for v in facets["status"]["values"]] == [2]
    assert all(facets[p]["timed_out"] for p in ("topic", "made_by", "disputed_by", "source"))
    # Uncounted, but the value chosen is still there to be removed, with the list's count.
    assert [(v["label"], v["count"], v["selected"]) for v in facets["topic"]["values"]] == [
        ("camps", 2, True)
    ]
    assert facets["made_by"]["values"] == facets["source"]["values"] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_a_facet_count_past_its_time_is_cancelled_and_the_connection_goes_on(db):
    with transaction.atomic():  # a page's own transaction survives it
        topic = TopicFactory(name="kept")
        assert selectors._within(time.monotonic() + 0.02, "SELECT pg_sleep(0.5)", []) is None
        assert selectors._within(time.monotonic() + 5, "SELECT %s, 1", ["fast"]) == [("fast", 1)]
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("0",)  # the page's later queries have no limit
            cursor.execute("SELECT pg_sleep(0.05)")
    assert Topic.objects.filter(pk=topic.pk, name="kept").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_a_facet_count_out_of_any_transaction_is_limited_alone(transactional_db):
    # A page's own case (no transaction): the limit lasts for the count's message alone.
    assert not connection.in_atomic_block
    assert selectors._within(time.monotonic() + 0.02, "SELECT pg_sleep(0.5)", []) is None
    assert selectors._within(time.monotonic() + 5, "SELECT %s, 1", ["fast"]) == [("fast", 1)]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("0",)
        cursor.execute("SELECT pg_sleep(0.05)")


_SLOW_SQLITE = (  # a few seconds of work for SQLite, whatever the data
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
    "SELECT count(*) FROM n"
)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the progress handler is SQLite's")
def test_a_facet_count_past_its_time_is_interrupted_on_sqlite_and_the_connection_goes_on(db):
    started = time.monotonic()
    with transaction.atomic():  # a page's own transaction (ATOMIC_REQUESTS) survives it
        topic = TopicFactory(name="kept")
        assert selectors._within(time.monotonic() + 0.05, _SLOW_SQLITE, []) is None
        assert time.monotonic() - started < 1  # cut short, not run to the end
        assert selectors._within(time.monotonic() + 5, "SELECT %s, 1", ["fast"]) == [("fast", 1)]
        # The handler is gone: past the deadline, a longer query still runs to its end.
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
                "SELECT count(*) FROM n"
            )
            assert cursor.fetchone() == (20000,)
    assert Topic.objects.filter(pk=topic.pk, name="kept").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the progress handler is SQLite's")
def test_facets_past_their_time_on_sqlite_say_so_and_the_list_is_whole(
    client, record, monkeypatch, settings
):
    # A clock that moves 10 ms each time it is read, and a look at it at every step: the
    # reading of the claims' facet keys, after the status facet, is interrupted mid-query.
    settings.FACET_TIME_LIMIT_MS = 20  # the suite's own is a minute (conftest.py)
    ticks = iter(range(0, 10**9, 10))
    monkeypatch.setattr(selectors, "time", SimpleNamespace(monotonic=lambda: next(ticks) / 1000))
    monkeypatch.setattr(selectors, "SQLITE_STEPS_PER_CHECK", 1)
    page = client.get("/claims/?topic=camps").content.decode()
    assert page.count("Too many claims to count quickly") == 4
    assert "2 claims." in page and "First claim." in page and "Second claim." in page
    assert "Third claim." not in page


def test_a_page_past_the_end_of_a_list_on_an_actors_twin_says_which(client, record):
    actor = record["first"].statements.get().actor
    response = client.get(f"/actors/{actor.slug}.json?made_page=5")
    assert response.status_code == 404
    assert response.json()["errors"] == {"page": ["There is no such page."]}
    assert client.get("/sources/nope.json?page=2").json()["errors"] == {
        "source": ["There is no source “nope”."]
    }


def test_a_chosen_facet_value_beyond_the_largest_is_still_shown_to_remove(
    client, record, monkeypatch
):
    monkeypatch.setattr(selectors, "FACET_SIZE", 1)
    facets = client.get("/claims.json?made_by=the-agency").json()["facets"]
    made_by = next(f for f in facets if f["param"] == "made_by")
    assert made_by["values"][0] == {
        "value": "the-agency",
        "label": "The Agency",
        "count": 1,
        "selected": True,
        "url": "http://localhost/claims.json",
    }


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/claims/?made_by=the-agency&status=disputed", "No claims match these filters."),
        ("/actors/?q=nobody-by-this-name", "No actor matches."),
        ("/sources/?q=no-such-title", "No source matches."),
    ],
)
def test_a_list_with_nothing_to_show_says_so(client, record, url, says):
    page = client.get(url).content.decode()
    assert says in page
    if url.startswith("/claims/"):
        assert "0 claims." in page


def test_a_chosen_status_with_no_claims_is_still_a_facet_to_remove(client):
    """It used to be labelled with a str method, which no JSON can hold: a 500."""
    data = client.get("/claims.json?status=retracted").json()
    (status,) = [facet for facet in data["facets"] if facet["param"] == "status"]
    assert status["values"] == [
        {
            "value": "retracted",
            "label": "retracted",
            "count": 0,
            "selected": True,
            "url": "http://localhost/claims.json",
        }
    ]
    assert "retracted" in client.get("/claims/?status=retracted").content.decode()


def test_a_list_of_more_claims_than_facets_count_shows_its_statuses_only(client, record, settings):
    settings.FACET_MAX_CLAIMS = 1  # the record's camps topic has 2 published claims
    facets = client.get("/claims.json?topic=camps").json()["facets"]
    status = next(f for f in facets if f["param"] == "status")
    assert [(v["value"], v["count"]) for v in status["values"]] == [("disputed", 2)]
    others = [f for f in facets if f["param"] != "status"]
    assert others and all(f["timed_out"] for f in others)
    settings.FACET_MAX_CLAIMS = 2
    cache.clear()
    facets = client.get("/claims.json?topic=camps").json()["facets"]
    assert not any(f["timed_out"] for f in facets)

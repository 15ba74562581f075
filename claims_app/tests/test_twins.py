"""The machine-readable twins: JSON for every page, CSV for every list, at the same paths with a
suffix; the same filters; errors in their own format; and a query count that does not grow."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims_app.derived import derived_stale
from claims_app.models import Claim, Dispute
from claims_app.search import search_stale

from .factories import (
    ActorFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_claims_twin_lists_claims_with_who_made_and_disputed_them(client, disputed_claim):
    data = client.get("/claims.json").json()
    assert data["count"] == 1 and data["next"] is None and data["previous"] is None
    claim = data["results"][0]
    assert claim["slug"] == disputed_claim.slug
    assert claim["url"] == f"http://localhost/claims/{disputed_claim.slug}/"
    assert claim["status"] == "disputed"
    assert [a["name"] for a in claim["made_by"]] == ["The Committee"]
    assert claim["disputed_by"] == [
        {"name": "The Critic", "slug": "the-critic", "kind": "questions"}
    ]


def test_list_twins_honour_the_filters_and_link_their_pages(client, settings, disputed_claim):
    settings.CLAIMS_PAGE_SIZE = 1
    ClaimFactory(text="Another claim.")
    data = client.get("/claims.json?status=undisputed").json()
    assert [c["text"] for c in data["results"]] == ["Another claim."]
    first = client.get("/claims.json").json()
    assert first["count"] == 2
    assert first["next"].startswith("http://localhost/claims.json?page=2&cursor=")
    second = client.get("/claims.json?page=2").json()
    assert second["previous"] == "http://localhost/claims.json?page=1"
    assert client.get("/claims.json?page=3").status_code == 404


def _walk(client, url: str) -> list[dict]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


@pytest.mark.parametrize(
    "query",
    ["", "ordering=-disputes", "ordering=disputes", "status=undisputed&ordering=-disputes"],
)
def test_following_next_by_cursor_gives_exactly_the_pages_page_numbers_give(
    client, settings, query
):
    settings.CLAIMS_PAGE_SIZE = 3
    claims = [ClaimFactory(text=f"Claim {n}.") for n in range(11)]
    for claim in claims[:4] + claims[:1]:  # ties in the dispute counts, broken by id
        DisputeFactory(claim=claim)
    same_time = [c.pk for c in claims[4:9]]  # ties in publication time too
    Claim.objects.filter(pk__in=same_time).update(published_at=claims[4].published_at)
    by_cursor = _walk(client, f"/claims.json?{query}")
    by_number = [
        client.get(f"/claims.json?{query}&page={n}").json() for n in range(1, len(by_cursor) + 1)
    ]
    assert client.get(f"/claims.json?{query}&page={len(by_cursor) + 1}").status_code == 404
    assert len(by_cursor) > 1 and all("cursor=" in page["next"] for page in by_cursor[:-1])
    texts = [[c["text"] for c in page["results"]] for page in by_cursor]
    assert texts == [[c["text"] for c in page["results"]] for page in by_number]
    for cursor_page, number_page in zip(by_cursor, by_number, strict=True):
        assert cursor_page["count"] == number_page["count"]
        assert cursor_page["previous"] == number_page["previous"]  # by number: no cursor back
        assert cursor_page["facets"] == number_page["facets"]
    listed = Claim.objects.public()
    if "status=undisputed" in query:
        listed = listed.filter(status="undisputed")
    assert sorted(sum(texts, [])) == sorted(listed.values_list("text", flat=True))  # each once


def test_a_cursor_page_skips_no_rows_by_offset(client, settings):
    settings.CLAIMS_PAGE_SIZE = 2
    for n in range(5):
        ClaimFactory(text=f"Claim {n}.")
    third = _walk(client, "/claims.json")[2]
    assert third["results"] == client.get("/claims.json?page=3").json()["results"]
    url = _walk(client, "/claims.json")[1]["next"]
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [q["sql"] for q in queries if "OFFSET" in q["sql"].upper()]


def test_a_bad_cursor_is_a_400_that_says_why(client, settings):
    settings.CLAIMS_PAGE_SIZE = 1
    for n in range(3):
        ClaimFactory(text=f"Claim {n}.")
    good = client.get("/claims.json").json()["next"].split("cursor=")[1]
    tampered = good[:-3] + ("aaa" if good[-3:] != "aaa" else "bbb")
    cases = {
        "/claims.json?page=2&cursor=nonsense": "not one this site made",
        f"/claims.json?page=2&cursor={tampered}": "not one this site made",
        f"/claims.json?page=2&status=disputed&cursor={good}": "another list",
        f"/claims.json?page=2&ordering=-disputes&cursor={good}": "another list",
        f"/claims.json?page=3&cursor={good}": "opens page 2",
        f"/claims.json?page=2&ordering=date&cursor={good}": "by number alone",
        f"/claims.json?page=x&cursor={good}": "whole number",
    }
    for url, why in cases.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert why in " ".join(sum(response.json()["errors"].values(), [])), url
    assert client.get("/claims/?page=2&cursor=nonsense").status_code == 400
    assert client.get("/claims.csv?page=2&cursor=nonsense").status_code == 400
    assert client.get(f"/claims/?page=2&cursor={good}").status_code == 200  # the HTML follows it


def test_the_claims_csv_has_a_row_per_claim(client, disputed_claim):
    rows = _rows(client.get("/claims.csv"))
    assert rows[0][:4] == ["slug", "url", "text", "status"]
    assert rows[1][0] == disputed_claim.slug
    assert rows[1][6] == "The Committee"
    assert rows[1][7] == "The Critic (questions)"


def test_a_csv_cell_is_never_a_formula(client):
    StatementFactory(claim=ClaimFactory(text='=HYPERLINK("http://evil")'))
    rows = _rows(client.get("/claims.csv"))
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_a_bad_parameter_is_a_400_in_the_twins_own_format(client, disputed_claim, suffix):
    response = client.get(f"/claims.{suffix}?status=maybe&since=never")
    assert response.status_code == 400
    if suffix == "json":
        assert set(response.json()["errors"]) == {"status", "since"}
    else:
        rows = _rows(response)
        assert rows[0] == ["parameter", "error"]
        assert {row[0] for row in rows[1:]} == {"status", "since"}


def test_the_claim_twin_carries_statements_and_disputes_with_their_passages(client, disputed_claim):
    counter = ClaimFactory(text="The figure was invented.")
    Dispute.objects.filter(claim=disputed_claim).update(counterclaim=counter)
    data = client.get(f"/claims/{disputed_claim.slug}.json").json()
    assert data["text"] == disputed_claim.text and data["status"] == "disputed"
    (statement,) = data["statements"]
    assert statement["actor"] == {"name": "The Committee", "slug": "the-committee"}
    passage = disputed_claim.statements.get().passage
    assert statement["passage"]["id"] == passage.pk
    assert statement["passage"]["url"] == f"http://localhost/passages/{passage.pk}/"
    assert statement["passage"]["quote"] == passage.quote
    (dispute,) = data["disputes"]
    assert dispute["kind"] == "questions" and dispute["counterclaim"] == counter.slug


def test_every_detail_twin_answers_and_unknown_slugs_are_json_404s(client, disputed_claim):
    actor = disputed_claim.statements.get().actor
    source = disputed_claim.statements.get().passage.source
    topic = TopicFactory(name="camps")
    disputed_claim.topics.add(topic)
    actor_twin = client.get(f"/actors/{actor.slug}.json").json()
    assert actor_twin["claims_made"]["count"] == 1
    assert actor_twin["claims_made"]["results"][0]["claim"]["slug"] == disputed_claim.slug
    assert actor_twin["claims_disputed"] == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    source_twin = client.get(f"/sources/{source.slug}.json").json()
    assert source_twin["text"] == source.text and len(source_twin["passages"]) == 2
    assert source_twin["claims"]["results"][0]["slug"] == disputed_claim.slug
    assert client.get(f"/topics/{topic.slug}.json").json()["claims"]["results"][0]["slug"] == (
        disputed_claim.slug
    )
    assert client.get("/index.json").json()["counts"]["claim_count"] == 1
    for url in [
        "/claims/nope.json",
        "/actors/nope.json",
        "/sources/nope.json",
        "/topics/nope.json",
    ]:
        response = client.get(url)
        assert response.status_code == 404 and "errors" in response.json()
    for url in ["/actors.json", "/sources.json"]:
        assert client.get(url).json()["count"] >= 1
    assert _rows(client.get("/actors.csv"))[0][0] == "slug"
    assert _rows(client.get("/sources.csv"))[1][0] == source.slug


def test_a_renamed_claims_twin_redirects_to_the_new_twin(client, disputed_claim):
    old = disputed_claim.slug
    disputed_claim.slug = "renamed"
    disputed_claim.save()
    response = client.get(f"/claims/{old}.json")
    assert response.status_code == 301
    assert response["Location"] == "/claims/renamed.json"


def test_html_pages_advertise_their_twins(client, disputed_claim):
    assert '<link rel="alternate" type="application/json" href="/claims.json?status=disputed">' in (
        client.get("/claims/?status=disputed").content.decode()
    )
    assert 'type="text/csv" href="/claims.csv">' in client.get("/claims/").content.decode()
    assert f'href="/claims/{disputed_claim.slug}.json">' in (
        client.get(f"/claims/{disputed_claim.slug}/").content.decode()
    )


def test_no_twin_shows_a_draft(client, disputed_claim):
    draft = ClaimFactory(text="A secret draft.", published=False)
    StatementFactory(claim=draft, actor=ActorFactory(name="Draft-only actor"))
    for url in [
        "/index.json",
        "/claims.json",
        "/claims.csv",
        "/actors.json",
        "/actors.csv",
        "/sources.json",
        "/sources.csv",
        "/claims.json?q=secret",
    ]:
        body = client.get(url).content.decode()
        assert "A secret draft." not in body and "Draft-only actor" not in body, url


def _many(claim, n: int):
    """`n` more statements and disputes of `claim`, by `n` actors, each in a passage of its own
    in one source (which also gets `n` more claims cited)."""
    sentences = [f"Sentence number {i}." for i in range(n)]
    source = SourceFactory(text=" ".join(sentences))
    topic = TopicFactory()
    for i in range(n):
        actor = ActorFactory()
        StatementFactory(
            claim=claim, actor=actor, passage=PassageFactory(source=source, words=sentences[i])
        )
        DisputeFactory(
            claim=claim, actor=actor, passage=PassageFactory(source=source, words=f"number {i}.")
        )
    claim.topics.add(topic)
    return source


QUERY_COUNT_URLS = [
    "/",
    "/index.json",
    "/claims/",
    "/claims.json",
    "/claims.csv",
    "/claims/?made_by={actor}&topic={topic}",
    "/claims.json?source={source}&status=disputed",
    "/claims/?q=claim&ordering=-disputes",
    "/claims/{claim}/",
    "/claims/{claim}.json",
    "/actors/",
    "/actors.json?q=actor&ordering=-made",
    "/actors.csv",
    "/actors/{actor}/",
    "/actors/{actor}.json",
    "/sources/",
    "/sources.json?ordering=-claims",
    "/sources.csv",
    "/sources/{source}/",
    "/sources/{source}.json",
    "/passages/{passage}/",
    "/passages/{passage}.json",
    "/topics/{topic}/",
    "/topics/{topic}.json",
    "/map/",
    "/map/?topic={topic}",
    "/feeds/claims.atom",
    "/feeds/disputes.atom",
    "/feeds/actors/{actor}.atom",
    "/feeds/topics/{topic}.atom",
    "/sitemap.xml",
    "/sitemap-claims.xml",
    "/sitemap-actors.xml",
    "/sitemap-passages.xml",
]


def _related(n: int) -> dict[str, str]:
    """A claim with `n` statements and disputes by `n` actors in a source of `n` passages, and
    `n` more claims of its first actor in that source and its topic: its names, to fill in an
    address of `QUERY_COUNT_URLS`."""
    claim = ClaimFactory(quantity_value=5)  # charted on its topic's page
    statement = StatementFactory(claim=claim, date=datetime.date(2020, 1, 1))
    source = _many(claim, n)
    for i in range(n):  # and as many claims on the actor's, source's and topic's pages,
        # each dated and numeric: a dot on the actor's timeline, a point on the topic's chart
        other = StatementFactory(
            actor=statement.actor,
            passage=PassageFactory(source=source, words=f"Sentence number {i}."),
            claim=ClaimFactory(quantity_value=i),
            date=datetime.date(2000 + i % 20, 1, 1),
        )
        other.claim.topics.add(*claim.topics.all())
    return {
        "claim": claim.slug,
        "actor": statement.actor.slug,
        "source": source.slug,
        "passage": statement.passage.pk,
        "topic": claim.topics.first().slug,
    }


@pytest.fixture(scope="session")  # plain data: kept, so that it is never built twice on a worker
def query_counts(django_db_setup, django_db_blocker):
    """URL → its answers' (status, queries), or the error raised, with 1 related row of each
    kind, then with 50 more, in one transaction rolled back afterwards. Building the rows is what
    takes the time: they are built once for all the addresses, each address asked for on an
    empty page cache after each step, as a test of its own would. (Facets never give up at
    their time limit in tests, conftest.py: the queries cannot differ for a reason that is not
    the rows.)"""
    client = Client(HTTP_HOST="localhost")
    counts: dict[str, list] = {url: [] for url in QUERY_COUNT_URLS}
    with django_db_blocker.unblock(), transaction.atomic():
        for n in (1, 50):
            names = _related(n)
            for url in QUERY_COUNT_URLS:
                cache.clear()
                try:  # an address that fails fails its own test, not the others'
                    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                        response = client.get(url.format(**names))
                except Exception as error:
                    counts[url].append(error)
                else:
                    counts[url].append((response.status_code, len(queries)))
        stale = derived_stale() + search_stale()
        transaction.set_rollback(True)
    cache.clear()
    assert not stale, "stale derived columns or search index:\n" + "\n".join(stale[:20])
    return counts


@pytest.mark.xdist_group("twins-query-counts")  # built once on the worker that runs them all
@pytest.mark.parametrize("url", QUERY_COUNT_URLS)
def test_queries_do_not_grow_with_related_rows(query_counts, url):
    for answer in query_counts[url]:
        if isinstance(answer, Exception):
            raise answer
    (one_status, one), (many_status, many) = query_counts[url]
    assert one_status == many_status == 200, url
    assert one == many, url


def test_the_claim_twin_names_the_pages_of_its_passages(client, paged_claim, disputed_claim):
    data = client.get(f"/claims/{paged_claim.slug}.json").json()
    [statement], [dispute] = data["statements"], data["disputes"]
    assert (statement["passage"]["page"], statement["passage"]["page_end"]) == (3, None)
    assert (dispute["passage"]["page"], dispute["passage"]["page_end"]) == (3, 4)
    # A passage of a source without pages: null.
    [statement] = client.get(f"/claims/{disputed_claim.slug}.json").json()["statements"]
    assert (statement["passage"]["page"], statement["passage"]["page_end"]) == (None, None)


def test_the_source_twin_names_the_pages_of_its_passages(client, paged_claim):
    passages = client.get("/sources/coi-report.json").json()["passages"]
    assert [(p["quote"], p["page"], p["page_end"]) for p in passages] == [
        ("Witnesses described the camps", 3, None),
        ("more than\n130,000 people", 3, 4),
    ]

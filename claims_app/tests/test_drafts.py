"""A draft leaves no trace in public: not its text, its quotes, its actors, its sources, its
topics, nor a count that includes it, at any public URL, whatever the URL asks for."""

import re
from urllib.parse import unquote

import pytest

from .addresses import public_addresses
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

SECRET_TEXT = (
    "Zanzibar keeps secret ledgers in its lighthouse.\nIts keeper denied the ledgers existed."
)


@pytest.fixture
def draft():
    """A draft claim, stated and disputed, by actors, in a source and a topic that nothing
    published touches. Nothing in the database is published."""
    source = SourceFactory(
        title="The Lighthouse Papers",
        text=SECRET_TEXT,
        page_breaks=[SECRET_TEXT.index("Its keeper")],  # read from two pages: theirs too
        publisher=ActorFactory(name="Gull Press"),
    )
    claim = ClaimFactory(text="Zanzibar keeps secret ledgers.", published=False, quantity_value=7)
    topic = TopicFactory(name="lighthouses")
    claim.topics.add(topic)
    statement = StatementFactory(
        claim=claim,
        actor=ActorFactory(name="Ledger Hunter", wikidata="Q999"),
        passage=PassageFactory(source=source, words="keeps secret ledgers in its lighthouse"),
        note="Seen with my own eyes.",
    )
    dispute = DisputeFactory(
        claim=claim,
        actor=ActorFactory(name="Lighthouse Keeper"),
        passage=PassageFactory(source=source, words="denied the ledgers existed"),
        note="Flatly.",
        kind="denies",
    )
    return claim, statement, dispute, source, topic


TRACES = [
    "Zanzibar",
    "ledgers",
    "Lighthouse Papers",
    "Gull Press",
    "Ledger Hunter",
    "Lighthouse Keeper",
    "lighthouses",
    "Seen with my own eyes",
    "Flatly",
    "Q999",
]


def _urls(claim, statement, dispute, source, topic) -> list[str]:
    """Every public URL pattern, filled in with the draft's own slugs and ids (a new pattern
    this does not know how to fill fails the test, so that it is covered too), and the list
    URLs asked for the draft's words, actors, sources, topics and dates."""
    slug_of = {
        "claim": claim.slug,
        "actor": statement.actor.slug,
        "source": source.slug,
        "topic": topic.slug,
        "feed_actor": dispute.actor.slug,
        "feed_topic": topic.slug,
    }
    found = public_addresses(
        slugs=lambda name: [slug_of[next(p for p in slug_of if name.startswith(p))]],
        passage_ids=[statement.passage.pk, dispute.passage.pk],
    )
    queries = [
        "q=Zanzibar",
        "q=ledgers+lighthouse",
        f"made_by={statement.actor.slug}",
        f"disputed_by={dispute.actor.slug}",
        f"actor={dispute.actor.slug}",
        f"source={source.slug}",
        f"topic={topic.slug}",
        "status=disputed",
        "ordering=-disputes",
    ]
    for path in ["/claims/", "/claims.json", "/claims.csv", "/map/"]:
        found += [f"{path}?{query}" for query in queries]
    for path in ["/actors/", "/actors.json", "/actors.csv", "/sources/", "/sources.json"]:
        found += [f"{path}?q=Lighthouse", f"{path}?q=Gull", f"{path}?q=Ledger"]
    return found


def test_a_draft_leaves_no_trace_anywhere_public(client, draft):
    claim, statement, dispute, source, topic = draft
    addresses = _urls(*draft)
    assert len(addresses) > 60
    for url in addresses:
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        body = response.content.decode()
        # What the request itself said (a slug, a search) may be echoed, as it would be for
        # anything that does not exist: take it out, then look for the draft.
        for echo in sorted(re.split(r"[/?&=.+]", unquote(url)), key=len, reverse=True):
            if len(echo) > 2:
                body = body.replace(echo, "")
        for trace in TRACES:
            assert trace not in body, (url, trace)
        for slug in (claim.slug, source.slug, topic.slug, statement.actor.slug):
            assert slug not in body or response.status_code != 200, (url, slug)
        for passage in (statement.passage, dispute.passage):
            assert f"/passages/{passage.pk}/" not in body, (url, passage.pk)

    # And nothing is counted: every count a page or twin gives is zero.
    assert client.get("/index.json").json()["counts"] == {
        "claim_count": 0,
        "dispute_count": 0,
        "actor_count": 0,
        "source_count": 0,
    }
    for twin in ["/claims.json", "/actors.json", "/sources.json"]:
        assert client.get(twin).json()["count"] == 0, twin
    facets = client.get("/claims.json").json()["facets"]
    assert all(not facet["values"] for facet in facets), facets
    page = client.get("/").content.decode()
    counts = re.findall(r"<dt>(\w+)</dt><dd><a [^>]*>(\d+)</a>", page)
    assert counts == [("Claims", "0"), ("Disputes", "0"), ("Actors", "0"), ("Sources", "0")]

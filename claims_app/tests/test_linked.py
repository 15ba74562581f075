"""What the site publishes for other programs: schema.org JSON-LD, Atom feeds, the sitemap,
robots.txt and link previews. Each is read back with the parser the world uses (extruct, PyLD,
feedparser, an XML parser) and checked against the data."""

import datetime
import re
import xml.etree.ElementTree as ET
from html import unescape

import extruct
import feedparser
import pytest
from django.core.cache import cache
from pyld import jsonld

from claims_app.models import Actor, Dispute

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

BASE = "http://localhost"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _jsonld(client, url: str) -> list[dict]:
    html = client.get(url).content.decode()
    return extruct.extract(html, base_url=BASE + url, syntaxes=["json-ld"])["json-ld"]


def _graph(client, claim) -> tuple[dict, list[dict]]:
    """The Claim node and the ClaimReview nodes of a claim page's JSON-LD."""
    (document,) = _jsonld(client, f"/claims/{claim.slug}/")
    assert document["@context"] == "https://schema.org"
    nodes = document["@graph"]
    (node,) = [n for n in nodes if n["@type"] == "Claim"]
    return node, [n for n in nodes if n["@type"] == "ClaimReview"]


@pytest.fixture
def wikidata_claim(disputed_claim):
    claimant = disputed_claim.statements.get().actor
    claimant.wikidata = "Q42970"
    claimant.save()
    source = disputed_claim.statements.get().passage.source
    source.url = "https://example.org/report"
    source.save()
    return disputed_claim


def test_a_claim_page_embeds_the_claim_as_schema_org_json_ld(client, wikidata_claim):
    claim = wikidata_claim
    statement = claim.statements.get()
    node, _ = _graph(client, claim)
    assert node["text"] == claim.text
    assert node["url"] == f"{BASE}/claims/{claim.slug}/"
    (author,) = node["author"]
    assert author["name"] == "The Committee"
    assert author["sameAs"] == "https://www.wikidata.org/wiki/Q42970"
    assert author["url"] == f"{BASE}/actors/{statement.actor.slug}/"
    (appearance,) = node["appearance"]
    assert appearance["@type"] == "CreativeWork"
    assert appearance["url"] == "https://example.org/report"  # the source, where it lives
    assert appearance["name"] == statement.passage.source.title
    assert appearance["hasPart"]["url"] == f"{BASE}/passages/{statement.passage.pk}/"
    assert appearance["hasPart"]["text"] == statement.passage.quote


def test_each_dispute_is_a_claim_review_by_the_disputant(client, wikidata_claim):
    claim = wikidata_claim
    dispute = claim.disputes.get()
    node, reviews = _graph(client, claim)
    (review,) = reviews
    assert review["author"]["name"] == "The Critic"
    assert "sameAs" not in review["author"]  # no Wikidata id known
    assert review["reviewRating"]["alternateName"] == "questions"
    assert review["itemReviewed"] == {"@id": node["@id"]}
    assert review["claimReviewed"] == claim.text
    assert review["reviewBody"] == dispute.passage.quote
    assert review["citation"]["hasPart"]["url"] == f"{BASE}/passages/{dispute.passage.pk}/"


def _schema_org_loader(url, options=None):
    """The part of schema.org's JSON-LD context that our documents use (its vocabulary, and
    the terms it declares as IRIs), served locally: tests do not reach the network."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    context = {
        "@vocab": "https://schema.org/",
        "url": {"@type": "@id"},
        "sameAs": {"@type": "@id"},
    }
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": context}}


def test_the_json_ld_expands_into_linked_data(client, wikidata_claim):
    (document,) = _jsonld(client, f"/claims/{wikidata_claim.slug}/")
    expanded = jsonld.expand(document, {"documentLoader": _schema_org_loader})
    types = {node["@type"][0]: node for node in expanded}
    claim, review = types["https://schema.org/Claim"], types["https://schema.org/ClaimReview"]
    assert review["https://schema.org/itemReviewed"][0]["@id"] == claim["@id"]
    author = claim["https://schema.org/author"][0]
    assert author["https://schema.org/sameAs"] == [{"@id": "https://www.wikidata.org/wiki/Q42970"}]
    rating = review["https://schema.org/reviewRating"][0]
    assert rating["https://schema.org/alternateName"] == [{"@value": "questions"}]


def test_a_counterclaim_is_named_only_once_published(client, disputed_claim):
    dispute = disputed_claim.disputes.get()
    counter = ClaimFactory(text="The figure was invented.", published=False)
    Dispute.objects.filter(pk=dispute.pk).update(counterclaim=counter)
    _, (review,) = _graph(client, disputed_claim)
    assert "isBasedOn" not in review
    counter.publish()
    _, (review,) = _graph(client, disputed_claim)
    assert review["isBasedOn"]["url"] == f"{BASE}/claims/{counter.slug}/"


# --- feeds -----------------------------------------------------------------------------------


def _feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    assert feed.version == "atom10"
    return feed


@pytest.fixture
def record_with_a_draft(disputed_claim):
    """The published disputed claim, and a draft claim by another actor, disputed by the
    published claim's own disputant, in the same topic."""
    topic = TopicFactory(name="camps")
    disputed_claim.topics.add(topic)
    draft = ClaimFactory(text="A secret draft claim.", published=False)
    draft.topics.add(topic)
    StatementFactory(claim=draft, actor=ActorFactory(name="Draft-only actor"))
    DisputeFactory(claim=draft, actor=disputed_claim.disputes.get().actor, note="Draft note.")
    return disputed_claim, draft, topic


def test_the_claims_feed_lists_published_claims_newest_first(client, record_with_a_draft):
    claim, draft, _ = record_with_a_draft
    newer = ClaimFactory(text="A newer claim.")
    newer.published_at = claim.published_at.replace(year=claim.published_at.year + 1)
    newer.save()
    feed = _feed(client, "/feeds/claims.atom")
    assert [e.title for e in feed.entries] == ["A newer claim.", claim.text]
    entry = feed.entries[1]
    assert entry.link == f"{BASE}/claims/{claim.slug}/"
    assert entry.id == f"tag:localhost,2026:claim/{claim.pk}"
    assert entry.author == "The Committee"
    assert "Disputed by The Critic." in entry.summary
    assert [t.term for t in entry.tags] == ["camps"]
    assert feed.feed.links[0].href == f"{BASE}/claims/"


def test_the_disputes_feed_lists_disputes_of_published_claims(client, record_with_a_draft):
    claim, _, _ = record_with_a_draft
    dispute = claim.disputes.get()
    feed = _feed(client, "/feeds/disputes.atom")
    (entry,) = feed.entries
    assert entry.title == f"The Critic questions: {claim.text}"
    assert entry.link == f"{BASE}/claims/{claim.slug}/#dispute-{dispute.pk}"
    assert dispute.passage.quote in entry.summary
    assert "Asks how it was counted." in entry.summary
    assert b"Draft" not in client.get("/feeds/disputes.atom").content


def test_an_actor_feed_has_what_it_said_and_a_topic_feed_its_claims(client, record_with_a_draft):
    claim, draft, topic = record_with_a_draft
    critic = claim.disputes.get().actor
    feed = _feed(client, f"/feeds/actors/{critic.slug}.atom")
    assert [e.title for e in feed.entries] == [f"The Critic questions: {claim.text}"]
    assert feed.feed.title == "Claim tracker: The Critic"
    feed = _feed(client, f"/feeds/topics/{topic.slug}.atom")
    assert [e.title for e in feed.entries] == [claim.text]
    draft_actor = Actor.objects.get(name="Draft-only actor")
    assert client.get(f"/feeds/actors/{draft_actor.slug}.atom").status_code == 404
    assert client.get("/feeds/topics/no-such-topic.atom").status_code == 404


def test_a_renamed_actor_keeps_its_feed(client, disputed_claim):
    critic = disputed_claim.disputes.get().actor
    old = critic.slug
    critic.slug = "the-critic-renamed"
    critic.save()
    response = client.get(f"/feeds/actors/{old}.atom")
    assert response.status_code == 301
    assert response["Location"] == "/feeds/actors/the-critic-renamed.atom"


def test_pages_advertise_their_feeds(client, record_with_a_draft):
    claim, _, topic = record_with_a_draft
    critic = claim.disputes.get().actor
    home = client.get("/").content.decode()
    assert 'type="application/atom+xml" title="New claims" href="/feeds/claims.atom"' in home
    assert (
        f'href="/feeds/actors/{critic.slug}.atom"'
        in client.get(f"/actors/{critic.slug}/").content.decode()
    )
    assert (
        f'href="/feeds/topics/{topic.slug}.atom"'
        in client.get(f"/topics/{topic.slug}/").content.decode()
    )


def test_a_form_feed_pasted_into_a_quote_does_not_break_a_feed(client):
    source = SourceFactory(text="Page one ends.\x0cPage two: the ministry denied it.")
    passage = PassageFactory(source=source, words="ends.\x0cPage two")
    DisputeFactory(passage=passage, note="Across a page\x0cbreak.")
    feed = _feed(client, "/feeds/disputes.atom")
    assert "ends. Page two" in feed.entries[0].summary


# --- sitemap and robots.txt ------------------------------------------------------------------


def _sitemap_urls(client) -> set[str]:
    index = ET.fromstring(client.get("/sitemap.xml").content)
    urls = set()
    for loc in index.iter(f"{SITEMAP}loc"):
        assert loc.text.startswith(BASE + "/sitemap-"), loc.text
        section = ET.fromstring(client.get(loc.text.removeprefix(BASE)).content)
        urls |= {u.text for u in section.iter(f"{SITEMAP}loc")}
    return urls


def test_the_sitemap_lists_every_public_page_and_no_draft(client, record_with_a_draft):
    claim, draft, topic = record_with_a_draft
    statement, dispute = claim.statements.get(), claim.disputes.get()
    source = statement.passage.source
    expected = {
        f"{BASE}{path}"
        for path in [
            "/",
            "/claims/",
            "/actors/",
            "/sources/",
            "/map/",
            f"/claims/{claim.slug}/",
            f"/actors/{statement.actor.slug}/",
            f"/actors/{dispute.actor.slug}/",
            f"/actors/{source.publisher.slug}/",
            f"/sources/{source.slug}/",
            f"/passages/{statement.passage.pk}/",
            f"/passages/{dispute.passage.pk}/",
            f"/topics/{topic.slug}/",
        ]
    }
    assert _sitemap_urls(client) == expected


def test_sitemap_pages_past_the_end_are_404(client, disputed_claim):
    assert client.get("/sitemap-claims.xml?p=2").status_code == 404
    assert client.get("/sitemap-claims.xml?p=x").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


# --- link previews ---------------------------------------------------------------------------


def _meta(client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    found = re.findall(r'<meta (?:property|name)="((?:og|twitter):\w+)" content="([^"]*)">', html)
    return {key: unescape(value) for key, value in found}


def test_a_shared_passage_link_previews_its_quote_and_source(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    meta = _meta(client, f"/passages/{passage.pk}/")
    assert meta["og:title"] == f"“{passage.quote}”"
    assert meta["og:description"].startswith(passage.source.title + ".")
    assert meta["og:url"] == f"{BASE}/passages/{passage.pk}/"
    assert meta["twitter:card"] == "summary"


def test_claim_actor_and_source_pages_have_previews(client, disputed_claim):
    statement = disputed_claim.statements.get()
    claim_meta = _meta(client, f"/claims/{disputed_claim.slug}/")
    assert claim_meta["og:title"] == disputed_claim.text
    assert claim_meta["og:description"] == "Made by The Committee. Disputed by The Critic."
    actor_meta = _meta(client, f"/actors/{statement.actor.slug}/")
    assert actor_meta["og:title"] == "The Committee"
    assert actor_meta["og:type"] == "profile"
    source_meta = _meta(client, f"/sources/{statement.passage.source.slug}/")
    assert source_meta["og:title"] == statement.passage.source.title


# --- hostile names and quotes, through every output ------------------------------------------

HOSTILE_NAME = 'Kim "Jong" <b>Un</b> & 김정은 </script><script>alert(1)</script>'
HOSTILE_QUOTE = 'the <i>camps</i> & "prisons" </script><!-- hold 十三万人'


@pytest.fixture
def hostile(db):
    """A published claim whose actor, claim text, topic, quote and note are all markup-like,
    in two scripts."""
    topic = TopicFactory(name='camps & "prisons" <u>')
    source = SourceFactory(title='<b>Title</b> & "more"', text=f"Before. {HOSTILE_QUOTE}. After.")
    claim = ClaimFactory(
        text='<i>More</i> than 130,000 & "many" </script> 정치범',
        quantity_value=130000,
        quantity_unit="<b>prisoners</b>",
    )
    claim.topics.add(topic)
    actor = ActorFactory(name=HOSTILE_NAME, wikidata="Q1")
    passage = PassageFactory(source=source, words=HOSTILE_QUOTE)
    StatementFactory(claim=claim, actor=actor, passage=passage, date="2018-12-01")
    DisputeFactory(
        claim=claim, actor=actor, passage=passage, note='<a href="x">note</a> &', kind="denies"
    )
    return claim, actor, topic, passage


def test_markup_in_the_data_is_text_in_every_output(client, hostile):
    claim, actor, topic, passage = hostile
    html_urls = [
        f"/claims/{claim.slug}/",
        f"/actors/{actor.slug}/",
        f"/topics/{topic.slug}/",
        f"/passages/{passage.pk}/",
        f"/sources/{passage.source.slug}/",
        "/map/",
        "/",
    ]
    for url in html_urls:
        page = client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "<b>Un</b>" not in page and "<i>camps</i>" not in page, url
        # Every <script> the page has is ours: one JSON-LD block at most, one stylesheet's JS.
        assert page.count("</script>") == page.count("<script"), url
        for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
            picture = ET.fromstring(svg)  # well-formed XML, or this raises
            texts = " ".join(picture.itertext())
            assert "<script>" not in svg
            if picture.get("role") == "group" and url != f"/topics/{topic.slug}/":
                assert 'Kim "Jong" <b>Un</b> & 김정은' in texts, url  # shown as written

    # JSON-LD: the names and words read back exactly as written.
    node, (review,) = _graph(client, claim)
    assert node["text"] == claim.text
    assert node["author"][0]["name"] == HOSTILE_NAME
    assert node["appearance"][0]["hasPart"]["text"] == HOSTILE_QUOTE
    assert node["keywords"] == [topic.name]
    assert review["author"]["name"] == HOSTILE_NAME

    # Feeds: titles and summaries carry the same characters, as text.
    for url in [
        "/feeds/claims.atom",
        "/feeds/disputes.atom",
        f"/feeds/actors/{actor.slug}.atom",
        f"/feeds/topics/{topic.slug}.atom",
    ]:
        feed = _feed(client, url)
        assert feed.entries, url
    entry = _feed(client, "/feeds/disputes.atom").entries[0]
    assert entry.title == f"{HOSTILE_NAME} denies: {claim.text}"
    assert entry.author == HOSTILE_NAME
    # The summary is HTML (type="html"): markup from the data arrives escaped inside it.
    assert "&lt;i&gt;camps&lt;/i&gt;" in entry.summary
    assert '<a href="x">' not in entry.summary
    assert _feed(client, "/feeds/claims.atom").entries[0].tags[0].term == topic.name

    # The sitemap has the pages, and parses.
    assert BASE + claim.get_absolute_url() in _sitemap_urls(client)


def test_link_previews_escape_quotes_in_attributes(client, hostile):
    claim, actor, topic, passage = hostile
    meta = _meta(client, f"/passages/{passage.pk}/")
    assert meta["og:title"] == f"“{HOSTILE_QUOTE}”"
    assert _meta(client, f"/actors/{actor.slug}/")["og:title"] == HOSTILE_NAME


def test_entry_ids_name_the_configured_domain_whatever_the_host(disputed_claim, settings):
    from django.test import Client

    ipv6 = Client(HTTP_HOST="[::1]:8000")
    assert _feed(ipv6, "/feeds/claims.atom").entries[0].id == (
        f"tag:localhost,2026:claim/{disputed_claim.pk}"
    )
    settings.FEED_ID_DOMAIN = "claims.example.org"
    cache.clear()  # a new setting comes with a restart; here, the feed is still cached
    assert _feed(ipv6, "/feeds/claims.atom").entries[0].id == (
        f"tag:claims.example.org,2026:claim/{disputed_claim.pk}"
    )


def test_the_sitemap_index_does_not_read_every_row(client, disputed_claim):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/sitemap.xml")
    # Counts only: no query fetches rows' dates (each sitemap page gives its own). The one
    # other query is the record's generation, which every cached page reads (caching.py).
    sqls = [q["sql"] for q in queries.captured_queries if "recordgeneration" not in q["sql"]]
    assert all("COUNT(" in sql.upper() or "SUM(" in sql.upper() for sql in sqls), sqls


# Every schema.org term our JSON-LD uses, each checked against schema.org (a misspelt property
# would still expand under @vocab, so the expansion test alone would not catch it).
SCHEMA_ORG_TERMS = {
    "Claim",
    "ClaimReview",
    "CreativeWork",
    "Rating",
    "Person",
    "Organization",
    "GovernmentOrganization",
    "NewsMediaOrganization",
    "url",
    "name",
    "text",
    "author",
    "appearance",
    "datePublished",
    "keywords",
    "sameAs",
    "hasPart",
    "claimReviewed",
    "itemReviewed",
    "reviewRating",
    "alternateName",
    "reviewBody",
    "citation",
    "isBasedOn",
}


def _terms(node) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(_terms, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {key for key in node if not key.startswith("@")}
    if "@type" in node:
        found.add(node["@type"])
    return found.union(*(_terms(value) for value in node.values()))


def test_the_json_ld_uses_only_schema_org_terms(client, wikidata_claim):
    counter = ClaimFactory(text="The figure was invented.")
    Dispute.objects.filter(claim=wikidata_claim).update(counterclaim=counter)
    (document,) = _jsonld(client, f"/claims/{wikidata_claim.slug}/")
    used = _terms(document["@graph"])
    assert used <= SCHEMA_ORG_TERMS, used - SCHEMA_ORG_TERMS
    assert {"appearance", "itemReviewed", "isBasedOn", "sameAs"} <= used


def test_each_sitemap_address_carries_its_pages_last_change_as_a_day(client, disputed_claim):
    claim = disputed_claim
    claim.refresh_from_db()
    xml = client.get("/sitemap-claims.xml").content.decode()
    day = claim.updated_at.astimezone(datetime.UTC).strftime("%Y-%m-%d")
    assert re.search(rf"<loc>[^<]*/claims/{claim.slug}/</loc><lastmod>{day}</lastmod>", xml)


def test_a_feed_entry_names_the_pages_its_words_are_on(client, paged_claim):
    [entry] = _feed(client, "/feeds/disputes.atom").entries
    assert "<cite>Report of the commission of inquiry</cite>, pp. 3–4.</p>" in entry.summary
    reviewer = paged_claim.disputes.get().actor
    [entry] = _feed(client, f"/feeds/actors/{reviewer.slug}.atom").entries
    assert "<cite>Report of the commission of inquiry</cite>, pp. 3–4.</p>" in entry.summary

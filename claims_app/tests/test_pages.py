"""The public pages, as a reader sees them: what they show, and how they answer bad input."""

import re

import pytest

from claims_app.models import Dispute
from claims_app.sitemaps import SITEMAPS

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


def _text(response) -> str:
    return response.content.decode()


def test_home_counts_only_what_is_published(client, disputed_claim):
    draft = ClaimFactory(published=False)
    StatementFactory(claim=draft)
    page = _text(client.get("/"))
    assert re.search(r"<dt>Claims</dt><dd><a [^>]*>1</a>", page)
    assert re.search(r"<dt>Disputes</dt><dd><a [^>]*>1</a>", page)
    assert "Asks how it was counted." in page  # the newest dispute's note


def test_claim_page_shows_both_sides_each_quote_linking_to_its_passage(client, disputed_claim):
    statement = disputed_claim.statements.get()
    dispute = disputed_claim.disputes.get()
    response = client.get(f"/claims/{disputed_claim.slug}/")
    page = _text(response)
    assert response.status_code == 200
    assert "More than 130,000 people are held in camps." in page
    assert "disputed" in page
    assert "The Committee" in page and "The Critic" in page
    assert f'<a href="/passages/{statement.passage.pk}/">{statement.passage.quote}</a>' in page
    assert f'<a href="/passages/{dispute.passage.pk}/">{dispute.passage.quote}</a>' in page
    assert "questions" in page and "Asks how it was counted." in page


def test_claim_page_says_its_quantity_once(client):
    holds = ClaimFactory(
        text="The state holds a great many political prisoners.",
        title="130,000 Political prisoners",
        quantity_value=130000,
        quantity_unit="political prisoners",
        quantity_qualifier="more than",
    )
    page = _text(client.get(f"/claims/{holds.slug}/"))
    heading = page[page.index('<article class="claim">') : page.index("<figure")]
    assert "<dt>Quantity</dt><dd>more than 130,000 political prisoners</dd>" in heading
    assert heading.lower().count("130,000 political prisoners") == 1  # no subtitle saying it
    assert 'class="subtitle"' not in heading
    # A short title that says more than the quantity is still shown under the claim.
    missile = ClaimFactory(
        text="One missile's cost would feed the population for three months.",
        title="One missile, three months of food",
        quantity_value=3,
        quantity_unit="months of food",
    )
    page = _text(client.get(f"/claims/{missile.slug}/"))
    assert '<p class="subtitle">One missile, three months of food</p>' in page
    assert "<dt>Quantity</dt><dd>3 months of food</dd>" in page


def test_claim_page_links_a_counterclaim(client, disputed_claim):
    counter = ClaimFactory(text="The figure was invented.")
    Dispute.objects.filter(claim=disputed_claim).update(counterclaim=counter)
    page = _text(client.get(f"/claims/{disputed_claim.slug}/"))
    assert f'href="/claims/{counter.slug}/">The figure was invented.</a>' in page
    countered = _text(client.get(f"/claims/{counter.slug}/"))
    assert "Disputes that rest on this claim" in countered


def test_actor_page_lists_claims_made_and_disputed(client, disputed_claim):
    critic = disputed_claim.disputes.get().actor
    page = _text(client.get(f"/actors/{critic.slug}/"))
    assert "Claims disputed (1)" in page
    assert disputed_claim.text in page
    committee = disputed_claim.statements.get().actor
    assert "Claims made (1)" in _text(client.get(f"/actors/{committee.slug}/"))
    listing = _text(client.get("/actors/"))
    assert "The Critic" in listing and "The Committee" in listing


def test_source_page_marks_every_public_passage(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    page = _text(client.get(f"/sources/{source.slug}/"))
    for passage in source.passages.all():
        assert (
            f'<mark class="passage" id="passage-{passage.pk}" data-passage="{passage.pk}">' in page
        )
    assert source.title in _text(client.get("/sources/"))


def test_nested_passages_are_both_marked_once(client):
    source = SourceFactory(text="Amnesty estimated (how, one asks) that 130,000 are held.")
    outer = PassageFactory(
        source=source, words="Amnesty estimated (how, one asks) that 130,000 are held"
    )
    inner = PassageFactory(source=source, words="how, one asks")
    StatementFactory(passage=outer)
    DisputeFactory(passage=inner)
    page = _text(client.get(f"/sources/{source.slug}/"))
    assert page.count(f'id="passage-{outer.pk}"') == 1
    assert page.count(f'id="passage-{inner.pk}"') == 1
    fulltext = re.search(r'<div class="fulltext"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", fulltext) == source.text
    assert fulltext.count("<mark") == fulltext.count("</mark>")


def test_overlapping_passages_keep_the_html_well_formed(client):
    source = SourceFactory(text="one two three four five")
    first = PassageFactory(source=source, words="one two three")
    second = PassageFactory(source=source, words="three four")
    StatementFactory(passage=first)
    StatementFactory(passage=second)
    page = _text(client.get(f"/sources/{source.slug}/"))
    fulltext = re.search(r'<div class="fulltext"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", fulltext) == source.text
    assert fulltext.count(f'id="passage-{first.pk}"') == 1
    assert fulltext.count(f'id="passage-{second.pk}"') == 1
    depth = 0
    for tag in re.findall(r"</?mark", fulltext):
        depth += 1 if tag == "<mark" else -1
        assert depth >= 0
    assert depth == 0


def test_passage_permalink_shows_the_quote_in_context_its_source_and_claims(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    page = _text(client.get(f"/passages/{passage.pk}/"))
    assert f'<mark id="passage-{passage.pk}">{passage.quote}</mark>' in page
    assert "The committee said that " in page  # the words before it
    assert passage.source.title in page
    assert passage.source.publisher.name in page
    assert disputed_claim.text in page
    assert f'href="/sources/{passage.source.slug}/#passage-{passage.pk}"' in page
    assert f"http://localhost/passages/{passage.pk}/" in page  # the citation


def test_topic_page_lists_its_published_claims(client, disputed_claim):
    topic = TopicFactory(name="political prisoners")
    disputed_claim.topics.add(topic)
    page = _text(client.get(f"/topics/{topic.slug}/"))
    assert disputed_claim.text in page


@pytest.mark.parametrize(
    "url",
    [
        "/claims/no-such-claim/",
        "/actors/nobody/",
        "/sources/nothing/",
        "/passages/999999/",
        "/topics/none/",
        "/passages/abc/",
        "/claims/%00/",
    ],
)
def test_unknown_addresses_are_404_pages(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Nothing at this address" in _text(response)


def test_claims_list_filters_by_each_parameter(client, disputed_claim):
    other = ClaimFactory(text="Another claim entirely.")
    StatementFactory(
        claim=other,
        passage=PassageFactory(
            source=SourceFactory(text="Another text, about rivers."), words="about rivers"
        ),
    )
    committee = disputed_claim.statements.get().actor
    critic = disputed_claim.disputes.get().actor
    source = disputed_claim.statements.get().passage.source
    topic = TopicFactory()
    disputed_claim.topics.add(topic)

    def shown(query):
        response = client.get(f"/claims/?{query}")
        assert response.status_code == 200, query
        text = re.sub(r"<[^>]+>", "", _text(response))  # search highlights break the words up
        return disputed_claim.text in text, other.text in text

    assert shown(f"made_by={committee.slug}") == (True, False)
    assert shown(f"disputed_by={critic.slug}") == (True, False)
    assert shown(f"actor={critic.slug}") == (True, False)
    assert shown("status=disputed") == (True, False)
    assert shown("status=undisputed") == (False, True)
    assert shown(f"topic={topic.slug}") == (True, False)
    assert shown(f"source={source.slug}") == (True, False)
    assert shown("q=camps") == (True, False)
    assert shown("q=critic") == (True, False)  # an actor's name
    assert shown("q=estimated") == (True, False)  # a dispute's quote
    assert shown("ordering=-disputes") == (True, True)
    assert shown("") == (True, True)


def test_claims_list_filters_by_date_stated(client):
    old = StatementFactory(date="2015-03-01", claim=ClaimFactory(text="An old claim.")).claim
    new = StatementFactory(date="2023-08-10", claim=ClaimFactory(text="A new claim.")).claim
    page = _text(client.get("/claims/?since=2020-01-01"))
    assert new.text in page and old.text not in page
    page = _text(client.get("/claims/?until=2020-01-01"))
    assert old.text in page and new.text not in page
    page = _text(client.get("/claims/?ordering=date"))
    assert page.index(old.text) < page.index(new.text)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("status=maybe", "status"),
        ("made_by=nobody-at-all", "nobody-at-all"),
        ("disputed_by=%3Cscript%3E", "&lt;script&gt;"),
        ("since=2020-13-45", "since"),
        ("until=yesterday", "until"),
        ("ordering=popularity", "ordering"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page=99999999999999999999", "page"),
        ("q=" + "x" * 500, "q"),
    ],
)
def test_a_bad_filter_value_is_a_400_that_names_the_problem(client, disputed_claim, query, named):
    response = client.get(f"/claims/?{query}")
    assert response.status_code == 400
    page = _text(response)
    assert "This request cannot be answered" in page
    assert named in page
    assert disputed_claim.text not in page  # never a silently unfiltered list
    assert "<script>" not in page


def test_a_page_past_the_end_is_a_404(client, disputed_claim):
    assert client.get("/claims/?page=2").status_code == 404


def test_claims_list_paginates(client, settings):
    settings.CLAIMS_PAGE_SIZE = 2
    for n in range(5):
        ClaimFactory(text=f"Claim {n}.")
    page = _text(client.get("/claims/?page=2"))
    assert "Page 2 of 3" in page
    assert 'rel="next" href="?page=3"' in page


def test_a_draft_claim_is_invisible_on_every_public_page(client, disputed_claim):
    draft = ClaimFactory(text="A secret draft claim.", published=False)
    topic = TopicFactory(name="draft topic")
    draft.topics.add(topic)
    draft_source = SourceFactory(title="Draft-only source")
    draft_actor = ActorFactory(name="Draft-only actor")
    statement = StatementFactory(
        claim=draft, actor=draft_actor, passage=PassageFactory(source=draft_source)
    )
    DisputeFactory(
        claim=draft,
        actor=draft_actor,
        passage=PassageFactory(
            source=draft_source, words="Critics asked how the figure was estimated"
        ),
    )
    # The draft also cites a passage of a public source, next to the published claim's.
    StatementFactory(
        claim=draft,
        passage=PassageFactory(
            source=disputed_claim.statements.get().passage.source,
            words="the committee said it stands by the figure",
        ),
    )
    # And the published claim's own passage; and it meets the published claim in a dispute,
    # either way round.
    public_passage = disputed_claim.statements.get().passage
    StatementFactory(claim=draft, actor=draft_actor, passage=public_passage)
    DisputeFactory(claim=draft, actor=draft_actor, counterclaim=disputed_claim)
    DisputeFactory(claim=disputed_claim, passage=public_passage, counterclaim=draft)

    public_urls = [
        "/",
        f"/passages/{public_passage.pk}/",
        f"/passages/{public_passage.pk}.json",
        f"/claims/{disputed_claim.slug}.json",
        "/claims/",
        "/claims/?q=secret",
        "/claims/?status=undisputed",
        "/actors/",
        "/sources/",
        f"/claims/{disputed_claim.slug}/",
        f"/sources/{disputed_claim.statements.get().passage.source.slug}/",
        f"/actors/{disputed_claim.statements.get().actor.slug}/",
        "/map/",
        "/feeds/claims.atom",
        "/feeds/disputes.atom",
        f"/feeds/actors/{disputed_claim.statements.get().actor.slug}.atom",
        "/sitemap.xml",
        *(f"/sitemap-{section}.xml" for section in SITEMAPS),
    ]
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = _text(response)
        assert "A secret draft claim." not in page, url
        assert "Draft-only" not in page, url
        assert "draft topic" not in page, url
        assert draft.slug not in page and draft_source.slug not in page, url
        assert f"/passages/{statement.passage.pk}/" not in page, url
    for url in [
        f"/claims/{draft.slug}/",
        f"/passages/{statement.passage.pk}/",
        f"/sources/{draft_source.slug}/",
        f"/actors/{draft_actor.slug}/",
        f"/topics/{topic.slug}/",
        f"/feeds/actors/{draft_actor.slug}.atom",
        f"/feeds/topics/{topic.slug}.atom",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/claims/?made_by={draft_actor.slug}").status_code == 400


def test_names_and_quotes_are_escaped(client):
    source = SourceFactory(text='He said <script>alert("x")</script> & left.', title="<b>Title</b>")
    passage = PassageFactory(source=source, words='<script>alert("x")</script>')
    StatementFactory(
        passage=passage,
        actor=ActorFactory(name="<img src=x onerror=alert(1)>"),
        claim=ClaimFactory(text="<i>claim</i>"),
    )
    claim = passage.statements.get().claim
    for url in [
        "/",
        "/claims/",
        f"/claims/{claim.slug}/",
        f"/sources/{source.slug}/",
        f"/passages/{passage.pk}/",
        "/actors/",
        "/sources/",
    ]:
        page = _text(client.get(url))
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
        assert "<i>claim</i>" not in page, url


def test_a_draft_counterclaim_is_not_shown_anywhere(client, disputed_claim):
    draft = ClaimFactory(text="A draft counterclaim.", published=False)
    dispute = disputed_claim.disputes.get()
    Dispute.objects.filter(pk=dispute.pk).update(counterclaim=draft)
    for url in ["/", f"/claims/{disputed_claim.slug}/", f"/actors/{dispute.actor.slug}/"]:
        page = _text(client.get(url))
        assert "A draft counterclaim." not in page, url
        assert "Asks how it was counted." in page, url  # the dispute itself is shown


def test_sources_list_counts_only_public_passages(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    draft = ClaimFactory(published=False)
    StatementFactory(
        claim=draft,
        passage=PassageFactory(source=source, words="the committee said it stands by the figure"),
    )
    assert "2 passages marked" in _text(client.get("/sources/"))


def test_a_changed_passage_says_so_and_shows_the_words_as_cited(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    source = passage.source
    source.text = source.text.replace(passage.quote, "a number of people are held in camps")
    source.save()
    page = _text(client.get(f"/passages/{passage.pk}/"))
    assert "The source has changed since this passage was cited" in page
    assert (
        f'<mark id="passage-{passage.pk}">more than 130,000 people are held in camps</mark>' in page
    )
    assert "The closest words in the source now" in page
    claim_page = _text(client.get(f"/claims/{disputed_claim.slug}/"))
    assert "these are the words as cited" in claim_page


def test_a_changed_passage_with_nothing_close_is_not_marked_in_its_source(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    source = passage.source
    source.text = "Critics asked how the figure was estimated. Nothing else remains."
    source.save()
    assert "Nothing close to these words remains" in _text(client.get(f"/passages/{passage.pk}/"))
    assert f'id="passage-{passage.pk}"' not in _text(client.get(f"/sources/{source.slug}/"))


def test_a_changed_passage_is_marked_as_changed_in_its_source(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    source = passage.source
    source.text = source.text.replace("more than 130,000 people are held", "some people are held")
    source.save()
    page = _text(client.get(f"/sources/{source.slug}/"))
    changed = 'class="passage changed" title="Changed since cited: the closest words now"'
    assert f'<mark {changed} id="passage-{passage.pk}"' in page


def test_a_topic_page_paginates_its_claims(client, settings):
    settings.CLAIMS_PAGE_SIZE = 2
    topic = TopicFactory(name="camps")
    for n in range(5):
        ClaimFactory(text=f"Topic claim {n}.").topics.add(topic)
    page = _text(client.get(f"/topics/{topic.slug}/?page=3"))
    assert "Page 3 of 3" in page and page.count('class="claim-row"') == 1
    assert client.get(f"/topics/{topic.slug}/?page=4").status_code == 404
    response = client.get(f"/topics/{topic.slug}/?page=x")
    assert response.status_code == 400 and "page" in response.content.decode()
    twin = client.get(f"/topics/{topic.slug}.json?page=2").json()["claims"]
    assert twin["count"] == 5 and len(twin["results"]) == 2


def _source_line(html: str) -> str:
    line = re.search(r'<p class="source-line">(.*?)</p>', html, flags=re.S)[1]
    return re.sub(r"<[^>]+>", "", line)


def test_a_passage_of_a_paginated_source_names_its_pages(client, paged_claim):
    statement, dispute = paged_claim.statements.get(), paged_claim.disputes.get()
    for passage, pages in ((statement.passage, "p. 3"), (dispute.passage, "pp. 3–4")):
        assert _source_line(_text(client.get(f"/passages/{passage.pk}/"))) == (
            f"From Report of the commission of inquiry, United Nations, 7 February 2014, {pages}."
        )
    # Where the claim and its disputant cite it, the cards say so too.
    cited = "In Report of the commission of inquiry, 7 February 2014"
    assert _cards(client, paged_claim.get_absolute_url()) == [
        f"{cited}, p. 3.",
        f"{cited}, pp. 3–4.",
    ]
    assert _cards(client, dispute.actor.get_absolute_url()) == [f"{cited}, pp. 3–4."]


def _cards(client, url: str) -> list[str]:
    """Where each statement or dispute on the page is from, as its card says it."""
    cards = re.findall(
        r'<p class="meta">\s*(In .*?)\s*<a class="permalink"', _text(client.get(url))
    )
    return [re.sub(r"<[^>]+>", "", card) for card in cards]


def test_a_passage_of_a_source_without_pages_names_none(client, disputed_claim):
    passage = disputed_claim.statements.get().passage
    assert _source_line(_text(client.get(f"/passages/{passage.pk}/"))).endswith(
        f"{passage.source.publisher.name}."
    )

"""The claims filter, as a reader uses it: actors, topics and sources chosen by name, the
address keeping to their slugs."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from claims_app import selectors

from .factories import (
    ActorFactory,
    AliasFactory,
    ClaimFactory,
    StatementFactory,
    TopicFactory,
)


def _form(response) -> str:
    assert response.status_code in (200, 400)
    page = response.content.decode()
    start = page.rindex("<form", 0, page.index('id="id_made_by"'))  # the filter's form
    return page[start : page.index("</form>", start)]


def _options(form: str, datalist: str) -> list[tuple[str, str]]:
    """(value, label) of each option of a datalist."""
    inner = re.search(rf'<datalist id="{datalist}">(.*?)</datalist>', form, flags=re.S).group(1)
    return re.findall(r'<option value="([^"]*)">([^<]*)</option>', inner)


def _actor_names(form: str) -> list[str]:
    """What the actor boxes offer: names (each sent on to its actor's slug by the view)."""
    return [value for value, _ in _options(form, "filter-actors")]


def _query(response) -> dict[str, list[str]]:
    return parse_qs(urlsplit(response["Location"]).query)


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/claims/", "/map/"])
def test_the_filter_offers_actors_topics_and_sources_by_name(client, disputed_claim, address):
    topic = TopicFactory(name="labour camps")
    disputed_claim.topics.add(topic)
    draft = ClaimFactory(text="A draft.", published=False)
    draft.topics.add(TopicFactory(name="draft-only topic"))
    StatementFactory(claim=draft, actor=ActorFactory(name="Draft-only actor"))
    committee = disputed_claim.statements.get().actor
    critic = disputed_claim.disputes.get().actor
    source = disputed_claim.statements.get().passage.source

    form = _form(client.get(address))
    # Each actor box offers the actors' names, and shows the chosen one's name.
    for param in ("made_by", "disputed_by", "actor"):
        assert re.search(rf'<input type="text" name="{param}" [^>]*list="filter-actors"', form)
    actors = _actor_names(form)
    assert committee.name in actors and critic.name in actors
    chosen = _form(client.get(f"{address}?made_by={committee.slug}"))
    assert re.search(r'<input type="text" name="made_by" [^>]*value="The Committee"', chosen)
    assert "Draft-only actor" not in form
    assert re.search(r'<input type="text" name="source" [^>]*list="filter-sources"', form)
    assert _options(form, "filter-sources") == [(source.slug, source.title)]
    # Topics are few: a plain select, "any topic" first.
    topics = re.search(r'<select name="topic" id="id_topic">(.*?)</select>', form, flags=re.S)
    assert re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', topics.group(1)) == [
        ("", "any topic"),
        (topic.slug, "labour camps"),
    ]
    # The chosen topic is selected, by the slug its address carries.
    form = _form(client.get(f"{address}?topic={topic.slug}"))
    assert f'<option value="{topic.slug}" selected>labour camps</option>' in form


@pytest.mark.django_db
def test_past_the_limit_the_busiest_actors_and_most_cited_sources_are_offered(client, monkeypatch):
    monkeypatch.setattr(selectors, "FILTER_CHOICES", 2)
    busy, busier, quiet = (ActorFactory(name=n) for n in ("Busy", "Busier", "Quiet"))
    for actor, claims in ((busier, 3), (busy, 2), (quiet, 1)):
        for _ in range(claims):
            StatementFactory(actor=actor)
    for n in range(3):
        ClaimFactory().topics.add(TopicFactory(name=f"topic {n}"))
    form = _form(client.get("/claims/"))
    assert _actor_names(form) == ["Busier", "Busy"]
    assert len(_options(form, "filter-sources")) == 2
    # Too many topics for a select: a box offering the largest, as for actors.
    assert '<select name="topic"' not in form
    assert re.search(r'<input type="text" name="topic" [^>]*list="filter-topics"', form)
    assert len(_options(form, "filter-topics")) == 2
    # One not offered is still chosen by its slug.
    response = client.get(f"/claims/?made_by={quiet.slug}")
    assert response.status_code == 200
    assert f'value="{quiet.slug}"' in _form(response)


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/claims/", "/map/"])
def test_a_name_typed_into_a_filter_box_is_sent_on_to_its_slug(client, disputed_claim, address):
    committee = disputed_claim.statements.get().actor
    AliasFactory(actor=committee, name="The Standing Committee")
    topic = TopicFactory(name="Labour camps")
    disputed_claim.topics.add(topic)
    source = disputed_claim.statements.get().passage.source

    response = client.get(f"{address}?made_by=the+committee&status=disputed&page=2")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == address
    assert _query(response) == {"made_by": [committee.slug], "status": ["disputed"]}
    response = client.get(f"{address}?disputed_by=The+Standing+Committee")  # an alias
    assert _query(response) == {"disputed_by": [committee.slug]}
    response = client.get(f"{address}?topic=labour+camps&source={source.title}")
    assert _query(response) == {"topic": [topic.slug], "source": [source.slug]}
    # What names nothing, or comes with another error, is still a 400 that says so.
    response = client.get(f"{address}?made_by=Nobody+at+all")
    assert response.status_code == 400
    assert "There is no actor “Nobody at all” in the record." in response.content.decode()
    assert client.get(f"{address}?made_by=The+Committee&since=soon").status_code == 400
    assert client.get(f"{address}?made_by=The+Committee%00").status_code == 400


@pytest.mark.django_db
def test_the_twins_keep_to_slugs(client, disputed_claim):
    committee = disputed_claim.statements.get().actor
    assert client.get("/claims.json?made_by=The+Committee").status_code == 400
    response = client.get(f"/claims.json?made_by={committee.slug}")
    assert [c["slug"] for c in response.json()["results"]] == [disputed_claim.slug]


@pytest.mark.django_db
def test_a_topic_that_is_none_is_named_in_its_error_beside_the_select(client, disputed_claim):
    response = client.get("/claims/?topic=no-such-topic")
    assert response.status_code == 400
    form = _form(response)
    assert (
        '<select name="topic" id="id_topic" aria-invalid="true" aria-describedby="id_topic-error">'
        in form
    )
    assert re.search(
        r'<span class="error" id="id_topic-error">There is no topic “no-such-topic” in the record',
        form,
    )


def test_a_reader_without_javascript_chooses_by_name_and_the_address_keeps_slugs(
    open_browser, disputed_claim
):
    topic = TopicFactory(name="labour camps")
    disputed_claim.topics.add(topic)
    ClaimFactory(text="Another claim entirely.")
    committee = disputed_claim.statements.get().actor
    page = open_browser(java_script_enabled=False)
    page.goto("/claims/")
    page.locator("details.filters summary").click()
    page.select_option("#id_topic", label="labour camps")
    page.fill("#id_made_by", "The Committee")  # as the list offers it, or typed in full
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"/claims/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["topic"] == [topic.slug] and query["made_by"] == [committee.slug]
    results = page.locator("ol.claims").inner_text()
    assert disputed_claim.text in results and "Another claim entirely." not in results

"""Junk in the query string of every list and twin: an answer that says why (400), an empty
result, or a 404 for a page past the end; never a 500, and never a list that silently ignores a
filter it was given."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_app.models import Actor

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

LISTS = {
    "/claims/": [
        "q",
        "made_by",
        "disputed_by",
        "actor",
        "status",
        "topic",
        "source",
        "since",
        "until",
        "ordering",
        "page",
    ],
    "/actors/": ["q", "kind", "ordering", "page"],
    "/sources/": ["q", "kind", "ordering", "page"],
    "/actors/{actor}/": ["made_page", "disputed_page"],
    "/sources/{source}/": ["page"],
    "/topics/{topic}/": ["page"],
}
SLUG_PARAMS = {"made_by", "disputed_by", "actor", "topic", "source"}
PAGE_PARAMS = {"page", "made_page", "disputed_page"}

junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=250, max_size=400),  # too long
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e9",
            "99999999999999999999999",
            "NaN",
            "2020-02-30",
            "2020-01-01",
            "'; DROP TABLE claims_app_claim; --",
            "<script>alert(1)</script>",
            '"unpaired',
            "prisoners OR",
            "-",
            '""',
            "\x00",
            "actor-0",
            "disputed",
            "date",
            "-disputes",
            "person",
            "report",
            "-made",
            "title",
            "1",
            "2",
        ]
    ),
)


@pytest.fixture
def seeded(db):
    claim = ClaimFactory(text="Claim about camps.")
    statement = StatementFactory(claim=claim)
    DisputeFactory(claim=claim)
    topic = TopicFactory(name="camps")
    claim.topics.add(topic)
    actors = set(Actor.objects.public().values_list("slug", flat=True))
    return {
        "actor": statement.actor.slug,
        "source": statement.passage.source.slug,
        "topic": topic.slug,
        "slugs": {
            "made_by": actors,
            "disputed_by": actors,
            "actor": actors,
            "topic": {topic.slug},
            "source": {statement.passage.source.slug},
        },
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_junk_parameters_never_make_a_500_nor_an_unfiltered_list(client, seeded, data):
    path = data.draw(st.sampled_from(sorted(LISTS)))
    params = data.draw(
        st.lists(st.tuples(st.sampled_from(LISTS[path]), junk), max_size=5), label="params"
    )
    suffix = data.draw(st.sampled_from(["", ".json", ".csv"]))
    url = path.format(**seeded)
    if suffix:
        if url.count("/") > 2 and suffix == ".csv":
            suffix = ".json"  # one object has no CSV twin
        url = url.rstrip("/") + suffix
    response = client.get(f"{url}?{urlencode(params)}")
    assert response.status_code in (200, 400, 404), (url, params, response.status_code)
    given_ = _last_wins(params)
    if response.status_code == 400:
        body = response.content.decode()
        if suffix == ".json":
            assert "errors" in response.json()
        elif suffix == ".csv":
            assert body.startswith("parameter,error")
        else:
            assert "<script>" not in body  # echoed, but escaped
    if response.status_code == 404:
        # Only a page past the end (a slug in the path is known here).
        assert any(_number(given_.get(p, "")) > 1 for p in PAGE_PARAMS), params
    if path == "/claims/":
        for param in SLUG_PARAMS & set(given_):
            value = given_[param]
            if value and value not in seeded["slugs"][param]:
                # An unknown actor, topic or source is an error, not "no filter".
                assert response.status_code == 400, (params, response.status_code)


def _number(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


def _last_wins(params) -> dict:
    """What a form reads from a query string that repeats a key: its last value."""
    return dict(params)


@given(raw=st.text(alphabet=st.characters(codec="ascii"), max_size=80))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_raw_query_string_of_any_bytes_never_makes_a_500(client, seeded, raw):
    for url in ["/claims/", "/claims.json", "/claims.csv", "/actors.json", "/sources/"]:
        response = client.get(f"{url}?{raw.replace(' ', '+').replace('#', '%23')}")
        assert response.status_code in (200, 400, 404), (url, raw)


@pytest.mark.parametrize("url", ["/claims/", "/claims.json", "/actors/", "/sources.csv"])
def test_a_query_repeating_a_key_uses_its_last_value(client, seeded, url):
    assert client.get(f"{url}?page=abc&page=1").status_code == 200
    assert client.get(f"{url}?page=1&page=abc").status_code == 400


# --- every public URL, any path, any query ---------------------------------------------------

HOSTILE = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "'; DROP TABLE claims_app_claim; --",
            "1 OR 1=1",
            "%00",
            "\x00\x01\x1f",
            "../../etc/passwd",
            "9" * 40,
            "-1",
            "김정은",
            "‮",  # right-to-left override
            "a" * 300,
        ]
    ),
)


def _every_pattern(seeded) -> list[str]:
    """Every public URL pattern, with {slug}, {pk} and {section} left to fill."""
    from claims_app import urls

    paths = []
    for pattern in urls.urlpatterns:
        route = "/" + str(pattern.pattern)
        route = route.replace("<uslug:slug>", "{slug}").replace("<int:pk>", "{pk}")
        paths.append(route.replace("<section>", "{section}"))
    return paths


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_path_and_query_at_any_public_url_is_answered_cleanly(client, seeded, data):
    route = data.draw(st.sampled_from(_every_pattern(seeded)), label="route")
    fill = data.draw(st.one_of(HOSTILE, st.sampled_from([seeded["actor"], seeded["topic"]])))
    path = route.format(
        slug=quote(fill, safe="") or "x",
        pk=data.draw(st.integers(-5, 10**30)),
        section=quote(fill, safe="") or "x",
    )
    params = data.draw(
        st.lists(
            st.tuples(st.sampled_from(["q", "page", "p", "topic", "since", fill]), HOSTILE),
            max_size=4,
        )
    )
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code in (200, 301, 400, 404, 410), (path, params)
    kind = response.get("Content-Type", "")
    if kind.startswith(("text/html", "application/atom+xml", "application/xml")):
        body = response.content.decode()
        for value in [fill, *(v for _, v in params)]:
            if "<" in value:
                assert value not in body, (path, value)  # echoed only escaped


def test_too_many_query_fields_is_a_400_not_a_500(client, seeded):
    query = "&".join(f"f{i}=1" for i in range(1200))
    for url in ["/claims/", "/claims.json", "/claims.csv", "/map/", "/actors/"]:
        assert client.get(f"{url}?{query}").status_code == 400, url
    for url in ["/sitemap.xml", "/robots.txt"]:  # they read no parameter
        assert client.get(f"{url}?{query}").status_code == 200, url


def test_a_bad_host_is_a_400(client, seeded):
    assert client.get("/claims/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/claims/", HTTP_HOST="local host").status_code == 400


def test_an_oversized_body_is_refused_and_nothing_written(client, seeded, settings):
    from django.contrib.auth.models import User

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = User.objects.count()
    response = client.post(
        "/admin/login/", {"username": "x" * 20_000, "password": "y"}, follow=False
    )
    assert response.status_code == 400
    assert User.objects.count() == before
    assert client.post("/claims/", {"q": "x" * 20_000}).status_code == 405


# The citation downloads (CSL-JSON, BibTeX, RIS), files a reference manager reads as data.
CITATION_TYPES = (
    "application/vnd.citationstyles.csl+json",
    "application/x-bibtex",
    "application/x-research-info-systems",
)
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"


def test_markup_in_any_text_field_is_escaped_in_every_output(client):
    """Every text a curator can type, set to markup, through every public page, twin, feed
    and sitemap: HTML and XML carry it escaped; JSON and CSV carry it as data."""
    from claims_app import urls
    from claims_app.models import Alias

    actor = ActorFactory(name=f"Actor {XSS}", description=f"About {XSS}", wikidata="Q1")
    Alias.objects.create(actor=actor, name=f"Alias {XSS}")
    source = SourceFactory(
        title=f"Title {XSS}",
        text=f"Before {XSS} after,\nand more words {XSS} here.",
        page_breaks=[len(f"Before {XSS} after,\n")],  # two pages: theirs are pages too
        publisher=ActorFactory(name=f"Publisher {XSS}"),
        url="https://example.org/a?b=1&c=<2>",
    )
    topic = TopicFactory(name=f"topic {XSS}", description=f"Described {XSS}")
    claim = ClaimFactory(
        text=f"Claim {XSS}",
        title=f"Title {XSS}",
        quantity_value=5,
        quantity_unit=f"unit {XSS}",
        quantity_qualifier="more than",  # one of its choices
    )
    claim.topics.add(topic)
    statement = StatementFactory(
        claim=claim,
        actor=actor,
        note=f"Note {XSS}",
        passage=PassageFactory(source=source, words=f"Before {XSS} after"),
    )
    counter = ClaimFactory(text=f"Counter {XSS}")
    DisputeFactory(
        claim=claim,
        actor=ActorFactory(name=f"Disputant {XSS}"),
        note=f"Why {XSS}",
        passage=PassageFactory(source=source, words=f"more words {XSS} here"),
        counterclaim=counter,
    )
    addresses = public_addresses(
        slugs=lambda name: [obj.slug for obj in (claim, actor, source, topic)],
        passage_ids=[statement.passage.pk],
    )
    checked = 0
    for url in addresses:
        response = client.get(url)
        if response.status_code == 404:
            continue  # a slug of one kind of object at another kind's address
        assert response.status_code == 200, url
        checked += 1
        body = response.content.decode()
        kind = response["Content-Type"]
        data = ("application/json", "text/csv", *CITATION_TYPES)
        if kind.startswith(data):
            continue  # JSON strings, CSV cells, citation fields: data there (and never sniffed)
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
    assert checked >= len(urls.urlpatterns), checked  # every kind of page, and its twin

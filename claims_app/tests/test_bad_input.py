"""Junk in the query string of every list and twin: an answer that says why (400), an empty
result, or a 404 for a page past the end; never a 500, and never a list that silently ignores a
filter it was given."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_app.models import Actor

from .factories import ClaimFactory, DisputeFactory, StatementFactory, TopicFactory

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

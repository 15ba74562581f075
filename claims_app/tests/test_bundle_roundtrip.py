"""The round trip, as a property: any valid bundle imports, exports, and re-imports into an empty
database to exactly the same bytes; importing it again changes nothing."""

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from claims_app import anchoring
from claims_app.bundles import bundle_dumps, bundle_export, bundle_import

from .test_bundle_export import _empty_database

pytestmark = pytest.mark.django_db

ALPHABET = "abc xyz.,—“”‘’북한인권보고서 "


@st.composite
def bundles(draw):
    actors = [
        {"name": name, "kind": draw(st.sampled_from(["person", "organization", "media"]))}
        for name in draw(
            st.lists(
                st.sampled_from(["Amnesty “AI”", "김정은 연구소", "Ōno ‘Q’", "UN"]),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
    ]
    names = [a["name"] for a in actors]
    sources, texts = [], {}
    for i in range(draw(st.integers(1, 2))):
        chunk = draw(st.text(alphabet=ALPHABET, min_size=10, max_size=80))
        text = chunk + " / " + chunk if draw(st.booleans()) else chunk  # quotes that occur twice
        source = {
            "key": f"source-{i}",
            "title": f"“Source” {i} 보고서",
            "text": text,
            "date": draw(st.sampled_from([None, "2018", "2018-12", "2023-09-06"])),
        }
        if draw(st.booleans()):
            # The same words read from pages (some of them empty), cut anywhere; quotes may
            # cross a page break.
            cuts = sorted(draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=3)))
            pages = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
            del source["text"]
            source["pages"] = pages
            text, _ = anchoring.pages_join(pages)
        texts[source["key"]] = text
        sources.append(source)

    def citations(count, **extra):
        """`count` citations at most, no actor citing the same passage twice (bundles refuse
        that as self-contradictory)."""
        made = {}
        for _ in range(count):
            item = citation(**{name: draw(strategy) for name, strategy in extra.items()})
            made.setdefault((item["actor"], item["source"], item.pop("_span")), item)
        return list(made.values())

    def citation(**extra):
        source = draw(st.sampled_from(sources))
        text = texts[source["key"]]
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 30)))
        assume(text[start:end].strip())  # a quote of blanks cites nothing: bundles refuse it
        item = {
            "actor": draw(st.sampled_from(names)),
            "source": source["key"],
            "quote": text[start:end],
            **anchoring.quote_selector(text, start, end),
            **extra,
            "_span": (start, end),
        }
        if draw(st.booleans()):
            item["date"] = draw(st.sampled_from(["2014", "2018-11", "2023-08-10"]))
        if draw(st.booleans()):
            item["note"] = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=20))
        return item

    keys = [f"claim-{i}" for i in range(draw(st.integers(1, 4)))]
    claims = []
    for key in keys:
        claim = {
            "key": key,
            "text": draw(st.text(alphabet=ALPHABET, min_size=1, max_size=40)).strip() or "A claim.",
            "published": draw(st.booleans()),
            "topics": draw(st.lists(st.sampled_from(["정치범", "“prisoners”"]), unique=True)),
            "statements": citations(draw(st.integers(0, 2))),
            "disputes": citations(
                draw(st.integers(0, 2)),
                kind=st.sampled_from(["denies", "questions", "qualifies"]),
                counterclaim=st.sampled_from([None, *[k for k in keys if k != key]]),
            ),
        }
        if draw(st.booleans()):
            low = draw(st.integers(0, 10**6))
            claim["quantity"] = {
                "value": low,
                "value_max": low + draw(st.integers(0, 1000)),
                "unit": "people",
                "qualifier": "up to",
            }
        claims.append(claim)
    return {"format": "claims-bundle/1", "actors": actors, "sources": sources, "claims": claims}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bundles())
def test_any_bundle_round_trips_byte_identically(bundle):
    _empty_database()
    bundle_import(bundle)
    first = bundle_dumps(bundle_export())
    exported = json.loads(first)
    assert sorted(c["published"] for c in exported["claims"]) == sorted(
        c["published"] for c in bundle["claims"]
    )
    assert len(exported["claims"]) == len(bundle["claims"])
    assert [s.get("pages") for s in exported["sources"]] == [
        s.get("pages") for s in bundle["sources"]
    ]
    assert str(bundle_import(bundle)) == "created nothing; updated nothing"
    _empty_database()
    bundle_import(json.loads(first))
    assert bundle_dumps(bundle_export()) == first

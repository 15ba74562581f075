"""Bundles checked to the limits of what the pages, the columns and the search index can hold:
a value past them is refused, naming its item, before anything is written; a value within them
imports, and every page that shows it answers."""

import io
import itertools
import json
import string

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DataError, connection

from claims_app import search
from claims_app.bundles import BundleError, bundle_import, bundle_read
from claims_app.models import Claim, DeletedPassage, Dispute, Passage, Source, Statement

from .factories import ActorFactory, ClaimFactory, DisputeFactory, SourceFactory
from .test_bundles import BUNDLE, TEXT, _bundle

pytestmark = pytest.mark.django_db

# The largest id a bundle may keep (2^53 - 1): exact in every JSON reader, and far below what the
# id columns and sequences count to (2^63 - 1), so that rows made after a restore have ids to take.
ID_LIMIT = 9_007_199_254_740_991


def _problems(bundle) -> list[str]:
    with pytest.raises(BundleError) as error:
        bundle_import(bundle)
    assert not Claim.objects.exists() and not Source.objects.exists()
    return error.value.problems


def _tombstone(**values) -> dict:
    return {"id": 5, "deleted_at": "2026-01-01T00:00:00+00:00", **values}


# ---------------------------------------------------------------------------------------------
# Times and dates


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("claims.0.published_at", "9999-12-31T23:59:59-14:00", "claims[0].published_at"),
        ("claims.0.published_at", "0001-01-01T00:00:00+14:00", "claims[0].published_at"),
        (
            "claims.0.statements.0.recorded_at",
            "9999-12-31T12:00:00-12:00",
            "claims[0].statements[0].recorded_at",
        ),
        (
            "claims.0.disputes.0.recorded_at",
            "0001-01-01T00:59:00+01:00",
            "claims[0].disputes[0].recorded_at",
        ),
        ("deleted_passages", [_tombstone(deleted_at="0001-01-01T00:00:00+00:01")], None),
        # A feed's Last-Modified header counts in float seconds: the last second's fractions
        # round up into the year 10000.
        ("claims.0.published_at", "9999-12-31T23:59:59.999999+00:00", "claims[0].published_at"),
    ],
)
def test_a_time_outside_years_1_to_9999_in_utc_is_refused_naming_it(path, value, where):
    problems = _problems(_bundle(**{path: value}))
    moment = value if where else value[0]["deleted_at"]
    where = where or "deleted_passages[0].deleted_at"
    assert problems == [
        f"{where}: “{moment}” is outside what pages can show "
        "(0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)"
    ]
    assert not DeletedPassage.objects.exists()


def test_the_extreme_times_and_dates_that_are_accepted_show_on_every_page(client):
    first, last = "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"
    bundle = _bundle(
        **{
            "sources.0.date": "9999-12-31",
            "claims.0.published_at": first,
            "claims.0.statements.0.date": "0001-01-01",
            "claims.0.statements.0.recorded_at": "0001-01-01T13:59:59-14:00",  # UTC: year 1
            "claims.0.disputes.0.date": "9999-12-31",
            "claims.0.disputes.0.recorded_at": last,
            "claims.1": {
                "key": "late",
                "text": "Published at the very end of time.",
                "published_at": "9999-12-31T23:59:59+00:00",
                "statements": [
                    {
                        "actor": "Amnesty International",
                        "source": "an-article",
                        "quote": "Amnesty said",
                        "date": "9999-12-31",
                        "recorded_at": "9999-12-31T09:59:59-14:00",  # UTC: 23:59:59
                    }
                ],
            },
            "deleted_passages": [_tombstone(id=900, deleted_at=first)],
        }
    )
    bundle_import(bundle)
    claim = Claim.objects.get(slug="prisoners")
    passage = claim.statements.get().passage
    actor = claim.statements.get().actor
    addresses = [
        "/",
        "/claims/",
        "/claims/?ordering=date",
        "/claims/?ordering=-date",
        "/claims/?since=0001-01-01&until=9999-12-31",
        "/claims.json",
        "/claims.csv",
        "/claims/prisoners/",
        "/claims/prisoners.json",
        "/claims/late/",
        f"/passages/{passage.pk}/",
        f"/passages/{passage.pk}.json",
        "/sources/an-article/",
        "/sources/an-article.json",
        f"/actors/{actor.slug}/",
        f"/actors/{actor.slug}.json",
        "/topics/political-prisoners/",
        "/topics/political-prisoners.json",
        "/map/",
        "/index.json",
        "/feeds/claims.atom",
        "/feeds/disputes.atom",
        f"/feeds/actors/{actor.slug}.atom",
        "/feeds/topics/political-prisoners.atom",
        "/sitemap.xml",
        "/sitemap-claims.xml",
        "/sitemap-passages.xml",
    ]
    answers = {address: client.get(address).status_code for address in addresses}
    assert answers == dict.fromkeys(addresses, 200)
    assert client.get("/passages/900/").status_code == 410


# ---------------------------------------------------------------------------------------------
# Ids


@pytest.mark.parametrize("value", [ID_LIMIT + 1, 9223372036854775807, 10**30])
@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("claims.0.statements.0.id", "claims[0].statements[0].id"),
        ("claims.0.disputes.0.passage", "claims[0].disputes[0].passage"),
        ("deleted_passages", "deleted_passages[0].id"),
    ],
)
def test_an_id_past_the_limit_is_refused_naming_it(path, where, value):
    given = [_tombstone(id=value)] if path == "deleted_passages" else value
    problems = _problems(_bundle(**{path: given}))
    assert problems == [
        f"{where}: {value} is too large (ids go from 1 to {ID_LIMIT}, so that every JSON reader "
        "keeps them exact and later rows still have ids to take)"
    ]


@pytest.fixture
def sequences_restored():
    """PostgreSQL's id sequences are not rolled back with a test's transaction: put them back
    where they were, or every later test would number its rows past ID_LIMIT."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in (Passage, Statement, Dispute)]
    with connection.cursor() as cursor:
        saved = []
        for table in tables:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            [sequence] = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            saved.append((sequence, *cursor.fetchone()))
    yield
    with connection.cursor() as cursor:
        for sequence, value, called in saved:
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, value, called])


@pytest.mark.usefixtures("sequences_restored")
def test_rows_made_after_a_bundle_kept_the_largest_ids_take_the_next_ones():
    bundle = _bundle(
        **{
            "claims.0.statements.0.id": ID_LIMIT - 1,
            "claims.0.statements.0.passage": ID_LIMIT - 2,
            "claims.0.disputes.0.id": ID_LIMIT,
            "deleted_passages": [_tombstone(id=ID_LIMIT)],
        }
    )
    bundle_import(bundle)
    assert Statement.objects.get().pk == ID_LIMIT - 1
    assert Dispute.objects.get().pk == ID_LIMIT
    assert Passage.objects.filter(pk=ID_LIMIT - 2).exists()
    # A curator goes on working: a new passage, statement and dispute, each numbered after.
    source, actor = SourceFactory(text=TEXT), ActorFactory()
    passage = Passage.objects.create(
        source=source, start=0, end=7, quote="Amnesty", prefix="", suffix=""
    )
    claim = ClaimFactory()
    statement = Statement.objects.create(claim=claim, actor=actor, passage=passage)
    dispute = Dispute.objects.create(claim=claim, actor=actor, passage=passage, kind="denies")
    assert passage.pk > ID_LIMIT and statement.pk > ID_LIMIT - 1 and dispute.pk > ID_LIMIT


# ---------------------------------------------------------------------------------------------
# The file itself: duplicate keys, nesting


def test_a_key_given_twice_is_refused_naming_the_item(tmp_path):
    claim = json.dumps(BUNDLE["claims"][0])[:-1] + ', "text": "Another text."}'
    text = json.dumps(BUNDLE).replace(json.dumps(BUNDLE["claims"][0]), claim)
    text = text.replace(
        '"format": "claims-bundle/1"', ", ".join(['"format": "claims-bundle/1"'] * 2)
    )
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BundleError) as error:
        bundle_import(bundle_read(path))
    assert error.value.problems == [
        "bundle: the key “format” is given twice",
        "claims[0]: the key “text” is given twice",
    ]
    assert not Claim.objects.exists()


@pytest.mark.parametrize("depth", [100_000, 200])
def test_json_nested_too_deep_is_refused_naming_the_file(tmp_path, depth):
    path = tmp_path / "deep.json"
    deep = "[" * depth + "]" * depth
    path.write_text(
        json.dumps(_bundle(**{"claims.0.text": "@"})).replace('"@"', deep), encoding="utf-8"
    )
    with pytest.raises(BundleError) as error:
        bundle_import(bundle_read(path))
    [problem] = error.value.problems
    assert problem.startswith(f"{path}: nested more than ")
    assert not Claim.objects.exists()


# ---------------------------------------------------------------------------------------------
# Several files, one transaction


def test_several_files_report_only_after_all_are_written_and_name_the_one_that_failed(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(BUNDLE), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("[" * 100_000, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_claims", str(good), str(bad), stdout=out, stderr=io.StringIO())
    assert "created" not in out.getvalue()
    assert f"{bad}: nested more than " in str(error.value)
    assert str(good) not in str(error.value)
    assert not Claim.objects.exists()

    out = io.StringIO()
    call_command("import_claims", str(good), stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith(f"{good}: created ")


def test_a_refusal_the_checks_did_not_foresee_names_the_file_without_a_traceback(
    tmp_path, monkeypatch
):
    def refuse(**kwargs):
        raise DataError("value out of range\nDETAIL: more")

    monkeypatch.setattr(search, "claims_search_refresh", refuse)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(BUNDLE), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_claims", str(good), stdout=io.StringIO(), stderr=io.StringIO())
    assert f"{good}: the database refused it (value out of range)" in str(error.value)
    assert not Claim.objects.exists()


# ---------------------------------------------------------------------------------------------
# Texts past what PostgreSQL's full-text index holds


def _distinct_words(count: int) -> str:
    words = ("".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=4))
    return " ".join(itertools.islice(words, count))


HUGE = "Zanzibar " + _distinct_words(150_000)  # a tsvector of ~2 MB: PostgreSQL's limit is 1 MB


def _found_by(client, word: str) -> list[str]:
    return [c["slug"] for c in client.get(f"/claims.json?q={word}").json()["results"]]


def test_a_claim_too_long_to_index_whole_imports_and_is_found_by_its_first_words(client):
    bundle_import(_bundle(**{"claims.0.text": HUGE}))
    assert Claim.objects.get().text == HUGE
    assert _found_by(client, "zanzibar") == ["prisoners"]
    assert client.get("/claims/prisoners/").status_code == 200


def test_a_claim_too_long_to_index_whole_is_saved_from_the_admin(client):
    user = User.objects.create_superuser("root", password="pw-for-tests")
    client.force_login(user)
    management = {
        f"{prefix}-{name}": value
        for prefix in ("statements", "disputes")
        for name, value in (
            ("TOTAL_FORMS", "0"),
            ("INITIAL_FORMS", "0"),
            ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"),
        )
    }
    data = {"text": HUGE, "title": "", "slug": "huge", "quantity_qualifier": "", **management}
    response = client.post("/admin/claims_app/claim/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Claim.objects.get().text == HUGE
    if connection.vendor == "postgresql":
        assert Claim.objects.filter(search_vector="zanzibar").exists()


def test_a_dispute_note_too_long_to_index_whole_is_saved_and_its_claim_found(client):
    dispute = DisputeFactory(note=HUGE)
    assert _found_by(client, "zanzibar") == [dispute.claim.slug]


def _ideographs(first: int, count: int) -> str:
    """Distinct one-character words: the densest text for a tsvector (6 bytes a character)."""
    return " ".join(chr(code) for code in range(first, first + count))


def test_a_claim_whose_every_kind_of_words_is_at_its_densest_is_saved(client):
    # A passage cited whole: 80,000 distinct words, a 1.1 MB tsvector on their own.
    pairs = itertools.product(map(chr, range(0x4E00, 0x4E00 + 300)), repeat=2)  # CJK Unified
    quote = " ".join(first + second for first, second in itertools.islice(pairs, 80_000))
    passage_source = SourceFactory(text=quote)
    claim = ClaimFactory(text=_ideographs(0x20000, 40_000))  # CJK Extension B
    dispute = DisputeFactory(
        claim=claim,
        passage=Passage.objects.create(
            source=passage_source, start=0, end=len(quote), quote=quote, prefix="", suffix=""
        ),
        note=_ideographs(0x3400, 6_000),  # CJK Extension A
    )
    assert dispute.pk and client.get(f"/claims/{claim.slug}/").status_code == 200
    if connection.vendor == "postgresql":
        assert Claim.objects.filter(search_vector=chr(0x20000)).exists()

"""Exporting the record as a bundle: deterministic, and lossless through an import."""

import json

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from claims_app import caching
from claims_app.bundles import bundle_dumps, bundle_export, bundle_import, bundle_read
from claims_app.models import (
    Actor,
    Alias,
    Authorship,
    Claim,
    DeletedPassage,
    Dispute,
    Passage,
    Source,
    Statement,
    Topic,
)

pytestmark = pytest.mark.django_db


def _empty_database():
    """As a new database is: no rows, and no tombstones of deleted passages either. Emptied
    as `flush` empties tables, not row by row: each row's delete would recompute what it
    reaches (half a minute for 200 generated claims)."""
    models = [Statement, Dispute, Claim, Passage, Authorship, Source, Alias, Topic, Actor]
    tables = [model._meta.db_table for model in models]
    tables += [Claim.topics.through._meta.db_table, DeletedPassage._meta.db_table]
    connection.check_constraints()  # PostgreSQL truncates no table with checks pending
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)
    caching.record_changed()
    assert not any(model.objects.exists() for model in models)


def test_the_seed_exports_and_reimports_into_an_empty_database_identically(settings):
    bundle_import(bundle_read(settings.BASE_DIR / "fixtures" / "seed.json"))
    first = bundle_dumps(bundle_export())
    assert bundle_dumps(bundle_export()) == first  # deterministic
    _empty_database()
    bundle_import(json.loads(first))
    assert bundle_dumps(bundle_export()) == first
    report = bundle_import(json.loads(first))
    assert str(report) == "created nothing; updated nothing"


def test_a_repeated_quote_is_exported_with_what_tells_it_apart():
    text = "He said no. Then she said no."
    bundle_import(
        {
            "format": "claims-bundle/1",
            "actors": [{"name": "She", "kind": "person"}],
            "sources": [{"key": "s", "title": "S", "text": text}],
            "claims": [
                {
                    "key": "c",
                    "text": "No.",
                    "statements": [
                        {"actor": "She", "source": "s", "quote": "said no", "prefix": "she "}
                    ],
                }
            ],
        }
    )
    exported = bundle_export()
    statement = exported["claims"][0]["statements"][0]
    assert statement["quote"] == "said no"
    assert "prefix" in statement or "suffix" in statement
    _empty_database()
    bundle_import(exported)
    assert Passage.objects.get().start == text.rindex("said no")


def test_export_claims_writes_to_a_file_or_stdout(tmp_path, capsys, settings):
    bundle_import(bundle_read(settings.BASE_DIR / "fixtures" / "seed.json"))
    out = tmp_path / "all.json"
    call_command("export_claims", "--output", str(out))
    call_command("export_claims")
    assert capsys.readouterr().out == out.read_text(encoding="utf-8")
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "claims-bundle/1"


PAGED = {
    "format": "claims-bundle/1",
    "actors": [{"name": "She", "kind": "person"}],
    "sources": [
        {"key": "s", "title": "S", "pages": ["Page one.", "", "Page three\nhas two lines."]}
    ],
    "claims": [
        {
            "key": "c",
            "text": "Three.",
            "statements": [{"actor": "She", "source": "s", "quote": "one.\n\nPage three"}],
        }
    ],
}


def test_a_source_with_pages_is_exported_as_its_pages_and_comes_back_the_same():
    bundle_import(PAGED)
    exported = bundle_export()
    (source,) = exported["sources"]
    assert source["pages"] == ["Page one.", "", "Page three\nhas two lines."]
    assert "text" not in source
    first = bundle_dumps(exported)
    _empty_database()
    bundle_import(json.loads(first))
    assert Source.objects.get().page_breaks == [10, 11]
    assert Passage.objects.get().pages_display == "pp. 1–3"
    assert bundle_dumps(bundle_export()) == first


def test_pages_that_no_longer_fit_the_text_are_exported_as_the_text_and_named():
    bundle_import(PAGED)
    Source.objects.update(text="Page one. Page three has two lines.")  # breaks left behind
    left_out = []
    exported = bundle_export(left_out=left_out.append)
    (source,) = exported["sources"]
    assert source["text"] == "Page one. Page three has two lines." and "pages" not in source
    assert left_out[0].startswith("source “s”: its pages are left out, exported as one text")
    _empty_database()
    bundle_import(exported)
    assert Source.objects.get().page_breaks == []

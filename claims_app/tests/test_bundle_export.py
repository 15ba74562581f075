"""Exporting the record as a bundle: deterministic, and lossless through an import."""

import json

import pytest
from django.core.management import call_command

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
    """As a new database is: no rows, and no tombstones of deleted passages either."""
    for model in (Statement, Dispute, Claim, Passage, Authorship, Source, Alias, Topic):
        model.objects.all().delete()
    Actor.objects.update(affiliation=None)
    Actor.objects.all().delete()
    DeletedPassage.objects.all().delete()


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

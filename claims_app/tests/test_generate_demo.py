"""generate_demo: synthetic data, deterministic, in proportion."""

import io

import pytest
from django.core.management import CommandError, call_command

from claims_app.bundles import bundle_dumps, bundle_export
from claims_app.models import Claim, Dispute, Passage, Statement

from .test_bundle_export import _empty_database

pytestmark = pytest.mark.django_db


def test_demo_data_is_deterministic_and_in_proportion(client):
    call_command("generate_demo", claims=200, stdout=io.StringIO())
    first = _content(bundle_export())
    assert Claim.objects.count() == 200
    assert Statement.objects.count() == 400
    assert Dispute.objects.count() == 300
    assert Passage.objects.count() == 700
    assert 0 < Claim.objects.filter(published=False).count() < 20  # some drafts
    assert Passage.objects.filter(source__language="ko").exists()  # some Korean
    for passage in Passage.objects.select_related("source")[:50]:
        assert passage.source.text[passage.start : passage.end] == passage.quote
    assert client.get("/claims/").status_code == 200
    _empty_database()
    call_command("generate_demo", claims=200, stdout=io.StringIO())
    assert _content(bundle_export()) == first


def _content(bundle: dict) -> str:
    """The record's content, without what only a restore needs (row ids, and when rows were
    written): the same data made twice has other ids and times."""
    for claim in bundle["claims"]:
        claim.pop("published_at", None)
        for citation in claim["statements"] + claim["disputes"]:
            for key in ("id", "passage", "recorded_at"):
                citation.pop(key, None)
    bundle.pop("deleted_passages", None)
    return bundle_dumps(bundle)


def test_demo_data_goes_only_into_an_empty_database(disputed_claim):
    with pytest.raises(CommandError, match="empty"):
        call_command("generate_demo", claims=10, stdout=io.StringIO())

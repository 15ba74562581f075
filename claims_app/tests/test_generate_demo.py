"""generate_demo: synthetic data, deterministic, in proportion."""

import io
from collections import Counter

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
    assert 150 <= Dispute.objects.count() <= 250  # about 1 a claim
    assert Passage.objects.count() == Statement.objects.count() + Dispute.objects.count()
    assert 0 < Claim.objects.filter(published=False).count() < 20  # some drafts
    assert Passage.objects.filter(source__language="ko").exists()  # some Korean
    for passage in Passage.objects.select_related("source")[:50]:
        assert passage.source.text[passage.start : passage.end] == passage.quote
    assert client.get("/claims/").status_code == 200
    _empty_database()
    call_command("generate_demo", claims=200, stdout=io.StringIO())
    assert _content(bundle_export()) == first


def test_demo_data_has_the_seed_mix_of_statuses():
    """About half the claims undisputed, a few retracted by their own claimants, the rest
    disputed: every value of the status facet and filter has claims behind it."""
    call_command("generate_demo", claims=400, stdout=io.StringIO())
    statuses = Counter(Claim.objects.values_list("status", flat=True))
    assert statuses == {"undisputed": 200, "disputed": 190, "retracted": 10}
    for claim in Claim.objects.filter(status="retracted"):
        retraction = claim.disputes.get(kind="retracts")
        assert claim.statements.filter(actor=retraction.actor).exists()
    assert Dispute.objects.filter(claim__status="undisputed").count() == 0
    public = Counter(Claim.objects.public().values_list("status", flat=True))
    assert set(public) == {"undisputed", "disputed", "retracted"}


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

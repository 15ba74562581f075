"""The record's rules, held by model validation and by the database itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims_app.models import Claim, ClaimStatus, Dispute, Passage

from .factories import (
    ActorFactory,
    AliasFactory,
    AuthorshipFactory,
    ClaimFactory,
    DisputeFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def test_a_passage_quote_must_be_the_source_text_at_its_offsets():
    source = SourceFactory()
    with pytest.raises(ValidationError):
        Passage(source=source, start=0, end=3, quote="cat").save()
    passage = Passage(source=source, start=4, end=13, quote="committee")
    passage.save()
    assert passage.prefix == "The "
    assert passage.suffix.startswith(" said that")


def test_the_database_refuses_a_passage_that_ends_before_it_starts():
    source = SourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Passage.objects.bulk_create([Passage(source=source, start=5, end=5, quote="")])


def test_slugs_are_made_from_names_and_kept_unique():
    first = ActorFactory(name="Kim Song")
    second = ActorFactory.build(name="Kim-Song")
    second.save()
    assert first.slug == "kim-song"
    assert second.slug == "kim-song-2"


def test_a_claim_is_undisputed_then_disputed_then_retracted_by_its_own_claimant():
    claim = ClaimFactory()
    claimant = ActorFactory()
    statement = StatementFactory(claim=claim, actor=claimant)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.UNDISPUTED
    DisputeFactory(claim=claim)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DISPUTED
    DisputeFactory(
        claim=claim,
        actor=claimant,
        kind=Dispute.Kind.RETRACTS,
        passage=PassageFactory(
            source=statement.passage.source, words="the committee said it stands by the figure"
        ),
    )
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.RETRACTED


def test_only_a_claimant_can_retract_a_claim():
    claim = StatementFactory().claim
    retraction = Dispute(
        claim=claim,
        actor=ActorFactory(),
        kind=Dispute.Kind.RETRACTS,
        passage=PassageFactory(words="Critics asked how the figure was estimated"),
    )
    with pytest.raises(ValidationError, match="claimants"):
        retraction.full_clean()


def test_a_claim_cannot_be_its_own_counterclaim():
    dispute = DisputeFactory()
    dispute.counterclaim = dispute.claim
    with pytest.raises(ValidationError):
        dispute.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(counterclaim=dispute.claim)


def test_a_quantity_range_cannot_run_backwards():
    claim = ClaimFactory.build(quantity_value=100, quantity_value_max=50)
    with pytest.raises(ValidationError):
        claim.full_clean()
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(quantity_value=100, quantity_value_max=50)


def test_quantities_read_naturally():
    claim = ClaimFactory(
        quantity_value=130000, quantity_unit="political prisoners", quantity_qualifier="more than"
    )
    assert claim.quantity_display == "more than 130,000 political prisoners"
    claim.quantity_value_max = 200000
    assert claim.quantity_display == "more than 130,000–200,000 political prisoners"


@pytest.mark.parametrize("related", ["statement", "dispute", "author", "publisher"])
def test_deleting_an_actor_that_the_record_depends_on_is_refused(related):
    actor = ActorFactory()
    if related == "statement":
        StatementFactory(actor=actor)
    elif related == "dispute":
        DisputeFactory(actor=actor)
    elif related == "author":
        AuthorshipFactory(actor=actor)
    else:
        SourceFactory(publisher=actor)
    with pytest.raises(ProtectedError):
        actor.delete()


def test_deleting_a_source_that_claims_cite_is_refused():
    statement = StatementFactory()
    with pytest.raises(ProtectedError):
        statement.passage.source.delete()


def test_an_alias_cannot_be_another_actors_name():
    ActorFactory(name="Shin Dong-hyuk")
    alias = AliasFactory.build(actor=ActorFactory(), name="Shin Dong-hyuk")
    with pytest.raises(ValidationError):
        alias.full_clean()


def test_an_actor_is_found_by_any_of_its_names():
    actor = ActorFactory(name="Shin Dong-hyuk")
    AliasFactory(actor=actor, name="Sin Tong Hyok")
    from claims_app.models import Actor

    assert Actor.objects.by_name("Sin Tong Hyok").get() == actor
    assert Actor.objects.by_name("Shin Dong-hyuk").get() == actor


def test_a_partial_date_is_kept_with_its_precision():
    from claims_app import dates

    source = SourceFactory()
    source.date, source.date_precision = dates.partial_date_parse("2018-12")
    source.save()
    assert source.date_iso == "2018-12"
    assert source.date_display == "December 2018"
    source.date = source.date.replace(day=6)
    with pytest.raises(ValidationError):
        source.full_clean()


def test_a_passage_survives_an_edit_before_it_keeping_its_id():
    passage = PassageFactory()
    source = passage.source
    source.text = "A new first sentence. " + source.text
    source.save()  # saving a new text re-anchors its passages
    report = source.reanchor_report
    moved = Passage.objects.get(pk=passage.pk)
    assert report.moved == 1 and not report.changed
    assert not moved.changed
    assert source.text[moved.start : moved.end] == moved.quote == passage.quote


def test_a_passage_whose_words_are_gone_is_marked_changed_and_keeps_them():
    passage = PassageFactory()
    source = passage.source
    source.text = source.text.replace(passage.quote, "an unknown number of people")
    source.save()  # saving a new text re-anchors its passages
    report = source.reanchor_report
    changed = Passage.objects.get(pk=passage.pk)
    assert report.changed == [passage]
    assert changed.changed
    assert changed.quote == "more than 130,000 people are held in camps"  # as cited
    assert changed.current_words != changed.quote
    changed.save()  # a changed passage still saves: its quote is the words as cited


def test_wikidata_ids_look_like_q_numbers():
    actor = ActorFactory.build(wikidata="42970")
    with pytest.raises(ValidationError):
        actor.full_clean()


def test_two_passages_never_come_to_hold_the_same_words():
    source = SourceFactory(text="cats here. cats there.")
    here = PassageFactory(source=source, words="cats", start=0, end=4)
    there = PassageFactory(source=source, words="cats", start=11, end=15)
    source.text = "cats here."
    source.save()
    here.refresh_from_db()
    there.refresh_from_db()
    assert not here.changed and (here.start, here.end) == (0, 4)
    assert there.changed
    assert source.reanchor_report.changed == [there]


def test_re_anchoring_is_in_the_history():
    passage = PassageFactory()
    source = passage.source
    source.text = "A new first sentence. " + source.text
    source.save()
    latest = passage.history.latest("history_date")
    assert latest.start == passage.start + len("A new first sentence. ")


@pytest.mark.parametrize("value", ["north-korea", "정치범-수용소", "ça_va", "a" * 80, 7, 12345])
@pytest.mark.parametrize("script_prefix", ["/", "/tracker/", "/sous dossier/"])
def test_a_detail_pages_address_is_the_one_reverse_gives(value, script_prefix):
    # addresses.py builds an address around a placeholder made once: it must be the one
    # Django's reverse() gives, whatever the value and wherever the site is mounted.
    from django.urls import reverse, set_script_prefix

    from claims_app.addresses import address, detail_url

    set_script_prefix(script_prefix)
    try:
        for name in ("claim_detail", "actor_detail", "source_detail", "topic_detail"):
            assert detail_url(name, value) == reverse(name, args=[value])
        if isinstance(value, int):
            assert detail_url("passage_detail", value) == reverse("passage_detail", args=[value])
        for name in ("claim_list", "feed_claims", "home"):
            assert address(name) == reverse(name)
    finally:
        set_script_prefix("/")


@pytest.mark.django_db
def test_a_passage_in_a_source_read_from_pages_knows_its_pages():
    from claims_app import anchoring

    text, breaks = anchoring.pages_join(
        ["Title page.", "The camps hold more than", "130,000 people, it said.", "Annex."]
    )
    source = SourceFactory(text=text, page_breaks=breaks)
    source.full_clean()
    assert (source.paginated, source.page_count) == (True, 4)
    on_two = PassageFactory(source=source, words="The camps")
    across = PassageFactory(source=source, words="more than\n130,000 people")
    assert (on_two.page, on_two.page_end, on_two.pages_display) == (2, None, "p. 2")
    assert (across.page, across.page_end, across.pages_display) == (2, 3, "pp. 2–3")
    unpaged = PassageFactory()
    assert (unpaged.page, unpaged.page_end, unpaged.pages_display) == (None, None, "")
    assert unpaged.source.page_count == 0


@pytest.mark.django_db
def test_page_breaks_that_do_not_fit_a_sources_text_are_a_form_error():
    source = SourceFactory(text="one\ntwo", page_breaks=[2])
    with pytest.raises(ValidationError, match="line break"):
        source.full_clean()

"""Curation through the admin, as an editor does it: by the test client, logged in."""

import pytest
from django.contrib.auth.models import Permission, User

from claims_app.models import Actor, Claim, Dispute, Passage, Source, Statement

from .factories import ActorFactory, ClaimFactory, PassageFactory, SourceFactory, StatementFactory

pytestmark = pytest.mark.django_db


def _inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _new_source_form(**fields) -> dict:
    """The admin's add form for a source, as a browser posts it, blank but for `fields` (no
    authors, no passages unless `fields` has their management form)."""
    return {
        "title": "",
        "slug": "",
        "kind": "article",
        "language": "en",
        "date_precision": "day",
        "url": "",
        "archive_url": "",
        "text": "",
        **_inline_management("authorships"),
        **_inline_management("passages"),
        **fields,
    }


def _source_form(source, **fields) -> dict:
    """The admin's change form for `source`, as a browser posts it, with `fields` changed."""
    return {
        "title": source.title,
        "slug": source.slug,
        "kind": "article",
        "language": "en",
        "date_precision": "day",
        "url": "",
        "archive_url": "",
        "publisher": source.publisher.pk,
        "text": source.text,
        **_inline_management("authorships"),
        **_inline_management("passages"),
        **fields,
    }


def test_every_admin_list_and_form_opens_with_search(editor_client):
    StatementFactory()
    for model in ["actor", "source", "passage", "claim", "statement", "dispute", "topic"]:
        response = editor_client.get(f"/admin/claims_app/{model}/?q=a")
        assert response.status_code == 200, model
        assert editor_client.get(f"/admin/claims_app/{model}/add/").status_code == 200, model


def test_an_editor_makes_a_passage_by_pasting_its_quote(editor_client):
    source = SourceFactory()
    response = editor_client.post(
        "/admin/claims_app/passage/add/",
        {
            "source": source.pk,
            "quote": "Critics asked how the figure was estimated",
            "prefix": "",
            "suffix": "",
            "start": "",
        },
    )
    assert response.status_code == 302
    passage = Passage.objects.get()
    assert source.text[passage.start : passage.end] == "Critics asked how the figure was estimated"


def test_a_quote_not_in_the_source_is_a_form_error_and_nothing_is_saved(editor_client):
    source = SourceFactory()
    response = editor_client.post(
        "/admin/claims_app/passage/add/",
        {"source": source.pk, "quote": "Critics asked how the number was estimated"},
    )
    assert response.status_code == 200
    assert "This quote is not in" in response.content.decode()
    assert "Critics asked how the figure was estimated" in response.content.decode()  # closest
    assert not Passage.objects.exists()


def test_an_ambiguous_quote_is_a_form_error_that_says_where(editor_client):
    source = SourceFactory()
    response = editor_client.post(
        "/admin/claims_app/passage/add/", {"source": source.pk, "quote": "the figure"}
    )
    page = response.content.decode()
    assert "These words occur 2 times in the text" in page
    assert not Passage.objects.exists()
    first = source.text.index("the figure")
    response = editor_client.post(
        "/admin/claims_app/passage/add/",
        {"source": source.pk, "quote": "the figure", "start": str(first)},
    )
    assert response.status_code == 302
    assert Passage.objects.get().start == first


def test_an_editor_adds_a_claim_with_a_statement_and_a_dispute_by_pasting_quotes(editor_client):
    source = SourceFactory()
    committee, critic = ActorFactory(), ActorFactory()
    data = {
        "text": "More than 130,000 people are held in camps.",
        "title": "",
        "slug": "",
        "quantity_qualifier": "more than",
        "quantity_value": "130000",
        "quantity_value_max": "",
        "quantity_unit": "people",
        **_inline_management("statements", total=1),
        "statements-0-actor": committee.pk,
        "statements-0-source": source.pk,
        "statements-0-quote": "more than 130,000 people are held in camps",
        "statements-0-date_precision": "day",
        **_inline_management("disputes", total=1),
        "disputes-0-actor": critic.pk,
        "disputes-0-kind": "questions",
        "disputes-0-source": source.pk,
        "disputes-0-quote": "Critics asked how the figure was estimated",
        "disputes-0-date_precision": "day",
        "disputes-0-note": "Asks how it was counted.",
    }
    response = editor_client.post("/admin/claims_app/claim/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get()
    assert not claim.published  # a new claim is a draft
    assert claim.statements.get().passage.quote == "more than 130,000 people are held in camps"
    assert claim.disputes.get().passage.quote == "Critics asked how the figure was estimated"
    assert claim.status == "disputed"


def test_a_bad_quote_in_a_claim_form_saves_nothing(editor_client):
    source = SourceFactory()
    data = {
        "text": "A claim.",
        "quantity_qualifier": "",
        **_inline_management("statements", total=1),
        "statements-0-actor": ActorFactory().pk,
        "statements-0-source": source.pk,
        "statements-0-quote": "words that are nowhere",
        "statements-0-date_precision": "day",
        **_inline_management("disputes"),
    }
    response = editor_client.post("/admin/claims_app/claim/add/", data)
    assert response.status_code == 200
    assert "This quote is not in" in response.content.decode()
    assert not Claim.objects.exists() and not Passage.objects.exists()
    assert not Statement.objects.exists()


def test_publishing_is_an_explicit_action(editor_client):
    claim = ClaimFactory(published=False)
    response = editor_client.post(
        "/admin/claims_app/claim/",
        {"action": "publish_selected", "_selected_action": [claim.pk]},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.published and claim.published_at is not None


def _claim_form(claim, button: str, value: str) -> dict:
    return {
        "text": claim.text,
        "quantity_qualifier": "",
        button: value,
        **_inline_management("statements"),
        **_inline_management("disputes"),
    }


def test_save_and_publish_stays_on_the_claim_and_gives_its_public_link(editor_client):
    claim = ClaimFactory(published=False, text="To be published.")
    change = f"/admin/claims_app/claim/{claim.pk}/change/"
    assert 'name="_publish"' in editor_client.get(change).content.decode()
    response = editor_client.post(change, _claim_form(claim, "_publish", "Save and publish"))
    assert response.status_code == 302 and response["Location"] == change
    claim.refresh_from_db()
    assert claim.published
    page = editor_client.get(change).content.decode()
    public = f"http://localhost{claim.get_absolute_url()}"  # the test client's host
    assert f'is saved and published: its public page is <a href="{public}">{public}</a>' in page
    assert editor_client.get(claim.get_absolute_url()).status_code == 200  # the link works


def test_save_and_publish_on_a_new_claim_goes_to_its_change_page(editor_client):
    data = _claim_form(ClaimFactory.build(text="New and published at once."), "_publish", "Save")
    response = editor_client.post("/admin/claims_app/claim/add/", {**data, "slug": ""})
    claim = Claim.objects.get()
    assert claim.published
    assert response["Location"] == f"/admin/claims_app/claim/{claim.pk}/change/"


def test_save_and_unpublish_stays_on_the_claim_and_says_it_is_a_draft(editor_client):
    claim = ClaimFactory(published=True, text="To be withdrawn.")
    change = f"/admin/claims_app/claim/{claim.pk}/change/"
    response = editor_client.post(change, _claim_form(claim, "_unpublish", "Save and unpublish"))
    assert response.status_code == 302 and response["Location"] == change
    assert not Claim.objects.get(pk=claim.pk).published
    assert "is saved and back to draft" in editor_client.get(change).content.decode()


def test_a_curator_without_the_publish_permission_can_neither_publish_nor_unpublish(client):
    user = User.objects.create_user("helper", password="pw-for-tests", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_claim", "change_claim"])
    )
    client.force_login(user)
    draft, public = ClaimFactory(published=False), ClaimFactory(published=True)
    change = f"/admin/claims_app/claim/{draft.pk}/change/"
    assert 'name="_publish"' not in client.get(change).content.decode()
    assert client.post(change, _claim_form(draft, "_publish", "Save")).status_code == 403
    public_change = f"/admin/claims_app/claim/{public.pk}/change/"
    assert client.post(public_change, _claim_form(public, "_unpublish", "x")).status_code == 403
    assert not Claim.objects.get(pk=draft.pk).published
    assert Claim.objects.get(pk=public.pk).published


def test_editors_cannot_delete(editor_client):
    actor = ActorFactory()
    response = editor_client.post(f"/admin/claims_app/actor/{actor.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Actor.objects.filter(pk=actor.pk).exists()


def test_deleting_an_actor_that_claims_depend_on_is_refused_with_a_message(client):
    admin = User.objects.create_superuser("root", password="pw-for-tests")
    client.force_login(admin)
    statement = StatementFactory()
    actor = statement.actor
    response = client.post(f"/admin/claims_app/actor/{actor.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert (
        "would require deleting the following protected related objects"
        in response.content.decode()
    )
    assert Actor.objects.filter(pk=actor.pk).exists()


def test_every_change_is_in_the_history_with_its_author(editor_client):
    actor = ActorFactory(name="Before")
    response = editor_client.post(
        f"/admin/claims_app/actor/{actor.pk}/change/",
        {
            "name": "After",
            "slug": actor.slug,
            "kind": "person",
            "description": "",
            "wikidata": "",
            **_inline_management("aliases"),
        },
    )
    assert response.status_code == 302
    latest = Actor.history.filter(id=actor.pk).latest("history_date")
    assert latest.name == "After"
    assert latest.history_user.username == "editor"
    assert editor_client.get(f"/admin/claims_app/actor/{actor.pk}/history/").status_code == 200


def test_a_saved_passage_keeps_its_words(editor_client):
    passage = PassageFactory()
    page = editor_client.get(f"/admin/claims_app/passage/{passage.pk}/change/").content.decode()
    assert "disabled" in page
    editor_client.post(
        f"/admin/claims_app/passage/{passage.pk}/change/",
        {"source": passage.source.pk, "quote": "something else", "start": "0"},
    )
    passage.refresh_from_db()
    assert passage.quote == "more than 130,000 people are held in camps"


def test_only_staff_reach_the_admin(client):
    assert client.get("/admin/").status_code == 302
    user = User.objects.create_user("reader", password="pw-for-tests")
    client.force_login(user)
    assert client.get("/admin/claims_app/claim/").status_code == 302
    assert Source.objects.count() == 0 and Dispute.objects.count() == 0


def test_a_new_source_and_its_first_passage_in_one_form(editor_client):
    data = _new_source_form(
        title="A new report",
        kind="report",
        text="The figure is 130,000. Others say the figure is lower.",
        **_inline_management("passages", total=1),
        **{"passages-0-quote": "the figure is lower"},
    )
    response = editor_client.post("/admin/claims_app/source/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Passage.objects.get().quote == "the figure is lower"


@pytest.mark.parametrize(
    "text, title",
    [
        (
            "\n  Camps still hold thousands  \nA former guard told the inquiry so.",
            "Camps still hold thousands",
        ),
        ("word " * 150, ("word " * 99).strip() + "…"),  # cut at a word, within 500 characters
    ],
)
def test_a_source_pasted_without_a_title_takes_its_first_line(editor_client, text, title):
    data = _new_source_form(text=text)
    response = editor_client.post("/admin/claims_app/source/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    source = Source.objects.get()
    assert source.title == title and source.text == text
    # With no text either, the form says what is missing and saves nothing.
    response = editor_client.post("/admin/claims_app/source/add/", {**data, "text": ""})
    assert response.status_code == 200
    assert "Paste its text, or read it from a file." in response.content.decode()
    assert Source.objects.count() == 1


def test_two_inlines_pasting_the_same_quote_share_one_passage(editor_client):
    source = SourceFactory()
    quote = "the ministry denied it outright"
    data = {
        "text": "A claim.",
        "quantity_qualifier": "",
        **_inline_management("statements", total=1),
        "statements-0-actor": ActorFactory().pk,
        "statements-0-source": source.pk,
        "statements-0-quote": quote,
        "statements-0-date_precision": "day",
        **_inline_management("disputes", total=1),
        "disputes-0-actor": ActorFactory().pk,
        "disputes-0-kind": "denies",
        "disputes-0-source": source.pk,
        "disputes-0-quote": quote,
        "disputes-0-date_precision": "day",
    }
    assert editor_client.post("/admin/claims_app/claim/add/", data).status_code == 302
    passage = Passage.objects.get()
    assert passage.statements.count() == 1 and passage.disputes.count() == 1


def test_words_before_a_quote_may_end_in_a_space(editor_client):
    source = SourceFactory(text="He asked how. They asked how. We asked how.")
    response = editor_client.post(
        "/admin/claims_app/passage/add/",
        {"source": source.pk, "quote": "asked how", "prefix": "They "},
    )
    assert response.status_code == 302
    assert Passage.objects.get().start == source.text.index("They asked") + 5


def test_reverting_history_never_changes_publication(editor_client):
    claim = ClaimFactory(published=False, text="Old words.")
    old = claim.history.latest("history_date")
    claim.text = "New words."
    claim.save()
    claim.publish()
    response = editor_client.post(
        f"/admin/claims_app/claim/{claim.pk}/history/{old.history_id}/",
        {
            "text": "Old words.",
            "quantity_qualifier": "",
            **_inline_management("statements"),
            **_inline_management("disputes"),
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "Old words."
    assert claim.published


def test_editing_a_source_text_reanchors_its_passages_and_says_which_changed(editor_client):
    statement = StatementFactory()
    source = statement.passage.source
    kept = PassageFactory(source=source, words="Critics asked how the figure was estimated")
    data = _source_form(
        source,
        text="Preface. " + source.text.replace("130,000 people are held", "many are kept"),
        **_inline_management("passages", total=2, initial=2),
        **{
            "passages-0-id": statement.passage.pk,
            "passages-0-source": source.pk,
            "passages-1-id": kept.pk,
            "passages-1-source": source.pk,
        },
    )
    response = editor_client.post(
        f"/admin/claims_app/source/{source.pk}/change/", data, follow=True
    )
    page = response.content.decode()
    assert "1 passage(s) re-anchored; 1 marked as changed" in page
    kept.refresh_from_db()
    assert Source.objects.get(pk=source.pk).text[kept.start : kept.end] == kept.quote
    assert Passage.objects.get(pk=statement.passage.pk).changed


def test_reverting_a_source_text_in_the_history_reanchors_its_passages(editor_client):
    passage = PassageFactory()
    source = passage.source
    old = source.history.latest("history_date")
    source.text = "A new first sentence. " + source.text
    source.save()
    data = _source_form(source, text=old.text)
    response = editor_client.post(
        f"/admin/claims_app/source/{source.pk}/history/{old.history_id}/", data
    )
    assert response.status_code == 302
    passage.refresh_from_db()
    assert Source.objects.get(pk=source.pk).text[passage.start : passage.end] == passage.quote


def test_the_source_page_offers_its_text_for_selecting_a_passage(editor_client):
    source = SourceFactory(text='He said <b>"no"</b> & left.\nNext line.')
    page = editor_client.get(f"/admin/claims_app/source/{source.pk}/change/").content.decode()
    text = "He said &lt;b&gt;&quot;no&quot;&lt;/b&gt; &amp; left.\nNext line."
    assert f'id="id_text">\n{text}</textarea>' in page
    assert page.count(text) == 1  # the text once: its words are selected in the field itself
    assert ">Make a passage of the selected words</button>" in page
    assert "admin/claims/passage_select.js" in page


def test_saving_a_source_keeps_its_text_exactly(editor_client):
    passage = PassageFactory(
        source=SourceFactory(
            text="First line.\nThe committee said that more than 130,000 "
            "people are held in camps.\n"
        )
    )
    source = passage.source
    data = _source_form(
        source,
        title="Retitled",
        text=source.text.replace("\n", "\r\n"),  # as a browser sends a textarea
        **_inline_management("passages", total=2, initial=1),
        **{
            "passages-0-id": passage.pk,
            "passages-0-source": source.pk,
            "passages-1-quote": "First line",
            "passages-1-start": "0",
        },
    )
    response = editor_client.post(f"/admin/claims_app/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Source.objects.get(pk=source.pk)
    assert saved.text == source.text  # LF kept, trailing newline kept
    passage.refresh_from_db()
    assert saved.text[passage.start : passage.end] == passage.quote and not passage.changed
    assert Passage.objects.get(quote="First line").start == 0


def test_a_quote_selected_across_a_line_break_saves(editor_client):
    source = SourceFactory(text="The first line ends.\nSecond line starts.")
    response = editor_client.post(
        "/admin/claims_app/passage/add/",
        {"source": source.pk, "quote": "ends.\r\nSecond", "start": "15"},
    )
    assert response.status_code == 302
    assert Passage.objects.get().quote == "ends.\nSecond"


def test_a_start_offset_picks_the_nearest_occurrence(editor_client):
    source = SourceFactory(text="no, no, and again no.")
    response = editor_client.post(
        "/admin/claims_app/passage/add/", {"source": source.pk, "quote": "no", "start": "17"}
    )
    assert response.status_code == 302
    assert Passage.objects.get().start == 18

"""The annotation view (claims_app/annotate.py): one press saves the passage, the claim if new,
the actor if new, and the statement or dispute, in one transaction, or nothing at all."""

import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims_app.models import Actor, Claim, Dispute, Passage, Source, Statement

from .factories import (
    TEXT,
    ActorFactory,
    ClaimFactory,
    PassageFactory,
    SourceFactory,
    editors_group,
)

pytestmark = pytest.mark.django_db

WORDS = "more than 130,000 people are held in camps"


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="pw-for-tests", is_staff=True)
    user.groups.add(editors_group())
    client.force_login(user)
    return user


def _page(source) -> str:
    return f"/admin/claims_app/source/{source.pk}/annotate/"


def _save(client, source, words=WORDS, *, at=None, **fields):
    start = source.text.index(words) if at is None else at
    post = {"start": start, "end": start + len(words), "quote": words, "how": "states", **fields}
    return client.post(_page(source) + "save/", post)


def _rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Passage, Claim, Actor, Statement, Dispute))


def test_one_press_saves_the_passage_a_new_draft_claim_and_the_statement(client, editor):
    source = SourceFactory()
    committee = ActorFactory(name="The committee")

    response = _save(
        client,
        source,
        actor_name="The committee",
        claim_text="More than 130,000 people are held in camps.",
        date="2014-02",
        note="Its headline figure.",
    )

    assert response.status_code == 200, response.content
    passage = Passage.objects.get()
    assert (passage.start, passage.end, passage.quote) == (
        TEXT.index(WORDS),
        TEXT.index(WORDS) + len(WORDS),
        WORDS,
    )
    claim = Claim.objects.get()
    assert claim.text == "More than 130,000 people are held in camps." and not claim.published
    statement = Statement.objects.get()
    assert (statement.actor, statement.claim, statement.passage) == (committee, claim, passage)
    assert (statement.date_iso, statement.note) == ("2014-02", "Its headline figure.")
    assert statement.history.get().history_user == editor
    assert claim.history.first().history_user == editor
    answer = response.json()
    assert answer["saved"].startswith(f"Saved: The committee states “{claim}” in passage #")
    assert answer["claim"]["id"] == claim.pk and answer["claim"]["public_url"] is None
    # The page's data again, with the new mark, for the script to draw.
    assert [(p["start"], p["end"]) for p in answer["data"]["passages"]] == [
        (passage.start, passage.end)
    ]
    assert answer["data"]["passages"][0]["citations"] == [
        {"actor": "The committee", "how": "states", "claim": claim.pk}
    ]


@pytest.mark.parametrize("kind", ["denies", "questions", "qualifies", "retracts"])
def test_each_kind_of_dispute_is_saved_as_a_dispute_of_that_kind(client, editor, kind):
    source = SourceFactory()
    claim = ClaimFactory()
    ministry = ActorFactory(name="The ministry")
    if kind == "retracts":  # only a claimant retracts
        Statement.objects.create(claim=claim, actor=ministry, passage=PassageFactory(source=source))
    words = "the ministry denied it outright"

    response = _save(client, source, words, actor_name="The ministry", how=kind, claim=claim.pk)

    assert response.status_code == 200, response.content
    dispute = Dispute.objects.get()
    assert (dispute.kind, dispute.actor, dispute.claim) == (kind, ministry, claim)
    assert dispute.passage.quote == words
    assert Claim.objects.get(pk=claim.pk).status == (
        "retracted" if kind == "retracts" else "disputed"
    )


def test_a_passage_with_exactly_those_offsets_is_reused(client, editor):
    passage = PassageFactory()
    claim = ClaimFactory()
    ActorFactory(name="Critics")

    response = _save(client, passage.source, actor_name="Critics", how="questions", claim=claim.pk)

    assert response.status_code == 200, response.content
    assert Passage.objects.get() == passage
    assert Dispute.objects.get().passage == passage


def test_a_repeated_phrase_is_told_apart_by_its_offsets(client, editor):
    source = SourceFactory()
    ActorFactory(name="The committee")
    second = TEXT.index("committee said", TEXT.index("committee said") + 1)

    response = _save(
        client, source, "committee said", at=second, actor_name="The committee", claim_text="X."
    )

    assert response.status_code == 200, response.content
    assert Passage.objects.get().start == second


def test_an_actor_is_found_by_alias_and_a_new_one_made_by_name_and_kind(client, editor):
    source = SourceFactory()
    ministry = ActorFactory(name="Ministry of Security")
    ministry.aliases.create(name="MSS")
    claim = ClaimFactory()

    assert _save(client, source, actor_name="MSS", how="denies", claim=claim.pk).status_code == 200
    assert Dispute.objects.get().actor == ministry

    unknown = _save(client, source, actor_name="A camp guard", claim=claim.pk)
    assert unknown.status_code == 400
    assert "choose its kind" in unknown.json()["errors"]["actor_kind"][0]
    assert not Actor.objects.filter(name="A camp guard").exists()

    response = _save(client, source, actor_name="A camp guard", actor_kind="person", claim=claim.pk)
    assert response.status_code == 200, response.content
    guard = Actor.objects.get(name="A camp guard")
    assert guard.kind == "person" and Statement.objects.get().actor == guard
    assert "new actor (person)" in response.json()["saved"]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"actor": 999999, "claim_text": "A claim."}, "actor_name"),
        ({"actor_name": "Critics", "claim_text": "  "}, "claim_text"),
        ({"actor_name": "Critics", "claim_text": "A claim.", "how": "refutes"}, "how"),
        ({"actor_name": "Critics", "claim_text": "A claim.", "date": "2014-13"}, "date"),
        ({"actor_name": "Critics", "claim": 999999}, "claim_text"),
        ({"actor_name": "", "claim_text": "A claim."}, "actor_name"),
        ({"actor_name": "Critics", "claim_text": "A claim.", "end": 3}, "quote"),
        ({"actor_name": "Critics", "claim_text": "A claim.", "start": "x"}, "start"),
        ({"actor_name": "New one", "actor_kind": "alien", "claim_text": "A claim."}, "actor_kind"),
        ({"actor_name": "Critics", "claim_text": "A claim.", "how": "retracts"}, "kind"),
        # Ids and offsets past what a database integer holds, or past the text's end.
        ({"actor_name": "Critics", "claim": 10**20}, "claim"),
        ({"actor": 10**20, "claim_text": "A claim."}, "actor"),
        ({"actor_name": "Critics", "claim_text": "A claim.", "start": 10**20}, "start"),
        (
            {"actor_name": "Critics", "claim_text": "A claim.", "start": 10**6, "end": 10**6 + 5},
            "quote",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_on_its_field_and_nothing_saved(
    client, editor, fields, field
):
    source = SourceFactory()
    ActorFactory(name="Critics")
    before = _rows()

    start = TEXT.index(WORDS)
    post = {"start": start, "end": start + len(WORDS), "quote": WORDS, "how": "states", **fields}
    response = client.post(_page(source) + "save/", post)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors.get(field), errors
    assert _rows() == before


def test_words_from_a_text_changed_since_the_page_opened_are_refused(client, editor):
    source = SourceFactory()
    ActorFactory(name="Critics")
    at = TEXT.index(WORDS)
    source.text = "Since edited: " + TEXT
    source.save()
    before = _rows()

    response = _save(client, source, WORDS, at=at, actor_name="Critics", claim_text="A claim.")

    assert response.status_code == 409
    assert "changed since this page was opened" in response.json()["errors"]["quote"][0]
    assert _rows() == before


def test_a_statement_made_twice_is_refused_with_a_message(client, editor):
    source = SourceFactory()
    ActorFactory(name="Critics")
    claim = ClaimFactory()
    assert _save(client, source, actor_name="Critics", claim=claim.pk).status_code == 200

    again = _save(client, source, actor_name="Critics", claim=claim.pk)

    assert again.status_code == 400
    assert again.json()["errors"]["__all__"] == [
        "Critics already states this claim in these words."
    ]
    assert Statement.objects.count() == 1


def test_only_staff_with_the_editors_permissions_may_annotate(client):
    source = SourceFactory()
    page = _page(source)
    assert client.get(page).status_code == 302  # to the login
    reader = User.objects.create_user("reader", password="pw-for-tests")
    client.force_login(reader)
    assert client.get(page).status_code == 302
    viewer = User.objects.create_user("viewer", password="pw-for-tests", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="change_source"))
    client.force_login(viewer)
    assert client.get(page).status_code == 403
    ActorFactory(name="Critics")
    assert _save(client, source, actor_name="Critics", claim_text="A claim.").status_code == 403
    assert not Passage.objects.exists()


def test_a_curator_who_may_publish_publishes_a_draft_from_the_page(client, editor):
    source = SourceFactory()
    claim = ClaimFactory(published=False, published_at=None)

    response = client.post(_page(source) + "publish/", {"claim": claim.pk})

    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.published
    assert response.json()["claim"]["public_url"] == claim.get_absolute_url()

    editor.groups.clear()
    editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["change_source", "add_passage", "add_statement", "add_dispute"]
        )
    )
    other = ClaimFactory(published=False, published_at=None)
    assert client.post(_page(source) + "publish/", {"claim": other.pk}).status_code == 403
    assert not Claim.objects.get(pk=other.pk).published
    assert b"data-can-publish" not in client.get(_page(source)).content


def test_save_and_publish_saves_the_words_and_publishes_their_claim_at_once(client, editor):
    source = SourceFactory(text=f"They said {WORDS}, and more.")
    ActorFactory(name="The committee")
    answer = _save(
        client, source, actor_name="The committee", claim_text="A new claim.", publish="1"
    )
    assert answer.status_code == 200, answer.content
    claim = Claim.objects.get()
    assert claim.published and claim.statements.get().passage.quote == WORDS
    assert answer.json()["claim"]["public_url"] == claim.get_absolute_url()
    assert "published" in answer.json()["saved"]

    # A curator who may not publish: refused whole, nothing saved.
    editor.groups.clear()
    editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["change_source", "add_passage", "add_statement", "add_dispute"]
        )
    )
    before = _rows()
    other = source.text.index("and more")
    refused = _save(
        client,
        source,
        "and more",
        at=other,
        actor_name="The committee",
        claim_text="Another claim.",
        publish="1",
    )
    assert refused.status_code == 403 and _rows() == before


def test_the_page_gives_the_text_and_every_passage_in_a_bounded_number_of_queries(client, editor):
    source = SourceFactory()
    for words in (WORDS, "the ministry denied it outright", "130,000 people"):
        passage = PassageFactory(source=source, words=words)
        Statement.objects.create(claim=ClaimFactory(), actor=ActorFactory(), passage=passage)
        Dispute.objects.create(claim=ClaimFactory(), actor=ActorFactory(), passage=passage)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(_page(source))

    assert response.status_code == 200
    assert len(queries) <= 15, [query["sql"] for query in queries]
    script = re.search(r'id="annotate-data" type="application/json">(.*?)</script>', response.text)
    data = json.loads(script[1])
    assert data["text"] == TEXT
    assert sorted((p["start"], p["end"]) for p in data["passages"]) == sorted(
        (p.start, p.end) for p in Passage.objects.all()
    )
    assert all(len(p["citations"]) == 2 for p in data["passages"])


def test_save_and_annotate_lands_a_new_source_on_its_annotation_view(client, editor):
    publisher = ActorFactory()
    response = client.post(
        "/admin/claims_app/source/add/",
        {
            "title": "An article",
            "text": "Its words,\r\nin two lines.",
            "kind": "article",
            "language": "en",
            "date_precision": "day",
            "publisher": publisher.pk,
            "authorships-TOTAL_FORMS": "0",
            "authorships-INITIAL_FORMS": "0",
            "passages-TOTAL_FORMS": "0",
            "passages-INITIAL_FORMS": "0",
            "_annotate": "Save and annotate",
        },
    )
    source = Source.objects.get()
    assert response.status_code == 302 and response["Location"] == _page(source)
    assert source.text == "Its words,\nin two lines."
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "was added successfully" in page.content.decode()
    assert (
        "Save and annotate"
        in client.get(f"/admin/claims_app/source/{source.pk}/change/").content.decode()
    )

    # A curator who may change sources but not annotate them is not offered it, nor sent there.
    editor.groups.clear()
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_source", "change_source"])
    )
    form = client.get(f"/admin/claims_app/source/{source.pk}/change/").content.decode()
    assert "Save and annotate" not in form


def test_actors_are_suggested_by_name_or_alias(client, editor):
    ActorFactory(name="Amnesty International").aliases.create(name="AI")
    ActorFactory(name="Human Rights Watch")

    found = client.get("/admin/claims_app/source/annotate/actors/", {"q": "amnesty"}).json()
    by_alias = client.get("/admin/claims_app/source/annotate/actors/", {"q": "AI"}).json()

    assert [actor["name"] for actor in found["actors"]] == ["Amnesty International"]
    assert by_alias["actors"][0]["name"] == "Amnesty International"
    assert by_alias["actors"][0]["aliases"] == ["AI"]


def test_a_clash_the_database_refuses_is_a_409_and_nothing_saved(client, editor, monkeypatch):
    # Two curators adding the same actor at once: the unique name stops the second one's write.
    source = SourceFactory()
    before = _rows()

    def clash(*args, **kwargs):
        Actor.objects.create(name="The same name")
        Actor.objects.create(name="The same name")

    monkeypatch.setattr("claims_app.annotate._actor", clash)
    response = _save(
        client, source, actor_name="The same name", actor_kind="person", claim_text="A claim."
    )

    assert response.status_code == 409
    assert "press Save again" in response.json()["errors"]["__all__"][0]
    assert _rows() == before

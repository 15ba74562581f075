"""Several curators at once: a save from a stale form is refused, saying who changed what;
writes to a source's text and its passages are serialized; a deadlock is retried, never a 500;
and after any interleaving every passage holds its words or is marked changed."""

import contextlib
import random
import threading
import time

import lxml.html
import psycopg
import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections, transaction
from django.test import Client

from claims_app import anchoring
from claims_app.admin import ActorAdmin, ClaimAdmin
from claims_app.models import Actor, Claim, Passage, Source

from .factories import (
    ActorFactory,
    ClaimFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
    TopicFactory,
    editors_group,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and deadlocks are PostgreSQL's"
)


def _editor(name: str) -> Client:
    user = User.objects.create_user(name, password="pw-for-tests", is_staff=True)
    user.groups.add(editors_group())
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _form(response) -> dict:
    """The change form's fields as a browser would post them: what the curator was shown."""
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    (form,) = [
        f for f in page.forms if f.get("method") == "post" and f.get("id", "").endswith("_form")
    ]
    textareas = {area.get("name") for area in form.xpath(".//textarea")}
    data: dict = {}
    for name, value in form.form_values():
        if name in textareas and value.startswith("\n"):
            value = value[1:]  # a browser drops a textarea's first line break
        if "__prefix__" not in name:
            data.setdefault(name, []).append(value)
    return data


def _post(client, url, data, **changes):
    return client.post(url, {**data, **{name: [value] for name, value in changes.items()}})


def _errors(response) -> str:
    page = lxml.html.fromstring(response.content.decode())
    return " ".join(
        e.text_content()
        for e in page.xpath("//*[contains(@class, 'errornote') or contains(@class, 'errorlist')]")
    )


# ---------------------------------------------------------------------------------------------
# Optimistic concurrency in the change forms


EDITS = {
    # model: (make one, the field editor A changes, the field editor B changes)
    "claim": (lambda: StatementFactory().claim, "text", "title"),
    "source": (lambda: SourceFactory(), "text", "title"),
    "actor": (lambda: ActorFactory(), "name", "description"),
    "topic": (lambda: TopicFactory(), "name", "description"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("model", EDITS)
def test_a_save_from_a_form_opened_before_another_save_is_refused(model):
    make, field_a, field_b = EDITS[model]
    obj = make()
    url = f"/admin/claims_app/{model}/{obj.pk}/change/"
    alice, bea = _editor("alice"), _editor("bea")
    form_a, form_b = _form(alice.get(url)), _form(bea.get(url))

    theirs = form_a[field_a][0] + " Edited by Alice."
    assert _post(alice, url, form_a, **{field_a: theirs}).status_code == 302

    response = _post(bea, url, form_b, **{field_b: "Bea's new words"})
    assert response.status_code == 200
    error = _errors(response)
    assert f"Someone saved this {obj._meta.verbose_name} after you opened this form" in error
    assert "alice" in error and field_a in error
    assert "Edited by Alice." in error  # the current value is shown
    type(obj).objects.get(pk=obj.pk)  # still there
    saved = type(obj).objects.get(pk=obj.pk)
    assert getattr(saved, field_a) == theirs
    assert getattr(saved, field_b) != "Bea's new words"
    # Her input is kept in the form she gets back, which now knows the current version:
    # saving it again is her informed choice, and goes through.
    again = _form(response)
    assert again[field_b] == ["Bea's new words"]
    assert _post(bea, url, again).status_code == 302
    assert getattr(type(obj).objects.get(pk=obj.pk), field_b) == "Bea's new words"


@pytest.mark.django_db
def test_a_form_that_saw_no_change_saves_and_rows_added_since_are_no_conflict():
    claim = StatementFactory().claim
    url = f"/admin/claims_app/claim/{claim.pk}/change/"
    alice, bea = _editor("alice"), _editor("bea")
    form_b = _form(bea.get(url))
    # Alice adds a dispute elsewhere (a row Bea's form never saw and does not touch).
    PassageFactory(
        source=claim.statements.get().passage.source,
        words="Critics asked how the figure was estimated",
    )
    form_a = _form(alice.get(url))
    form_a.update(
        {
            "disputes-TOTAL_FORMS": ["1"],
            "disputes-0-actor": [str(ActorFactory().pk)],
            "disputes-0-kind": ["denies"],
            "disputes-0-passage": [str(Passage.objects.order_by("-pk").first().pk)],
        }
    )
    assert _post(alice, url, form_a).status_code == 302
    assert claim.disputes.count() == 1
    assert _post(bea, url, form_b, title="A title").status_code == 302
    claim.refresh_from_db()
    assert claim.title == "A title" and claim.disputes.count() == 1


@pytest.mark.django_db
def test_an_inline_row_changed_since_the_form_was_opened_is_a_conflict():
    claim = StatementFactory(note="First note.").claim
    url = f"/admin/claims_app/claim/{claim.pk}/change/"
    alice, bea = _editor("alice"), _editor("bea")
    form_a, form_b = _form(alice.get(url)), _form(bea.get(url))
    assert _post(alice, url, form_a, **{"statements-0-note": "Alice's note."}).status_code == 302
    response = _post(bea, url, form_b, title="Bea's title")
    assert "Someone saved this claim" in _errors(response)
    assert "statement" in _errors(response)
    assert claim.statements.get().note == "Alice's note."


@pytest.mark.django_db
def test_a_claim_quote_placed_by_offset_in_a_text_changed_since_is_refused():
    """The claim form's quote offset was read off a text another curator has changed since:
    the offset may now point at other words, so it is refused, not guessed."""
    source = SourceFactory(text="Twice: the figure. And again: the figure. End.")
    claim = ClaimFactory()
    url = f"/admin/claims_app/claim/{claim.pk}/change/"
    alice, bea = _editor("alice"), _editor("bea")
    form_b = _form(bea.get(url))
    source_url = f"/admin/claims_app/source/{source.pk}/change/"
    edited = "Now: the figure. " + source.text
    assert _post(alice, source_url, _form(alice.get(source_url)), text=edited).status_code == 302
    form_b.update(
        {
            "statements-TOTAL_FORMS": ["1"],
            "statements-0-actor": [str(ActorFactory().pk)],
            "statements-0-source": [str(source.pk)],
            "statements-0-quote": ["the figure"],
            "statements-0-quote_start": ["30"],  # the second "the figure" as Bea saw the text
        }
    )
    response = _post(bea, url, form_b)
    assert response.status_code == 200
    assert "changed around or after the time you opened this form" in _errors(response)
    assert not Passage.objects.exists()


@pytest.mark.django_db
def test_reverting_a_passage_to_a_version_whose_words_moved_is_a_form_error():
    passage = PassageFactory(words="Critics asked how the figure was estimated")
    first_version = passage.history.earliest()
    source = passage.source
    source.text = "A new first sentence. " + source.text
    source.save()  # the passage moves with its words: a new history record
    passage.refresh_from_db()
    assert passage.start == first_version.start + len("A new first sentence. ")
    editor = _editor("alice")
    url = f"/admin/claims_app/passage/{passage.pk}/history/{first_version.history_id}/"
    response = editor.post(url, _form(editor.get(url)))
    assert response.status_code == 200
    assert "This version cannot be restored" in _errors(response)
    passage.refresh_from_db()
    assert source.text[passage.start : passage.end] == passage.quote


@pytest.mark.django_db
def test_view_on_site_needs_permission_to_view_the_object():
    draft = ClaimFactory(text="A secret draft title", published=False)
    content_type = ContentType.objects.get_for_model(Claim)
    url = f"/admin/r/{content_type.pk}/{draft.pk}/"
    outsider = User.objects.create_user("outsider", password="pw", is_staff=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(outsider)
    for address in [
        url,
        f"/admin/r/+{content_type.pk}/{draft.pk}/",
        f"/admin/r/%20{content_type.pk}/{draft.pk}/",
    ]:
        response = client.get(address)
        assert response.status_code == 404, address
        assert "secret" not in response.get("Location", "")
    outsider.user_permissions.add(Permission.objects.get(codename="view_claim"))
    client.force_login(User.objects.get(pk=outsider.pk))
    assert client.get(url).status_code == 302


# ---------------------------------------------------------------------------------------------
# Real concurrency (PostgreSQL): threads, each with its own connection


def _in_threads(*jobs):
    """Run each job in a thread of its own (its own database connection); their exceptions,
    re-raised here."""
    problems = []

    def run(job):
        try:
            job()
        except Exception as error:  # noqa: BLE001 - reported to the test
            problems.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not problems, problems


def _passages_exact() -> list[str]:
    wrong = []
    for passage in Passage.objects.select_related("source"):
        if not passage.changed and passage.current_words != passage.quote:
            wrong.append(f"#{passage.pk} holds {passage.current_words!r}, not {passage.quote!r}")
    return wrong


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_quote_saved_while_its_source_text_is_edited_lands_on_its_words(monkeypatch):
    """Alice saves a source's text (two characters added at the start) while Bea saves a new
    claim quoting it. Alice's re-anchoring is slowed down, so that Bea's save comes in the
    middle of it: Bea's passage must be placed in the text as it is once both are saved."""
    source = SourceFactory()
    PassageFactory(source=source, words="Critics asked how the figure was estimated")
    alice, bea = _editor("alice"), _editor("bea")
    source_url = f"/admin/claims_app/source/{source.pk}/change/"
    source_form = _form(alice.get(source_url))
    claim_url = "/admin/claims_app/claim/add/"
    claim_form = _form(bea.get(claim_url))
    claim_form.update(
        {
            "text": ["A claim quoting the source."],
            "statements-TOTAL_FORMS": ["1"],
            "statements-0-actor": [str(ActorFactory().pk)],
            "statements-0-source": [str(source.pk)],
            "statements-0-quote": ["more than 130,000 people are held in camps"],
        }
    )
    slow_reanchor = anchoring.passage_reanchor
    alice_reanchoring = threading.Event()

    def reanchor_slowly(*args, **kwargs):
        alice_reanchoring.set()
        time.sleep(1.0)
        return slow_reanchor(*args, **kwargs)

    monkeypatch.setattr(anchoring, "passage_reanchor", reanchor_slowly)
    answers = {}

    def alice_saves():
        answers["alice"] = _post(alice, source_url, source_form, text="¶ " + source.text)

    def bea_saves():
        alice_reanchoring.wait(10)
        answers["bea"] = _post(bea, claim_url, claim_form)

    _in_threads(alice_saves, bea_saves)
    assert answers["alice"].status_code == 302 and answers["bea"].status_code == 302
    assert Passage.objects.count() == 2
    assert _passages_exact() == []


def _until_another_waits_for_a_lock(seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one view a transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError(f"no one waited for a lock in {seconds} s")


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bea_in_a_transaction", [True, False], ids=["transaction", "autocommit"])
def test_two_claims_by_one_actor_saved_at_once_are_both_counted(bea_in_a_transaction):
    """Alice and Bea each save a claim by the same actor while Alice's transaction is open
    (Bea's in one of her own too, or in autocommit, as a script would): the actor's page must
    count both (seen in `make loadtest`: one short)."""
    actor = ActorFactory(name="The Committee")
    claims = [
        ClaimFactory(text="More than 130,000 people are held in camps."),
        ClaimFactory(text="The camps hold political prisoners."),
    ]
    passages = [PassageFactory(source=SourceFactory()) for _ in claims]
    alice_counted, bea_saving = threading.Event(), threading.Event()

    def alice_saves():
        with transaction.atomic():
            StatementFactory(claim=claims[0], actor=actor, passage=passages[0])
            alice_counted.set()  # her refresh has counted the actor's claims
            bea_saving.wait(10)
            _until_another_waits_for_a_lock()  # Bea's refresh, on Alice's lock on the actor

    def bea_saves():
        alice_counted.wait(10)
        with transaction.atomic() if bea_in_a_transaction else contextlib.nullcontext():
            bea_saving.set()
            StatementFactory(claim=claims[1], actor=actor, passage=passages[1])

    _in_threads(alice_saves, bea_saves)
    assert Actor.objects.get(pk=actor.pk).made_count == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_deadlock_is_retried_and_the_save_goes_through(monkeypatch):
    claim = StatementFactory().claim
    url = f"/admin/claims_app/claim/{claim.pk}/change/"
    alice = _editor("alice")
    form = _form(alice.get(url))
    save_model = ClaimAdmin.save_model
    failures = []

    def deadlocked_once(self, request, obj, form, change):
        if not failures:
            failures.append(1)
            error = OperationalError("deadlock detected")
            error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
            raise error
        return save_model(self, request, obj, form, change)

    monkeypatch.setattr(ClaimAdmin, "save_model", deadlocked_once)
    response = _post(alice, url, form, text="Saved on the second attempt.")
    assert response.status_code == 302
    assert failures == [1]
    assert Claim.objects.get(pk=claim.pk).text == "Saved on the second attempt."


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_every_passage_holds_its_words_after_curators_work_at_once():
    """Four curators, each doing a random mix of text edits, new claims quoting the texts,
    reverts and imports, at once. Afterwards no answer was a 500 and every passage holds its
    quote or is marked changed."""
    from claims_app.bundles import bundle_import

    sources = [
        SourceFactory(text=" ".join(f"Sentence number {n} is here." for n in range(200)))
        for _ in range(2)
    ]
    for source in sources:
        PassageFactory(source=source, words="Sentence number 150 is here.")
    actor = ActorFactory(name="The Committee")
    clients = [_editor(f"curator{n}") for n in range(4)]
    statuses: list[tuple[str, int]] = []

    def curator(n: int):
        rng = random.Random(n)
        client = clients[n]
        for step in range(6):
            source = Source.objects.get(pk=rng.choice(sources).pk)
            action = rng.choice(["edit", "claim", "claim", "revert", "import"])
            if action == "edit":
                url = f"/admin/claims_app/source/{source.pk}/change/"
                form = _form(client.get(url))
                response = _post(client, url, form, text=f"Word{n}{step}. " + form["text"][0])
            elif action == "claim":
                sentence = f"Sentence number {rng.randrange(200)} is here."
                form = _form(client.get("/admin/claims_app/claim/add/"))
                form.update(
                    {
                        "text": [f"Claim {n}-{step}"],
                        "statements-TOTAL_FORMS": ["1"],
                        "statements-0-actor": [str(actor.pk)],
                        "statements-0-source": [str(source.pk)],
                        "statements-0-quote": [sentence],
                    }
                )
                response = _post(client, "/admin/claims_app/claim/add/", form)
            elif action == "revert":
                version = source.history.order_by("?").first()
                url = f"/admin/claims_app/source/{source.pk}/history/{version.history_id}/"
                response = client.post(url, _form(client.get(url)))
            else:
                bundle_import(
                    {
                        "format": "claims-bundle/1",
                        "claims": [
                            {
                                "key": f"imported-{n}-{step}",
                                "text": f"Imported claim {n}-{step}.",
                                "statements": [
                                    {
                                        "actor": "The Committee",
                                        "source": source.slug,
                                        "quote": f"Sentence number {rng.randrange(100, 200)} is",
                                    }
                                ],
                            }
                        ],
                    }
                )
                continue
            statuses.append((action, response.status_code))

    _in_threads(*[lambda n=n: curator(n) for n in range(4)])
    assert all(status < 500 for _, status in statuses), statuses
    # Not all refused: the curators' work went in (a refusal is a 200 with a form error).
    saved = [action for action, status in statuses if status == 302]
    assert "edit" in saved and "claim" in saved, statuses
    assert Claim.objects.filter(text__regex=r"^Claim [0-9]+-[0-9]+$").count() == saved.count(
        "claim"
    )
    assert _passages_exact() == []


@pytest.mark.django_db
def test_a_passage_placed_in_an_old_copy_of_its_text_is_refused():
    """Code (a shell, a script) holding a source read before another curator's edit cannot
    make a passage at offsets of the old text."""
    source = SourceFactory()
    old_copy = Source.objects.get(pk=source.pk)
    source.text = "A new first sentence. " + source.text
    source.save()
    words = "Critics asked how the figure was estimated"
    start = old_copy.text.index(words)
    with pytest.raises(ValidationError):
        Passage(source=old_copy, start=start, end=start + len(words), quote=words).save()
    assert not Passage.objects.exists()


@pytest.mark.django_db
def test_a_save_landing_while_a_form_is_being_made_is_not_lost(monkeypatch):
    """Alice's save commits after Bea's form has read its object but before the page is
    sent: Bea's form shows the old values, so its save must be refused, not taken as current."""
    actor = ActorFactory(name="Old name")
    url = f"/admin/claims_app/actor/{actor.pk}/change/"
    bea = _editor("bea")
    get_object = ActorAdmin.get_object

    def read_then_alice_saves(self, request, object_id, from_field=None):
        obj = get_object(self, request, object_id, from_field)
        if request.method == "GET":
            Actor.objects.filter(pk=actor.pk).update(name="Alice's name")
        return obj

    monkeypatch.setattr(ActorAdmin, "get_object", read_then_alice_saves)
    form = _form(bea.get(url))
    assert form["name"] == ["Old name"]
    response = _post(bea, url, form, description="Bea's words")
    assert "Someone saved this actor" in _errors(response)
    assert Actor.objects.get(pk=actor.pk).name == "Alice's name"


@pytest.mark.django_db
def test_odd_ids_and_tokens_in_an_admin_post_are_no_500():
    claim = StatementFactory().claim
    editor = _editor("alice")
    url = f"/admin/claims_app/claim/{claim.pk}/change/"
    form = _form(editor.get(url))
    for token in [
        '{"t": "2026-01-01T00:00:00", "fields": {}, "rows": {"alias": [1]}}',
        '{"t": 1}',
        "{",
        '{"t": "2026-01-01", "fields": {}, "rows": 5}',
    ]:
        assert _post(editor, url, form, _seen_version=token).status_code < 500, token
    assert editor.post("/admin/claims_app/actor/²/change/", {"name": "x"}).status_code < 500


@pytest.mark.django_db
def test_a_refused_save_shows_a_long_text_where_it_now_differs():
    paragraphs = [f"Paragraph {n}: " + "words of the article " * 20 for n in range(5)]
    source = SourceFactory(text="\n".join(paragraphs))
    url = f"/admin/claims_app/source/{source.pk}/change/"
    alice, bea = _editor("alice"), _editor("bea")
    form_a, form_b = _form(alice.get(url)), _form(bea.get(url))
    edited = source.text.replace("Paragraph 3:", "Paragraph 3: ALICE'S INSERTION")
    assert _post(alice, url, form_a, text=edited).status_code == 302
    # A browser sends a textarea's line breaks as CRLF.
    response = _post(bea, url, form_b, title="Bea's title", text=source.text.replace("\n", "\r\n"))
    error = _errors(response)
    assert "ALICE'S INSERTION" in error and "Paragraph 0" not in error

"""Testimony and transcripts (issue 18): a transcript holds speakers' turns, a passage knows
its speaker, and a statement or dispute by the speaker of its passage is the speaker's own
words, not the publishing commission's report of them."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from claims_app import selectors, transcripts
from claims_app.bundles import BundleError, bundle_dumps, bundle_export, bundle_import
from claims_app.models import Actor, Passage, Source, Statement, Turn

from .factories import ActorFactory, AliasFactory, ClaimFactory, StatementFactory
from .test_bundle_export import _empty_database

pytestmark = pytest.mark.django_db


def _text(html: bytes) -> str:
    """What a reader reads: the page's words, tags and runs of spaces gone."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))
    return re.sub(r" ([,.:;])", r"\1", words)


HEARING = {
    "format": "claims-bundle/1",
    "actors": [
        {"name": "Commission of Inquiry", "kind": "intergovernmental"},
        {"name": "Michael Kirby", "kind": "person", "aliases": ["CHAIR"]},
        {"name": "Kim Young-soon", "kind": "person"},
    ],
    "sources": [
        {
            "key": "seoul-hearing",
            "title": "Public hearing, Seoul, day 1",
            "kind": "transcript",
            "publisher": "Commission of Inquiry",
            "turns": [
                {"speaker": "CHAIR", "text": "Please tell us where you were held."},
                {"speaker": "Kim Young-soon", "text": "I was held at Yodok.\nFor nine years."},
            ],
        }
    ],
    "claims": [
        {
            "key": "yodok",
            "text": "Kim Young-soon was held at Yodok for nine years.",
            "published": True,
            "statements": [
                {"actor": "Kim Young-soon", "source": "seoul-hearing", "quote": "For nine years."}
            ],
        }
    ],
}


# Text as read from lines ------------------------------------------------------------------


def test_speaker_lines_are_read_as_turns_in_capitals_or_by_a_known_name():
    text = (
        "Hearing of 20 August 2013\n"
        "CHAIR: Good morning.\n"
        "Kim Young-soon: I was held at Yodok.\n"
        "Note: the witness paused.\n"
        "For nine years.\n"
        "MR KIM: Thank you.  \n"
    )
    turns = transcripts.turns_read(text, lambda label: label == "Kim Young-soon")
    assert [(t.label, text[t.start : t.end]) for t in turns] == [
        ("CHAIR", "Good morning."),
        # "Note" is neither in capitals nor anyone's name: the witness's turn goes on.
        ("Kim Young-soon", "I was held at Yodok.\nNote: the witness paused.\nFor nine years."),
        ("MR KIM", "Thank you."),
    ]


def test_turns_join_into_speaker_lines_and_split_back():
    turns = [("CHAIR", "Please tell us."), ("Kim Young-soon", "I was held.\nFor years.")]
    text, spans = transcripts.turns_join(turns)
    assert text == "CHAIR: Please tell us.\nKim Young-soon: I was held.\nFor years."
    assert [text[s.start : s.end] for s in spans] == ["Please tell us.", "I was held.\nFor years."]
    assert transcripts.turns_split(text, [(s.start, s.end) for s in spans]) == turns
    # A heading before the first turn is not a text of turns alone.
    assert (
        transcripts.turns_split("Day 1\n" + text, [(s.start + 6, s.end + 6) for s in spans]) is None
    )


_LABELS = st.sampled_from(["CHAIR", "MR KIM", "Kim Young-soon", "위원장"])
# Words: lines that never begin "LABEL: " (no colon at all), nor end in blank space.
_WORDS = st.text(st.characters(blacklist_characters=":\r", blacklist_categories=["Cs"]), min_size=1)


@given(st.lists(st.tuples(_LABELS, _WORDS.filter(lambda w: w == w.rstrip())), min_size=1))
def test_joined_turns_read_back_as_themselves(turns):
    text, spans = transcripts.turns_join(turns)
    read = transcripts.turns_read(text, lambda label: label in ("Kim Young-soon", "위원장"))
    assert read == spans
    assert transcripts.turns_split(text, [(s.start, s.end) for s in spans]) == turns


# Bundles -----------------------------------------------------------------------------------


def test_a_bundle_transcript_gives_its_turns_and_each_passage_its_speaker():
    bundle_import(HEARING)
    source = Source.objects.get()
    assert source.text == (
        "CHAIR: Please tell us where you were held.\n"
        "Kim Young-soon: I was held at Yodok.\nFor nine years."
    )
    assert [(t.speaker.name, t.words) for t in Turn.objects.order_by("start")] == [
        ("Michael Kirby", "Please tell us where you were held."),  # named by an alias
        ("Kim Young-soon", "I was held at Yodok.\nFor nine years."),
    ]
    assert Passage.objects.get().speaker.name == "Kim Young-soon"


def test_a_transcript_is_exported_as_its_turns_and_comes_back_the_same():
    bundle_import(HEARING)
    exported = bundle_export()
    (source,) = exported["sources"]
    assert source["turns"] == HEARING["sources"][0]["turns"]
    assert "text" not in source
    first = bundle_dumps(exported)
    _empty_database()
    bundle_import(json.loads(first))
    assert Turn.objects.count() == 2
    assert bundle_dumps(bundle_export()) == first


def test_a_transcript_given_as_text_reads_its_turns_from_its_speaker_lines():
    bundle = json.loads(json.dumps(HEARING))
    del bundle["sources"][0]["turns"]
    bundle["sources"][0]["text"] = (
        "Day 1.\nCHAIR: Where were you held?\nKim Young-soon: At Yodok.\nFor nine years."
    )
    bundle_import(bundle)
    assert [(t.speaker.name, t.words) for t in Turn.objects.order_by("start")] == [
        ("Michael Kirby", "Where were you held?"),
        ("Kim Young-soon", "At Yodok.\nFor nine years."),
    ]
    # Exported as its text (it has a heading), from which an import reads the same turns.
    (source,) = bundle_export()["sources"]
    assert source["text"].startswith("Day 1.\n") and "turns" not in source


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda s: s["turns"][1].update(speaker="Nobody Known"),
            "sources[0].turns[1].speaker: unknown actor “Nobody Known”: declare it in `actors`",
        ),
        (
            lambda s: s["turns"][0].update(text="Tell us.\nWITNESS: I was held."),
            "sources[0].turns[0].text: a line of it reads as another speaker's turn",
        ),
        (lambda s: s.update(kind="report"), "sources[0].turns: only a transcript has turns"),
        (lambda s: s.update(text="Both."), "sources[0]: gives both `text` and `turns`: give one"),
        (lambda s: s.update(turns=[]), "sources[0].turns: must not be empty"),
        (
            lambda s: (s.pop("turns"), s.update(text="CHAIR: Hello.\nMR PARK: Hello.")),
            "sources[0].text: line 2 gives the words of “MR PARK”, who is no actor",
        ),
    ],
)
def test_a_bundle_with_wrong_turns_is_rejected_whole_naming_the_source(change, named):
    bundle = json.loads(json.dumps(HEARING))
    change(bundle["sources"][0])
    with pytest.raises(BundleError) as error:
        bundle_import(bundle)
    assert named in str(error.value)
    assert not Source.objects.exists() and not Actor.objects.exists()


# Direct words, not reported ---------------------------------------------------------------


def _hearing_with_a_reported_statement():
    """The hearing, with a statement by someone who does not speak in it, in the same turn."""
    bundle_import(HEARING)
    passage = Passage.objects.get()
    StatementFactory(
        claim=ClaimFactory(text="Yodok held prisoners for years."),
        actor=ActorFactory(name="A Ministry"),
        passage=passage,
    )
    return passage


def test_a_speakers_own_words_are_direct_and_anothers_are_reported_by_the_commission(client):
    passage = _hearing_with_a_reported_statement()

    words = _text(client.get("/claims/yodok/").content)
    assert "Kim Young-soon states For nine years." in words
    assert "as reported by" not in words
    words = _text(client.get("/claims/yodok-held-prisoners-for-years/").content)
    assert "A Ministry states as reported by Commission of Inquiry" in words

    page = _text(client.get(f"/passages/{passage.pk}/").content)
    assert "Speaker: Kim Young-soon" in page
    assert "Kim Young-soon states: Kim Young-soon was held at Yodok" in page
    assert "A Ministry, as reported by Commission of Inquiry, states:" in page
    twin = client.get(f"/passages/{passage.pk}.json").json()
    assert twin["speaker"] == {"name": "Kim Young-soon", "slug": "kim-young-soon"}
    reported = {s["actor"]["name"]: s["reported_by"] for s in twin["statements"]}
    assert reported == {
        "Kim Young-soon": [],
        "A Ministry": [{"name": "Commission of Inquiry", "slug": "commission-of-inquiry"}],
    }


def test_who_speaks_is_asked_in_one_query_however_many_transcripts_and_rows():
    def queries() -> int:
        items = list(Statement.objects.select_related("actor", "passage__source__publisher"))
        with CaptureQueriesContext(connection) as captured:
            selectors.reporting_fill(items)
        assert {item.is_reported for item in items} == {True, False}
        return len(captured)

    _hearing_with_a_reported_statement()
    few = queries()
    for n in range(3):
        bundle = json.loads(json.dumps(HEARING).replace("seoul-hearing", f"hearing-{n}"))
        bundle["claims"][0]["key"] = f"yodok-{n}"
        bundle_import(bundle)
        StatementFactory(actor=Actor.objects.get(name="A Ministry"), passage=Passage.objects.last())
    assert queries() == few <= 4


def test_a_transcripts_page_names_its_speakers_who_are_public(client):
    bundle_import(HEARING)
    words = _text(client.get("/sources/seoul-hearing/").content)
    assert "Speakers Michael Kirby, Kim Young-soon" in words
    assert "CHAIR: Please tell us where you were held." in words  # each turn names its speaker
    # The chair says nothing a claim cites, and is public: the hearing is.
    assert client.get("/actors/michael-kirby/").status_code == 200


def test_an_edit_keeps_a_labels_speaker_as_the_text_named_it():
    witness = ActorFactory(name="Witness One")
    AliasFactory(name="WITNESS", actor=witness)
    source = Source.objects.create(
        title="Hearing", kind="transcript", text="WITNESS: I was held.\nMR KIM: Thank you."
    )
    assert [t.speaker for t in source.turns.all()] == [witness]  # MR KIM names nobody
    # The alias goes: the label still names whom it named.
    witness.aliases.all().delete()
    source.text = "Opening.\nWITNESS: I was held at Yodok.\nMR KIM: Thank you."
    source.save()
    assert [(t.speaker, t.words) for t in source.turns.all()] == [(witness, "I was held at Yodok.")]


def test_an_edit_of_a_transcripts_text_reads_its_turns_again():
    bundle_import(HEARING)
    source = Source.objects.get()
    source.text = source.text.replace("CHAIR: Please", "Kim Young-soon: Please")
    source.save()
    assert [(t.speaker.name, t.words) for t in source.turns.order_by("start")] == [
        ("Kim Young-soon", "Please tell us where you were held."),
        ("Kim Young-soon", "I was held at Yodok.\nFor nine years."),
    ]
    # The chair speaks no more: no longer public through the hearing.
    assert not Actor.objects.get(name="Michael Kirby").is_public


# Admin --------------------------------------------------------------------------------------


def _change_form(source, turns: list[dict], initial: int) -> dict:
    data = {
        "title": source.title,
        "slug": source.slug,
        "kind": "transcript",
        "language": "en",
        "date_precision": "day",
        "url": "",
        "archive_url": "",
        "publisher": source.publisher_id,
        "text": source.text,
    }
    for prefix, total, init in (("authorships", 0, 0), ("passages", 0, 0)):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(total),
            f"{prefix}-INITIAL_FORMS": str(init),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data |= {
        "turns-TOTAL_FORMS": str(len(turns)),
        "turns-INITIAL_FORMS": str(initial),
        "turns-MIN_NUM_FORMS": "0",
        "turns-MAX_NUM_FORMS": "1000",
    }
    for i, turn in enumerate(turns):
        data |= {f"turns-{i}-{key}": value for key, value in turn.items()}
    return data


def test_a_curator_marks_a_transcripts_turns_in_the_admin(client):
    client.force_login(User.objects.create_superuser("curator", "c@example.org", "pw"))
    publisher = ActorFactory(name="Commission of Inquiry")
    witness = AliasFactory(name="WITNESS", actor=ActorFactory(name="Witness One")).actor
    source = Source.objects.create(
        title="Closed hearing",
        kind="transcript",
        publisher=publisher,
        text="Q. Where were you held?\nA. At Yodok, for nine years.",
    )
    assert not source.turns.exists()  # no "SPEAKER: " lines to read them from
    url = f"/admin/claims_app/source/{source.pk}/change/"
    page = client.get(url).content.decode()
    assert "Turns" in page and 'name="turns-TOTAL_FORMS"' in page
    assert "/admin/autocomplete/" in page  # the speaker is chosen by autocomplete

    answer = source.text.index("At Yodok")
    overlapping = [
        {"speaker": witness.pk, "start": answer, "end": len(source.text)},
        {"speaker": publisher.pk, "start": 0, "end": answer + 3},
    ]
    response = client.post(url, _change_form(source, overlapping, 0))
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert not source.turns.exists()

    response = client.post(url, _change_form(source, overlapping[:1], 0))
    assert response.status_code == 302, response.content.decode()[:2000]
    # Turns marked on a text changed in the same save would point at other words.
    question = [{"speaker": publisher.pk, "start": 0, "end": answer - 1}]
    edited = _change_form(source, question, 0) | {"text": "A. " + source.text}
    response = client.post(url, edited)
    assert "The text changed: save it first" in response.content.decode()
    (turn,) = source.turns.all()
    assert (turn.speaker, turn.words) == (witness, "At Yodok, for nine years.")
    passage = Passage.objects.create(source=source, start=answer, end=answer + 8, quote="At Yodok")
    assert passage.speaker == witness

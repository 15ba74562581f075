"""Importing claims bundles: all or nothing, every problem named by its item."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims_app import anchoring
from claims_app.bundles import BundleError, bundle_dumps, bundle_export, bundle_import, bundle_read
from claims_app.models import Actor, Claim, Passage, Source, Statement

from .factories import ActorFactory, AliasFactory
from .test_bundle_export import _empty_database

pytestmark = pytest.mark.django_db

TEXT = "Amnesty said there are more than 130,000 prisoners. Asmolov asked how they knew."

BUNDLE = {
    "format": "claims-bundle/1",
    "actors": [
        {"name": "Amnesty International", "kind": "organization", "wikidata": "Q42970"},
        {"name": "Konstantin Asmolov", "kind": "person", "aliases": ["K. Asmolov"]},
    ],
    "sources": [
        {
            "key": "an-article",
            "title": "An article",
            "text": TEXT,
            "date": "2018-12",
            "authors": ["K. Asmolov"],
        },
    ],
    "claims": [
        {
            "key": "prisoners",
            "text": "There are more than 130,000 prisoners.",
            "topics": ["political prisoners"],
            "quantity": {"value": 130000, "unit": "prisoners", "qualifier": "more than"},
            "statements": [
                {
                    "actor": "Amnesty International",
                    "source": "an-article",
                    "quote": "there are more than 130,000 prisoners",
                    "date": "2018-11",
                }
            ],
            "disputes": [
                {
                    "actor": "K. Asmolov",
                    "source": "an-article",
                    "kind": "questions",
                    "quote": "Asmolov asked how they knew",
                    "note": "How?",
                    "counterclaim": None,
                }
            ],
        },
    ],
}


def _bundle(**changes):
    bundle = copy.deepcopy(BUNDLE)
    for path, value in changes.items():
        target = bundle
        *steps, last = path.split(".")
        for step in steps:
            target = target[int(step)] if step.isdigit() else target[step]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit() and int(last) == len(target):
            target.append(value)
        else:
            target[int(last) if last.isdigit() else last] = value
    return bundle


_DELETE = object()


def _problems(bundle) -> list[str]:
    with pytest.raises(BundleError) as error:
        bundle_import(bundle)
    assert not Claim.objects.exists() and not Source.objects.exists()
    return error.value.problems


def test_a_bundle_imports_with_actors_by_name_or_alias():
    bundle_import(BUNDLE)
    claim = Claim.objects.get(slug="prisoners")
    assert claim.published
    assert claim.quantity_display == "more than 130,000 prisoners"
    assert claim.disputes.get().actor.name == "Konstantin Asmolov"
    statement = claim.statements.get()
    assert statement.date_iso == "2018-11"
    assert statement.passage.quote == "there are more than 130,000 prisoners"
    assert Source.objects.get().authors.get().name == "Konstantin Asmolov"


def test_importing_the_same_bundle_twice_changes_nothing():
    bundle_import(BUNDLE)
    counts = [m.objects.count() for m in (Actor, Source, Passage, Claim, Statement)]
    history = Claim.history.count()
    report = bundle_import(BUNDLE)
    assert str(report) == "created nothing; updated nothing"
    assert [m.objects.count() for m in (Actor, Source, Passage, Claim, Statement)] == counts
    assert Claim.history.count() == history


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"claims.0.disputes.0.quote": "Asmolov wondered how"},
            "claims[0].disputes[0].quote: not found in source “an-article”",
        ),
        (
            {"claims.0.statements.0.quote": "more than 130,000 prisonners"},
            "the closest text is “more than 130,000 prisoners”",
        ),
        ({"claims.0.statements.0.actor": "Nobody"}, "claims[0].statements[0].actor: unknown actor"),
        (
            {"claims.0.statements.0.source": "nowhere"},
            "claims[0].statements[0].source: unknown source",
        ),
        ({"claims.0.disputes.0.kind": "hates"}, "claims[0].disputes[0].kind:"),
        ({"claims.0.disputes.0.counterclaim": "nothing"}, "unknown claim “nothing”"),
        ({"claims.0.disputes.0.counterclaim": "prisoners"}, "its own counterclaim"),
        ({"claims.0.colour": "red"}, "claims[0].colour: unknown key"),
        ({"sources.0.date": "2018-13"}, "sources[0].date:"),
        ({"claims.0.key": "prisoners\n"}, "claims[0].key:"),
        ({"claims.0.quantity.value": 1e30}, "claims[0].quantity.value: 1e+30 is too large"),
        ({"claims.0.quantity.value": 0.0000004}, "more than 6 decimal places"),
        ({"claims.0.quantity.value_max": 10}, "claims[0].quantity.value_max: is below value"),
        ({"claims.0.quantity.qualifier": "roughly"}, "claims[0].quantity.qualifier:"),
        ({"actors.0.name": "A" * 201}, "actors[0].name: is longer than 200 characters"),
        ({"claims.0.key": "k" * 101}, "claims[0].key: is longer than 100 characters"),
        ({"actors.1.wikidata": "Q42970"}, "actors[1].wikidata: Q42970 is already another actor's"),
        ({"actors.1.aliases": ["Amnesty International"]}, "is already used by another actor"),
        ({"actors.0.kind": "alien"}, "actors[0].kind:"),
        ({"format": "claims-bundle/2"}, "format: must be"),
        ({"claims.0.text": _DELETE}, "claims[0].text: is required"),
        ({"claims.0.published": "yes"}, "claims[0].published: has the wrong type"),
        (
            {"claims.0.disputes.1": BUNDLE["claims"][0]["disputes"][0] | {"note": "Again."}},
            "claims[0].disputes[1]: repeats claims[0].disputes[0] (the same actor and passage)",
        ),
    ],
)
def test_a_bad_bundle_is_rejected_whole_naming_the_item(changes, expected):
    problems = _problems(_bundle(**changes))
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_at_once():
    problems = _problems(
        _bundle(
            **{
                "claims.0.statements.0.actor": "Nobody",
                "claims.0.disputes.0.quote": "nowhere to be seen",
                "sources.0.date": "someday",
            }
        )
    )
    assert len(problems) == 3


def test_a_repeated_quote_needs_a_prefix_or_suffix():
    text = "He said no. Then she said no."
    bundle = _bundle(
        **{
            "sources.0.text": text,
            "claims.0.statements.0.quote": "said no",
            "claims.0.disputes.0.quote": "Then she said no",
        }
    )
    assert any("occurs 2 times" in p for p in _problems(bundle))
    bundle["claims"][0]["statements"][0]["prefix"] = "she "
    bundle_import(bundle)
    assert Passage.objects.get(quote="said no").start == text.rindex("said no")


def test_an_alias_that_is_another_existing_actors_name_is_refused():
    ActorFactory(name="B2")
    problems = _problems(_bundle(**{"actors.1.aliases": ["B2"]}))
    assert any("“B2” already names B2" in p for p in problems)


def test_a_name_that_fits_two_existing_actors_is_refused_not_guessed():
    ActorFactory(name="Kim")
    AliasFactory(actor=ActorFactory(name="Kim Song"), name="Kim")  # legacy data, not clean
    problems = _problems(_bundle(**{"claims.0.statements.0.actor": "Kim"}))
    assert any(
        "claims[0].statements[0].actor: “Kim” names more than one actor" in p for p in problems
    )


def test_a_new_text_reanchors_existing_passages_keeping_their_ids():
    bundle_import(BUNDLE)
    ids = dict(Passage.objects.values_list("quote", "pk"))
    report = bundle_import(_bundle(**{"sources.0.text": "PREFIX INSERTED. " + TEXT}))
    assert report.reanchored == {"an-article": "2 passage(s) re-anchored"}
    for passage in Passage.objects.all():
        assert passage.pk == ids[passage.quote]
        assert passage.source.text[passage.start : passage.end] == passage.quote


def test_a_new_text_that_orphans_a_passage_imports_and_names_it(tmp_path, capsys):
    bundle_import(BUNDLE)
    orphaned = Passage.objects.get(quote="Asmolov asked how they knew")
    edited = _bundle(
        **{"sources.0.text": TEXT.replace("asked how they knew", "said nothing"), "claims": []}
    )
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    call_command("import_claims", str(path), stdout=open("/dev/null", "w"))
    err = capsys.readouterr().err
    assert f"1 marked as changed: #{orphaned.pk} “Asmolov asked how they knew”" in err
    orphaned.refresh_from_db()
    assert orphaned.changed and orphaned.quote == "Asmolov asked how they knew"


def test_an_existing_actor_named_by_its_alias_is_reused_not_renamed():
    actor = ActorFactory(name="Konstantin Asmolov")
    AliasFactory(actor=actor, name="K. Asmolov")
    bundle = _bundle(**{"actors.1.name": "K. Asmolov", "actors.1.aliases": []})
    bundle_import(bundle)
    actor.refresh_from_db()
    assert actor.name == "Konstantin Asmolov"
    assert Actor.objects.count() == 2


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "claims-bundle/1",\n  "actors": [,]\n}', encoding="utf-8")
    with pytest.raises(BundleError, match="line 3, column 14"):
        bundle_read(path)


def test_the_command_exits_nonzero_and_writes_nothing_for_a_bad_file(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(BUNDLE), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(_bundle(**{"claims.0.key": "other", "claims.0.statements.0.actor": "Nobody"}))
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_claims", str(good), str(bad))
    assert not Claim.objects.exists()
    call_command("import_claims", str(good), stdout=open("/dev/null", "w"))
    assert Claim.objects.count() == 1


def test_the_same_span_in_two_bundles_is_one_passage():
    bundle_import(BUNDLE)
    passage = Passage.objects.get(quote="there are more than 130,000 prisoners")
    again = _bundle(**{"claims.0.key": "again", "claims.0.disputes": []})
    bundle_import(again)
    assert Passage.objects.filter(quote=passage.quote).count() == 1


def test_an_imported_claims_history_records_its_topics():
    bundle_import(BUNDLE)
    claim = Claim.objects.get(slug="prisoners")
    first = claim.history.earliest("history_date")
    assert [t.topic.name for t in first.topics.all()] == ["political prisoners"]
    assert [t.name for t in claim.topics.all()] == ["political prisoners"]


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty

    def write(self, text, style_func=None, ending="\n"):
        return super().write(text + ending)


def test_a_progress_bar_is_drawn_on_a_terminal_for_many_items_only():
    from claims_app.management.commands._progress import TerminalProgress

    terminal, pipe = _Stream(tty=True), _Stream(tty=False)
    for stream in (terminal, pipe):
        progress = TerminalProgress(stream)
        progress("claims", 500, 1000)
        progress("claims", 1000, 1000)
        progress("actors", 20, 20)  # a few items: no bar
    assert "claims      [###############...............] 500/1000" in terminal.getvalue()
    assert "1000/1000" in terminal.getvalue()
    assert "actors" not in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_a_draft_in_a_bundle_stays_a_draft():
    bundle_import(_bundle(**{"claims.0.published": False}))
    assert not Claim.objects.get().published
    assert Claim.objects.public().count() == 0


def test_a_key_left_out_of_a_bundle_leaves_what_the_record_has():
    bundle_import(_bundle(**{"claims.0.published": False}))
    Actor.objects.filter(name="Konstantin Asmolov").update(description="A historian.")
    bundle_import(
        _bundle(
            **{
                "claims.0.topics": _DELETE,
                "sources.0.authors": _DELETE,
            }
        )
    )
    claim = Claim.objects.get()
    assert not claim.published  # re-importing never publishes a draft by omission
    assert [t.name for t in claim.topics.all()] == ["political prisoners"]
    assert Actor.objects.get(name="Konstantin Asmolov").description == "A historian."
    assert Source.objects.get().authors.get().name == "Konstantin Asmolov"


def test_a_claim_published_by_a_bundle_gets_its_publication_time():
    bundle_import(_bundle(**{"claims.0.published": False}))
    bundle_import(_bundle(**{"claims.0.published": True}))
    claim = Claim.objects.get()
    assert claim.published and claim.published_at is not None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"actors.1.aliases": ["X", "X"]}, "actors[1].aliases[1]: “X” is listed twice"),
        (
            {"sources.0.authors": ["Konstantin Asmolov", "K. Asmolov"]},
            "sources[0].authors[1]: names Konstantin Asmolov a second time",
        ),
        ({"claims.0.text": "nul\x00here"}, "claims[0].text: contains a NUL character"),
        (
            {"claims.0.statements.0.note": "half \ud800"},
            "claims[0].statements[0].note: contains an unpaired surrogate",
        ),
        (
            {"actors.0.affiliation": "Amnesty International"},
            "actors[0].affiliation: an actor cannot be affiliated to itself",
        ),
    ],
)
def test_more_bad_bundles_are_named_not_crashed_on(changes, expected):
    problems = _problems(_bundle(**changes))
    assert any(expected in p for p in problems), problems


def test_one_existing_actor_declared_twice_is_refused():
    bundle_import(BUNDLE)
    twice = _bundle(**{"actors.2": {"name": "K. Asmolov", "kind": "media"}})
    with pytest.raises(BundleError, match=r"actors\[2\]: declares Konstantin Asmolov again"):
        bundle_import(twice)


def test_a_changed_passage_is_never_reused_for_new_words():
    text = "The count is 5 people, they said."
    bundle = _bundle(
        **{
            "sources.0.text": text,
            "claims.0.statements.0.quote": "count is 5 people",
            "claims.0.disputes": [],
        }
    )
    bundle_import(bundle)
    old = Passage.objects.get()
    new_text = text.replace("5", "6")
    bundle_import(
        _bundle(
            **{
                "sources.0.text": new_text,
                "claims.0.statements.0.quote": "count is 6 people",
                "claims.0.disputes": [],
            }
        )
    )
    old.refresh_from_db()
    assert old.changed and old.quote == "count is 5 people"
    cited = [s.passage for s in Statement.objects.select_related("passage")]
    assert any(p.quote == "count is 6 people" and not p.changed for p in cited)


def test_passages_that_came_to_share_words_export_and_reimport():
    text = "cats here. cats there."
    bundle = _bundle(
        **{
            "sources.0.text": text,
            "claims.0.disputes": [],
            "claims.0.statements": [
                {"actor": "K. Asmolov", "source": "an-article", "quote": "cats", "suffix": " here"},
                {
                    "actor": "K. Asmolov",
                    "source": "an-article",
                    "quote": "cats",
                    "suffix": " there",
                },
            ],
        }
    )
    bundle_import(bundle)
    source = Source.objects.get(slug="an-article")
    source.text = "cats here."
    source.save()
    exported = bundle_export()
    _empty_database()
    bundle_import(exported)
    assert bundle_dumps(bundle_export()) == bundle_dumps(exported)


def test_a_changed_passage_with_nothing_close_is_left_out_of_the_export_and_named():
    bundle_import(BUNDLE)
    source = Source.objects.get()
    source.text = "Amnesty said there are more than 130,000 prisoners. The weather was fine."
    source.save()
    left_out = []
    exported = bundle_export(left_out=left_out.append)
    assert exported["claims"][0]["disputes"] == []
    assert "the dispute by Konstantin Asmolov is left out" in left_out[0]
    assert "“Asmolov asked how they knew”" in left_out[0]
    _empty_database()
    bundle_import(exported)  # what is exported always imports


def test_precise_decimals_survive_the_round_trip():
    bundle_import(_bundle(**{"claims.0.quantity": {"value": "123456789.345678"}}))
    exported = bundle_export()
    _empty_database()
    bundle_import(exported)
    assert str(Claim.objects.get().quantity_value.normalize()) == "123456789.345678"
    too_precise = _bundle(**{"claims.0.quantity": {"value": "1234567890123.456"}})
    with pytest.raises(BundleError, match="more than 15 significant digits"):
        bundle_import(too_precise)


def test_a_reimport_that_changes_a_claim_updates_its_time_and_history():
    bundle_import(_bundle(**{"claims.0.topics": []}))
    claim = Claim.objects.get()
    before, records = claim.updated_at, claim.history.count()
    bundle_import(_bundle(**{"claims.0.text": "Edited words."}))
    claim.refresh_from_db()
    assert claim.updated_at > before
    assert claim.history.count() > records
    creation = claim.history.earliest("history_date")
    assert list(creation.topics.all()) == []  # the first record is not rewritten
    assert [t.name for t in claim.topics.all()] == ["political prisoners"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda b: b["claims"][0].update(published_at="yesterday"),
            "claims[0].published_at: “yesterday” is not a date and time with its offset",
        ),
        (
            lambda b: b["claims"][0].update(published_at="2026-11-25T10:00:00"),
            "claims[0].published_at: “2026-11-25T10:00:00” is not a date and time with its offset",
        ),
        (
            lambda b: b["claims"][0]["statements"][0].update(passage=0),
            "claims[0].statements[0].passage: 0 is not a passage id (1 or more)",
        ),
        (
            lambda b: b["claims"][0]["statements"][0].update(id="7"),
            "claims[0].statements[0].id: has the wrong type (str)",
        ),
        (
            lambda b: b.update(deleted_passages=[{"id": 3}]),
            "deleted_passages[0].deleted_at: is required",
        ),
        (
            lambda b: b.update(deleted_passages=[{"id": -3, "deleted_at": "2026-01-01T00:00:00Z"}]),
            "deleted_passages[0].id: -3 is not a passage id (1 or more)",
        ),
    ],
)
def test_bad_restore_keys_are_rejected_naming_the_item(change, expected):
    bundle = _bundle()
    change(bundle)
    with pytest.raises(BundleError) as error:
        bundle_import(bundle)
    assert expected in error.value.problems
    assert Claim.objects.count() == 0


# Sources read from pages -----------------------------------------------------------------------

PAGES = [
    "Report of the commission. Contents.",
    "The commission found that officials use torture.",
    "Witnesses described the camps in detail. The commission",
    "recommends a referral. 정치범 수용소는 존재한다.",
]


def _paged(pages=PAGES, statements=None, disputes=None):
    return _bundle(
        **{
            "sources.0.text": _DELETE,
            "sources.0.pages": pages,
            "claims.0.statements": statements
            or [{"actor": "Amnesty International", "source": "an-article", "quote": "use torture"}],
            "claims.0.disputes": disputes or [],
        }
    )


def test_a_source_given_as_pages_keeps_them_and_its_passages_know_their_pages():
    across = "in detail. The commission\nrecommends"
    bundle_import(
        _paged(
            disputes=[
                {
                    "actor": "K. Asmolov",
                    "source": "an-article",
                    "kind": "questions",
                    "quote": across,
                }
            ]
        )
    )
    source = Source.objects.get()
    assert source.text == "\n".join(PAGES)
    assert source.page_breaks == [36, 85, 141]
    assert source.page_count == 4
    on_two = Passage.objects.get(quote="use torture")
    assert (on_two.page, on_two.page_end, on_two.pages_display) == (2, None, "p. 2")
    crossing = Passage.objects.get(quote=across)
    assert (crossing.page, crossing.page_end, crossing.pages_display) == (3, 4, "pp. 3–4")


def test_a_quote_in_korean_on_a_later_page_is_found_there():
    bundle_import(
        _paged(
            statements=[
                {"actor": "Amnesty International", "source": "an-article", "quote": "정치범 수용소"}
            ]
        )
    )
    passage = Passage.objects.get()
    assert passage.source.text[passage.start : passage.end] == "정치범 수용소"
    assert passage.pages_display == "p. 4"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda source: source.update(text=TEXT, pages=PAGES),
            "sources[0]: gives both `text` and `pages`: give one",
        ),
        (
            lambda source: source.pop("pages"),
            "sources[0]: needs `text` (the whole text), `pages` (a list of page texts) or "
            "`file` (a PDF or a saved web page beside the bundle), or for a transcript `turns` "
            "(a list of speakers' turns)",
        ),
        (
            lambda source: source.update(pages=[]),
            "sources[0].pages: must not be empty (a list of page texts)",
        ),
        (
            lambda source: source.update(pages=["Page one.", 2, None]),
            "sources[0].pages[1]: must be a page's text (a string), not int",
        ),
        (
            lambda source: source.update(pages=["Page one.", None]),
            "sources[0].pages[1]: must be a page's text (a string), not NoneType",
        ),
        (
            lambda source: source.update(pages="use torture"),
            "sources[0].pages: has the wrong type (str)",
        ),
        (lambda source: source.update(pages=["", " "]), "sources[0].pages: every page is empty"),
        (
            lambda source: source.update(pages=["use torture", "nul\x00"]),
            "sources[0].pages[1]: contains a NUL character",
        ),
    ],
)
def test_bad_pages_reject_the_bundle_naming_the_source(change, expected):
    bundle = _paged()
    change(bundle["sources"][0])
    problems = _problems(bundle)
    assert expected in problems, problems


def test_new_pages_for_a_source_move_its_passages_and_their_pages():
    bundle_import(_paged())
    passage = Passage.objects.get()
    assert passage.page == 2
    inserted = [PAGES[0], "A page added before the findings.", *PAGES[1:]]
    report = bundle_import(_paged(pages=inserted))
    assert report.reanchored == {"an-article": "1 passage(s) re-anchored"}
    source = Source.objects.get()
    assert (source.text, source.page_breaks) == anchoring.pages_join(inserted)
    passage.refresh_from_db()
    assert passage.source.text[passage.start : passage.end] == "use torture"
    assert passage.page == 3
    # The same words as one text: the source has no pages any more.
    as_text = _paged()
    del as_text["sources"][0]["pages"]
    as_text["sources"][0]["text"] = "\n".join(inserted)
    bundle_import(as_text)
    source.refresh_from_db()
    assert source.page_breaks == [] and source.text == "\n".join(inserted)
    assert Passage.objects.get().pages_display == ""


def test_the_same_pages_imported_again_change_nothing():
    bundle_import(_paged())
    assert str(bundle_import(_paged())) == "created nothing; updated nothing"

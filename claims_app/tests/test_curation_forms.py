"""The classic admin forms a curator makes passages, statements and disputes in (issue 17,
items 2-6 where the old forms stay): passages made with their source in one save, the two
ways to give a statement's words told apart, a repeated quote resolved from the form that
refused it, and saved words shown with their line breaks."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from claims_app.models import Passage, Source, Statement

from . import browser
from .actions import Hands
from .factories import ActorFactory, PassageFactory, SourceFactory
from .test_admin import _inline_management
from .test_journeys import choose

pytestmark = pytest.mark.django_db

# "the figure" three times; a paragraph break after the first sentence.
TEXT = (
    "The committee put the figure at 1,200.\n"
    "The panel's chair said the figure was low; critics said the figure was high."
)


def _new_source(text: str, passages: list[tuple[str, int | str]]) -> dict:
    """The source add form as a browser posts it: `text` pasted, and a new passage row for
    each (quote, start) that selecting words in the text filled in."""
    data = {
        "title": "Camps and figures",
        "slug": "",
        "kind": "article",
        "language": "en",
        "date_precision": "day",
        "url": "",
        "archive_url": "",
        "text": text.replace("\n", "\r\n"),  # as a browser sends a textarea
        **_inline_management("authorships"),
        **_inline_management("passages", total=len(passages)),
    }
    for n, (quote, start) in enumerate(passages):
        data |= {f"passages-{n}-quote": quote.replace("\n", "\r\n"), f"passages-{n}-start": start}
        data |= {f"passages-{n}-prefix": "", f"passages-{n}-suffix": ""}
    return data


def _occurrences(page: str) -> list[tuple[str, str]]:
    """The places a refused quote's error offers: (offset, the field its button fills)."""
    return re.findall(r'data-start="(\d+)" data-field="([\w-]+)"', page)


# Item 2: passages made by selection before the source's first save


def test_a_new_source_is_saved_with_the_passages_selected_in_its_text(editor_client):
    second = TEXT.index("the figure", TEXT.index("the figure") + 1)
    data = _new_source(
        TEXT, [("The panel's chair said", TEXT.index("The panel")), ("the figure", second)]
    )
    response = editor_client.post("/admin/claims_app/source/add/", data)
    assert response.status_code == 302, response.content.decode()
    source = Source.objects.get()
    assert source.text == TEXT
    # The repeated phrase is the occurrence its start offset names, not the first.
    assert sorted(source.passages.values_list("quote", "start")) == [
        ("The panel's chair said", TEXT.index("The panel")),
        ("the figure", second),
    ]


def test_a_passage_selected_in_an_edited_text_is_placed_in_the_text_saved_with_it(editor_client):
    source = SourceFactory(text=TEXT)
    edited = "Preface.\n" + TEXT
    third = edited.rindex("the figure")
    data = _new_source(edited, [("the figure", third)])
    data |= {
        "title": source.title,
        "slug": source.slug,
        "_seen_version": _seen(editor_client, source),
    }
    response = editor_client.post(f"/admin/claims_app/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    assert Passage.objects.get().start == third


def _seen(client, source) -> str:
    page = client.get(f"/admin/claims_app/source/{source.pk}/change/").content.decode()
    return re.search(r'name="_seen_version" value="([^"]+)"', page)[1]


def test_the_source_form_offers_selecting_words_in_its_text_field_shown_once(editor_client):
    page = editor_client.get("/admin/claims_app/source/add/").content.decode()
    assert 'data-text="id_text" hidden>Make a passage of the selected words</button>' in page
    assert "admin/claims/passage_select.js" in page
    source = SourceFactory(text=TEXT)
    page = editor_client.get(f"/admin/claims_app/source/{source.pk}/change/").content.decode()
    assert page.count("The panel&#x27;s chair said") == 1  # in the Text field only
    assert "collapse" not in page


# Item 3: a statement's words, one of two ways, each under its heading


@pytest.mark.parametrize(
    "url",
    [
        "/admin/claims_app/claim/add/",
        "/admin/claims_app/statement/add/",
        "/admin/claims_app/dispute/add/",
    ],
)
def test_the_two_ways_to_give_a_statements_words_are_headed_and_the_quote_comes_first(
    editor_client, url
):
    page = editor_client.get(url).content.decode()
    places = [
        re.search(pattern, page).start()
        for pattern in (
            r">An existing passage</h\d>",
            r'<label[^>]*for="id_[\w-]*passage"',
            r">Or a source and its words</h\d>",
            r'<label[^>]*for="id_[\w-]*source"',
            r'<label[^>]*for="id_[\w-]*quote">Quote:',
            r'<label[^>]*for="id_[\w-]*quote_start">Starts at:',
        )
    ]
    assert places == sorted(places)
    assert "Quote starts at" not in page and "Or, instead of a passage" not in page


# Item 4: a quote found three times is resolved from the form that refused it


def test_a_statement_quote_found_three_times_offers_each_place_to_choose(editor_client):
    source = SourceFactory(text=TEXT)
    claim_form = {
        "text": "The figure is 1,200.",
        "title": "",
        "slug": "",
        "quantity_qualifier": "",
        **_inline_management("statements", total=1),
        "statements-0-actor": ActorFactory().pk,
        "statements-0-source": source.pk,
        "statements-0-quote": "the figure",
        "statements-0-date_precision": "day",
        **_inline_management("disputes"),
    }
    response = editor_client.post("/admin/claims_app/claim/add/", claim_form)
    page = response.content.decode()
    assert (
        "These words occur 3 times in the text. Choose one: put its offset into “Starts at”" in page
    )
    starts = [str(m.start()) for m in re.finditer("the figure", TEXT)]
    assert _occurrences(page) == [(start, "id_statements-0-quote_start") for start in starts]
    assert 'id="id_statements-0-quote_start"' in page  # the field the message names
    assert "prefix" not in page.split("These words occur")[1].split("</ul>")[0]
    assert (
        "…at 1,200. ¶ The panel&#x27;s chair said <mark>the figure</mark> was low; critics said "
        "the figure was…" in page
    )
    assert not Statement.objects.exists()

    claim_form["statements-0-quote_start"] = starts[2]
    assert editor_client.post("/admin/claims_app/claim/add/", claim_form).status_code == 302
    assert Statement.objects.get().passage.start == int(starts[2])


def test_a_passage_quote_found_three_times_names_the_start_field_of_its_form(editor_client):
    source = SourceFactory(text=TEXT)
    response = editor_client.post(
        "/admin/claims_app/passage/add/", {"source": source.pk, "quote": "the figure"}
    )
    page = response.content.decode()
    assert "put its offset into “Start offset”" in page
    assert [field for _, field in _occurrences(page)] == ["id_start"] * 3
    data = _new_source(TEXT, [("the figure", "")])
    page = editor_client.post("/admin/claims_app/source/add/", data).content.decode()
    assert [field for _, field in _occurrences(page)] == ["id_passages-0-start"] * 3
    assert Source.objects.count() == 1  # not the new one


# Item 6: saved words with their line breaks


def test_a_saved_passages_words_show_their_line_breaks(editor_client):
    source = SourceFactory(text=TEXT)
    passage = PassageFactory(source=source, words="put the figure at 1,200")
    assert passage.suffix.startswith(".\nThe panel")
    shown = '.<span class="line-break" title="a line break">¶</span>\nThe panel&#x27;s chair'
    for url in (
        f"/admin/claims_app/source/{source.pk}/change/",
        f"/admin/claims_app/passage/{passage.pk}/change/",
    ):
        page = editor_client.get(url).content.decode()
        assert re.search(
            r'<output id="id_(passages-0-)?suffix" class="passage-words">' + re.escape(shown), page
        ), url
        assert "admin/claims/passage_words.css" in page


def test_saving_a_source_with_a_saved_passage_keeps_the_passage(editor_client):
    source = SourceFactory(text=TEXT)
    passage = PassageFactory(source=source, words="put the figure at 1,200")
    data = _new_source(TEXT, [])
    data |= {
        "title": source.title,
        "slug": source.slug,
        "_seen_version": _seen(editor_client, source),
    }
    data |= _inline_management("passages", total=1, initial=1)
    data |= {"passages-0-id": passage.pk, "passages-0-source": source.pk}
    response = editor_client.post(f"/admin/claims_app/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    kept = Passage.objects.get()
    assert (kept.quote, kept.prefix, kept.suffix) == (passage.quote, passage.prefix, passage.suffix)


# In a browser: what the forms' scripts do


def _log_in(page):
    User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    browser.log_in(page, "curator", "a long passphrase")


def test_a_passage_is_selected_by_keyboard_in_a_new_sources_text(browser_page, transactional_db):
    page = browser_page
    _log_in(page)
    page.goto("/admin/claims_app/source/add/")
    page.get_by_label("Title:").fill("Camps and figures")
    page.get_by_label("Text:").fill(TEXT)
    hands = Hands(page)  # the keys a curator presses, from the start of the text
    hands.press("Home")  # the caret at the start of the last line, where "the panel's" is
    words = "The panel's chair said"
    hands.select_by_keys(len(words))
    hands.press("Tab", "to the button")
    expect(page.get_by_role("button", name="Make a passage of the selected words")).to_be_focused()
    hands.press("Enter")
    expect(page.locator(".make-passage-status")).to_have_text(
        f"A passage of {len(words)} characters starting at {TEXT.index(words)} is ready below: "
        "it is made when you save."
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert list(Passage.objects.values_list("quote", "start")) == [(words, TEXT.index(words))]


def test_words_selected_in_a_text_kept_with_crlf_are_placed_in_it(browser_page, transactional_db):
    source = SourceFactory(text=TEXT.replace("\n", "\r\n"))
    page = browser_page
    _log_in(page)
    page.goto(f"/admin/claims_app/source/{source.pk}/change/")
    # "the figure" a third time, as the field (with LF line breaks) has it.
    at = TEXT.rindex("the figure")
    page.eval_on_selector(
        "#id_text", "(text, at) => { text.focus(); text.setSelectionRange(at, at + 10); }", at
    )
    page.get_by_role("button", name="Make a passage of the selected words").click()
    expect(page.locator("input[name=passages-0-start]")).to_have_value(str(at + 1))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    passage = Passage.objects.get()
    assert passage.start == source.text.rindex("the figure") == at + 1


def test_a_place_of_a_repeated_quote_is_taken_with_one_click(browser_page, transactional_db):
    source = SourceFactory(text=TEXT)
    page = browser_page
    _log_in(page)
    page.goto("/admin/claims_app/passage/add/")
    choose(page, "id_source", source.title, str(source))
    page.get_by_label("Quote:").fill("the figure")
    page.get_by_role("button", name="Save", exact=True).click()
    places = page.locator(".occurrences li")
    expect(places).to_have_count(3)
    second = TEXT.index("the figure", TEXT.index("the figure") + 1)
    page.get_by_role("button", name=f"Take the one at {second}").click()
    expect(page.get_by_label("Start offset:")).to_have_value(str(second))
    expect(page.get_by_label("Start offset:")).to_be_focused()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Passage.objects.get().start == second

"""Issue 17's curator journey through the annotation view, in Chromium, each user action counted
(tests/actions.py): paste an article, "Save and annotate", two passages (a statement on a new
claim, a dispute of it by another actor), publish, and find both sides on the public claim page.
Once by mouse, once by keyboard alone. The old forms' count is test_journeys.py's business."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from claims_app.models import Actor, Claim, Dispute, Passage, Source, Statement

from . import browser
from .actions import Hands
from .factories import editors_group
from .test_accessibility import axe_violations
from .test_curation_journey import TODAYS_FORMS_BY_KEYBOARD, TODAYS_FORMS_BY_MOUSE
from .test_journeys import ARTICLE

TITLE = "Camps still hold thousands, a defector says"
MADE = "the northern camps still hold thousands of prisoners"
DENIED = "The ministry called the account a fabrication"
CLAIM = "The northern camps still hold thousands of prisoners."
# What each path takes, asserted exactly (a change that adds a step is noticed), and at most
# half of what today's forms take (issue 17).
BY_MOUSE = 12
BY_KEYBOARD = 19


def _log_in(page) -> None:
    browser.log_in(page, "editor", "a long passphrase")  # on the admin index: the start


@pytest.fixture
def curator(open_browser, transactional_db):
    user = User.objects.create_user("editor", password="a long passphrase", is_staff=True)
    user.groups.add(editors_group())  # a browser test's database is flushed after it
    guard = Actor.objects.create(name="A former camp guard", kind=Actor.Kind.PERSON)
    ministry = Actor.objects.create(name="The Ministry of Security", kind=Actor.Kind.ORGANIZATION)
    page = open_browser()
    _log_in(page)
    return page, guard, ministry


def _saved(page, words: str) -> None:
    """The save is said, and the new passage is marked in the text without a reload."""
    expect(page.locator("#annotate-text mark.annotate-new")).to_have_text(words)
    expect(page.locator("#annotate-status")).to_contain_text("Saved:")
    passage = Passage.objects.filter(quote=words).latest("pk")
    expect(page.locator(f"#annotate-text mark#passage-{passage.pk}")).to_have_text(words)


def _both_sides_on_the_public_page(page, guard, ministry) -> None:
    claim = Claim.objects.get()
    assert claim.published and claim.status == "disputed" and claim.text == CLAIM
    expect(page).to_have_url(re.compile(re.escape(claim.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(CLAIM)
    statement = page.locator("article.citation.statement")
    expect(statement).to_contain_text(guard.name)
    expect(statement.locator("blockquote")).to_have_text(MADE)
    dispute = page.locator("article.citation.dispute")
    expect(dispute).to_contain_text(ministry.name)
    expect(dispute).to_contain_text("denies")
    expect(dispute.locator("blockquote")).to_have_text(DENIED)


def _rows_are_right(guard, ministry) -> None:
    source = Source.objects.get()
    assert (source.title, source.text) == (TITLE, ARTICLE)
    assert sorted(Passage.objects.values_list("start", "end")) == [
        (ARTICLE.index(MADE), ARTICLE.index(MADE) + len(MADE)),
        (ARTICLE.index(DENIED), ARTICLE.index(DENIED) + len(DENIED)),
    ]
    assert Statement.objects.get().actor == guard
    assert Dispute.objects.get().actor == ministry and Dispute.objects.get().kind == "denies"


def test_the_curator_annotates_an_article_by_mouse_in_at_most_half_the_old_actions(curator):
    page, guard, ministry = curator
    hands = Hands(page)

    hands.click(page.locator("tr.model-source a.addlink"), "Sources: Add")
    hands.fill(page.get_by_label("Text:"), ARTICLE, "the article, pasted (its title: line 1)")
    hands.click(page.get_by_role("button", name="Save and annotate"), "Save and annotate")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annotate")

    hands.select_words("#annotate-text", MADE, "the claim's words")
    expect(page.get_by_label("Who", exact=True)).to_be_focused()  # the panel, at once
    hands.fill(page.get_by_label("Who", exact=True), guard.name, "who: typed in full")
    hands.fill(page.get_by_label("Which claim"), CLAIM, "a new claim")
    hands.click(page.get_by_role("button", name="Save", exact=True), "Save")
    _saved(page, MADE)

    hands.select_words("#annotate-text", DENIED, "the denial's words")
    hands.fill(page.get_by_label("Who", exact=True), ministry.name, "who")
    hands.choose(page.get_by_label("How", exact=True), "denies", "how: denies")
    expect(page.get_by_label("Which claim")).to_have_value(CLAIM)  # the claim just made
    hands.click(page.get_by_role("button", name="Save and publish"), "Save and publish")
    _saved(page, DENIED)
    _rows_are_right(guard, ministry)

    hands.click(page.locator("#annotate-public-link"), "the public page")
    _both_sides_on_the_public_page(page, guard, ministry)

    print("\n" + hands.summary("annotation view, by mouse"))
    assert hands.count == BY_MOUSE, hands.summary("annotation view, by mouse")
    assert 2 * hands.count <= TODAYS_FORMS_BY_MOUSE


def test_the_curator_annotates_an_article_by_keyboard_alone(curator):
    page, guard, ministry = curator
    hands = Hands(page)

    hands.go("/admin/claims_app/source/add/")
    expect(page.get_by_label("Title:")).to_be_focused()
    hands.press("Tab", "to the text (the title: its first line)")
    hands.type(ARTICLE, "the article")
    hands.press("Shift+Tab", "back to the title")
    hands.press("Enter", "Save and annotate (the form's first button)")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annotate")

    expect(page.get_by_label("Find words")).to_be_focused()
    hands.type(MADE, "find the claim's words")
    expect(page.locator("#annotate-find-status")).to_have_text("1 of 1: Enter to annotate it.")
    hands.press("Enter", "annotate them")
    expect(page.get_by_label("Who", exact=True)).to_be_focused()
    hands.type(guard.name, "who")
    hands.press("Tab", "to how (states)")
    hands.press("Tab", "to the claim")
    hands.type(CLAIM, "a new claim")
    hands.press("Enter", "save")
    _saved(page, MADE)

    expect(page.get_by_label("Find words")).to_be_focused()
    hands.type(DENIED, "find the denial's words")
    hands.press("Enter", "annotate them")
    hands.type(ministry.name, "who")
    hands.press("Tab", "to how")
    hands.type("denies", "how: denies")
    hands.press("Control+Enter", "save and publish")
    _saved(page, DENIED)
    _rows_are_right(guard, ministry)

    expect(page.locator("#annotate-public-link")).to_be_focused()
    hands.press("Enter", "to the public page")
    _both_sides_on_the_public_page(page, guard, ministry)

    print("\n" + hands.summary("annotation view, by keyboard"))
    assert hands.count == BY_KEYBOARD, hands.summary("annotation view, by keyboard")
    assert 2 * hands.count <= TODAYS_FORMS_BY_KEYBOARD


def test_the_annotation_view_has_no_serious_accessibility_violation(curator, open_browser):
    page = open_browser(bypass_csp=True)  # axe is added to the page as an inline script
    _log_in(page)
    source = Source.objects.create(title=TITLE, text=ARTICLE)
    page.goto(f"/admin/claims_app/source/{source.pk}/annotate/")
    page.get_by_label("Find words").fill(MADE)
    page.keyboard.press("Enter")
    page.get_by_label("Who", exact=True).fill("Somebody new")
    page.get_by_label("Which claim").fill(CLAIM)
    page.keyboard.press("Enter")  # refused: a new actor needs its kind
    expect(page.get_by_label("A new actor, of kind")).to_be_focused()
    expect(page.locator("#annotate-status")).to_contain_text("choose its kind")
    assert not Passage.objects.exists()
    page.get_by_label("A new actor, of kind").select_option("person")
    page.keyboard.press("Enter")
    _saved(page, MADE)
    assert Actor.objects.get(name="Somebody new").kind == "person"
    assert not axe_violations(page), axe_violations(page)


def test_typing_a_claim_lists_the_closest_existing_one_and_choosing_it_adds_to_it(curator):
    page, _, _ = curator
    amnesty = Actor.objects.create(name="Amnesty International", kind=Actor.Kind.ORGANIZATION)
    figure = "more than 130,000 people are held as political prisoners"
    source = Source.objects.create(title="A second article", text=f"It says {figure} there.")
    existing = Claim.objects.create(text="North Korea holds more than 130,000 political prisoners")
    Statement.objects.create(
        claim=existing,
        actor=amnesty,
        passage=Passage.objects.create(source=source, start=8, end=8 + len(figure), quote=figure),
    )
    other = Source.objects.create(title="A third article", text=f"Again: {figure}.")

    page.goto(f"/admin/claims_app/source/{other.pk}/annotate/")
    page.get_by_label("Find words").fill(figure)
    page.keyboard.press("Enter")
    page.get_by_label("Who", exact=True).fill("Amnesty International")
    page.get_by_label("Which claim").fill(
        "More than 130,000 people are held as political prisoners in North Korea"
    )
    choice = page.locator("#annotate-similar li").first
    expect(choice).to_contain_text(existing.text)
    expect(choice).to_contain_text("undisputed; draft; claimed by Amnesty International")
    choice.get_by_role("button").click()
    expect(page.get_by_label("Which claim")).to_have_value(existing.text)
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page, figure)

    assert Claim.objects.count() == 1
    assert Statement.objects.filter(claim=existing).count() == 2


def test_words_are_selected_with_the_caret_and_shift_arrows_and_the_text_refuses_typing(curator):
    page, guard, _ = curator
    source = Source.objects.create(title=TITLE, text=ARTICLE)
    page.goto(f"/admin/claims_app/source/{source.pk}/annotate/")
    page.keyboard.press("Tab")  # from "Find words" to the text: the caret at its start
    expect(page.locator("#annotate-text")).to_be_focused()
    page.keyboard.type("xyz")
    page.keyboard.press("Backspace")
    expect(page.locator("#annotate-text")).to_have_text(ARTICLE)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # the third line: "A former guard told…"
    page.keyboard.press("Home")
    page.keyboard.down("Shift")
    for _ in "A former guard":
        page.keyboard.press("ArrowRight")
    page.keyboard.up("Shift")
    expect(page.locator("#annotate-selected")).to_contain_text("“A former guard”")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Who", exact=True)).to_be_focused()
    page.keyboard.type(guard.name)
    page.get_by_label("Which claim").fill("A guard spoke.")
    page.keyboard.press("Enter")
    _saved(page, "A former guard")
    at = ARTICLE.index("A former guard")
    assert Passage.objects.get().start == at


def test_a_phrase_found_twice_is_saved_where_it_was_chosen(curator):
    page, guard, _ = curator
    text = "The camps are full. Nobody saw the camps."
    source = Source.objects.create(title="Twice", text=text)
    page.goto(f"/admin/claims_app/source/{source.pk}/annotate/")
    page.keyboard.type("the camps")
    expect(page.locator("#annotate-find-status")).to_contain_text("1 of 2")
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-find-status")).to_contain_text("2 of 2")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.type(guard.name)
    page.get_by_label("Which claim").fill("Nobody saw the camps.")
    page.keyboard.press("Enter")
    _saved(page, "the camps")
    assert Passage.objects.get().start == text.rindex("the camps")


def test_offsets_are_code_points_and_overlapping_passages_are_both_marked(curator):
    page, guard, _ = curator
    # An emoji is two UTF-16 units but one code point; a CRLF is two code points.
    text = "\U0001f4f0 News\r\nThe guard said the camps are full.\r\nThe end."
    source = Source.objects.create(title="Code points", text=text)
    said = "The guard said the camps"
    full = "the camps are full"
    Passage.objects.create(
        source=source, start=text.index(said), end=text.index(said) + len(said), quote=said
    )
    page.goto(f"/admin/claims_app/source/{source.pk}/annotate/")
    # The text shown once, as stored, both passages marked where they overlap.
    assert page.locator("#annotate-text").evaluate("box => box.textContent") == text
    page.keyboard.type(full)
    page.keyboard.press("Enter")
    page.keyboard.type(guard.name)
    page.get_by_label("Which claim").fill("The camps are full.")
    page.keyboard.press("Enter")
    expect(page.locator("#annotate-status")).to_contain_text("Saved:")
    passage = Passage.objects.get(quote=full)
    assert (passage.start, passage.end) == (text.index(full), text.index(full) + len(full))
    first = Passage.objects.get(quote=said)
    shared = page.locator(f'mark[data-passages="{first.pk} {passage.pk}"]')
    expect(shared).to_have_text("the camps")
    assert page.locator("#annotate-text").evaluate("box => box.textContent") == text

"""Issue 17's journey, counted: a curator, logged in at the admin index, pastes a short article,
makes two passages, records a claim with one statement and one dispute on them, publishes it,
and finds it on the public site. Each user action is counted under one rule
(`actions.Hands`); the count is asserted exactly, so that a change to the forms is noticed."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims_app.models import Actor, Claim, Passage, Source

from . import browser
from .actions import Hands
from .test_journeys import ARTICLE

TITLE = "Camps still hold thousands, a defector says"
MADE = "the northern camps still hold thousands of prisoners"
DENIED = "The ministry called the account a fabrication"
CLAIM = "The northern camps still hold thousands of prisoners."
# What the journey takes through today's forms (asserted exactly below): the annotation view
# must take at most half (test_annotate_journey.py).
TODAYS_FORMS_BY_MOUSE = 25
TODAYS_FORMS_BY_KEYBOARD = 172  # 171 before the source form's file field (issue 18): one Tab more


def _actors() -> tuple[Actor, Actor]:
    """The two actors of the curator's journey (test_journeys), already in the record."""
    guard = Actor.objects.create(name="A former camp guard", kind=Actor.Kind.PERSON)
    ministry = Actor.objects.create(name="The Ministry of Security", kind=Actor.Kind.ORGANIZATION)
    return guard, ministry


def _choose(hands: Hands, field_id: str, typed: str, option: str, what: str) -> None:
    """The admin's autocomplete, by mouse: open it, type, click the result."""
    page = hands.page
    hands.click(page.locator(f"#{field_id} + .select2 [role=combobox]"), f"open {what}")
    search = page.locator(".select2-container--open .select2-search__field")
    hands.fill(search, typed, f"search {what}: {typed!r}")
    hands.click(
        page.locator(".select2-results__option", has_text=option).first, f"pick {what}: {option}"
    )
    expect(page.locator(f"#select2-{field_id}-container")).to_contain_text(option)


def _public_claim_shows_both_sides(page, guard: Actor, ministry: Actor) -> None:
    claim = Claim.objects.get()
    assert claim.published and claim.status == "disputed"
    expect(page.get_by_role("heading", level=1)).to_have_text(CLAIM)
    expect(page.locator(".status")).to_have_text(re.compile("disputed", re.I))
    statement = page.locator("article.citation.statement")
    expect(statement).to_contain_text(guard.name)
    expect(statement.locator("blockquote")).to_have_text(MADE)
    dispute = page.locator("article.citation.dispute")
    expect(dispute).to_contain_text(ministry.name)
    expect(dispute.locator("blockquote")).to_have_text(DENIED)


def test_the_journey_through_todays_forms_counts_its_user_actions(browser_page, transactional_db):
    page = browser_page
    get_user_model().objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    guard, ministry = _actors()
    browser.log_in(page, "curator", "a long passphrase")  # at the admin index: counting starts
    hands = Hands(page)

    # The source: its article pasted, two passages selected in its text, one save.
    sources = page.locator("tr.model-source")
    hands.click(sources.get_by_role("link", name="Add"), "Add (source), on the index")
    # The title is left blank: the article's first line is its headline, and becomes the title.
    hands.fill(page.get_by_label("Text:"), ARTICLE, "Text: the article pasted")
    for words in (MADE, DENIED):
        hands.select_in_field("#id_text", words, f"select {words[:24]!r}… in the text")
        hands.click(
            page.get_by_role("button", name="Make a passage of the selected words"),
            "Make a passage of the selected words",
        )
        expect(page.locator(".make-passage-status")).to_contain_text(
            f"starting at {ARTICLE.index(words)}"
        )
    hands.click(page.get_by_role("button", name="Save", exact=True), "Save (source)")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    source = Source.objects.get()
    assert (source.title, source.text) == (TITLE, ARTICLE)
    assert sorted(Passage.objects.values_list("quote", flat=True)) == sorted([MADE, DENIED])

    # The claim, its statement and its dispute, their actors and passages found by typing.
    claims = page.locator("#nav-sidebar tr.model-claim")
    hands.click(claims.get_by_role("link", name="Add"), "Add (claim), in the side bar")
    hands.fill(page.get_by_label("Text:"), CLAIM, "Text (claim)")
    hands.click(page.get_by_text("Add another Statement"), "Add another Statement")
    _choose(hands, "id_statements-0-actor", "guard", guard.name, "actor")
    _choose(hands, "id_statements-0-passage", "northern camps", MADE, "passage")
    hands.click(page.get_by_text("Add another Dispute"), "Add another Dispute")
    _choose(hands, "id_disputes-0-actor", "ministry", ministry.name, "actor")
    expect(page.locator("#id_disputes-0-kind")).to_have_value("denies")  # the default kind
    _choose(hands, "id_disputes-0-passage", "fabrication", DENIED, "passage")
    hands.click(page.get_by_role("button", name="Save and publish"), "Save and publish")
    expect(page.locator(".messagelist")).to_contain_text("is saved and published")

    # On the public site, by the message's link (the curator stays on the claim): both sides
    # with their words.
    claim = Claim.objects.get()
    public = page.locator(".messagelist").get_by_role("link")
    hands.click(public, "the public link, in the message")
    expect(page).to_have_url(re.compile(re.escape(claim.get_absolute_url()) + "$"))
    _public_claim_shows_both_sides(page, guard, ministry)

    print("\n" + hands.summary("today's forms, by mouse"))
    assert hands.count == TODAYS_FORMS_BY_MOUSE, hands.summary("today's forms, by mouse")


def _keys_to(hands: Hands, key: str, times: int, target, what: str) -> None:
    """Presses of `key` (Tab or Shift+Tab), each counted, until the focus is on `target`: as
    many as the page's tab order takes (`times` is what it took when this was written; the
    journey's total is asserted). At most 80: a target never reached fails."""
    for _ in range(80):
        if target.evaluate("node => node === document.activeElement"):
            return
        hands.press(key, f"towards {what}")
    expect(target).to_be_focused()


def _choose_by_keys(hands: Hands, field_id: str, typed: str, option: str, what: str) -> None:
    """The admin's autocomplete, by keyboard, focused: Enter opens it, type, Enter picks the
    first result."""
    page = hands.page
    expect(page.locator(f"#{field_id} + .select2 [role=combobox]")).to_be_focused()
    hands.press("Enter", f"open {what}")
    expect(page.locator(".select2-container--open .select2-search__field")).to_be_focused()
    hands.type(typed, f"search {what}: {typed!r}")
    expect(page.locator(".select2-results__option--highlighted")).to_contain_text(option)
    hands.press("Enter", f"pick {what}: {option}")
    expect(page.locator(f"#select2-{field_id}-container")).to_contain_text(option)


def _selection(page) -> list[int]:
    return page.eval_on_selector("#id_text", "f => [f.selectionStart, f.selectionEnd]")


def test_the_journey_through_todays_forms_by_keyboard_counts_its_user_actions(
    browser_page, transactional_db
):
    """The same journey with no mouse at all: Tab and Shift+Tab through the forms as they are
    ordered, the caret moved in the text by arrows, the autocompletes opened by Enter."""
    page = browser_page
    get_user_model().objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    guard, ministry = _actors()
    browser.log_in(page, "curator", "a long passphrase")  # at the admin index: counting starts
    hands = Hands(page)

    # The source: the index's hint, where to start, links to its form.
    add_source = page.locator(".curation-start").get_by_role("link", name="add one")
    _keys_to(hands, "Tab", 7, add_source, "add one (a source), in the index's hint")
    hands.press("Enter", "Add (source)")
    expect(page.get_by_label("Title:")).to_be_focused()
    text = page.get_by_label("Text:")  # the title left blank: the article's first line
    _keys_to(hands, "Tab", 1, text, "Text")
    hands.type(ARTICLE, "Text: the article pasted")
    make = page.get_by_role("button", name="Make a passage of the selected words")

    # The denial first, nearer the caret, which the pasting left at the text's end: up a
    # line, to its start.
    hands.press("ArrowUp", "caret up a line")
    hands.press("Home", "caret to the line's start")
    assert _selection(page) == [ARTICLE.index(DENIED)] * 2
    hands.select_by_keys(len(DENIED), f"select {DENIED[:24]!r}… in the text")
    _keys_to(hands, "Tab", 1, make, "Make a passage")
    hands.press("Enter", "Make a passage of the selected words")
    status = page.locator(".make-passage-status")
    expect(status).to_contain_text(f"starting at {ARTICLE.index(DENIED)}")

    # Back in the text, whose selection is kept: up a line from its end lands inside
    # "northern", two words after the claim's start.
    _keys_to(hands, "Shift+Tab", 1, text, "Text")
    hands.press("ArrowUp", "caret up a line")
    hands.press("Control+ArrowLeft", "caret a word back", 2)
    assert _selection(page) == [ARTICLE.index(MADE)] * 2
    hands.select_by_keys(len(MADE), f"select {MADE[:24]!r}… in the text")
    _keys_to(hands, "Tab", 1, make, "Make a passage")
    hands.press("Enter", "Make a passage of the selected words")
    expect(status).to_contain_text(f"starting at {ARTICLE.index(MADE)}")

    # Saved by its Save button (Enter in a one-line field would press the form's first button,
    # "Save and annotate", and leave today's forms).
    save = page.get_by_role("button", name="Save", exact=True)
    _keys_to(hands, "Tab", 29, save, "Save (source)")
    hands.press("Enter", "Save (source)")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    source = Source.objects.get()
    assert (source.title, source.text) == (TITLE, ARTICLE)
    assert sorted(Passage.objects.values_list("quote", flat=True)) == sorted([MADE, DENIED])

    # The claim: its Add found by the side bar's filter, in the source list's tab order.
    nav_filter = page.get_by_placeholder("Start typing to filter…")
    _keys_to(hands, "Tab", 10, nav_filter, "the side bar's filter")
    hands.type("claims", "the side bar's filter: 'claims'")
    add_claim = page.locator("#nav-sidebar tr.model-claim").get_by_role("link", name="Add")
    _keys_to(hands, "Tab", 3, add_claim, "Add (claim), in the side bar")
    hands.press("Enter", "Add (claim)")
    expect(page.get_by_label("Text:")).to_be_focused()
    hands.type(CLAIM, "Text (claim)")

    # The statement: its form opens above its Add link, whose focus stays, so its fields are
    # reached backwards, the actor last; then forwards to the disputes' Add link.
    add_statement = page.get_by_text("Add another Statement")
    _keys_to(hands, "Tab", 9, add_statement, "Add another Statement")
    hands.press("Enter", "Add another Statement")
    passage = page.locator("#id_statements-0-passage + .select2 [role=combobox]")
    _keys_to(hands, "Shift+Tab", 7, passage, "the statement's Passage")
    _choose_by_keys(hands, "id_statements-0-passage", "northern camps", MADE, "passage")
    actor = page.locator("#id_statements-0-actor + .select2 [role=combobox]")
    _keys_to(hands, "Shift+Tab", 6, actor, "the statement's Actor")
    _choose_by_keys(hands, "id_statements-0-actor", "guard", guard.name, "actor")
    add_dispute = page.get_by_text("Add another Dispute")
    _keys_to(hands, "Tab", 20, add_dispute, "Add another Dispute")
    hands.press("Enter", "Add another Dispute")

    # The dispute, the same way; its kind is "denies" unless changed, so it is left alone.
    passage = page.locator("#id_disputes-0-passage + .select2 [role=combobox]")
    _keys_to(hands, "Shift+Tab", 9, passage, "the dispute's Passage")
    _choose_by_keys(hands, "id_disputes-0-passage", "fabrication", DENIED, "passage")
    expect(page.locator("#id_disputes-0-kind")).to_have_value("denies")
    actor = page.locator("#id_disputes-0-actor + .select2 [role=combobox]")
    _keys_to(hands, "Shift+Tab", 7, actor, "the dispute's Actor")
    _choose_by_keys(hands, "id_disputes-0-actor", "ministry", ministry.name, "actor")
    publish = page.get_by_role("button", name="Save and publish")
    _keys_to(hands, "Tab", 26, publish, "Save and publish")
    hands.press("Enter", "Save and publish")
    expect(page.locator(".messagelist")).to_contain_text("is saved and published")

    # On the public site, by the message's link (the curator stays on the claim), past the
    # skip link.
    claim = Claim.objects.get()
    skip = page.get_by_role("link", name="Skip to main content")
    _keys_to(hands, "Tab", 1, skip, "Skip to main content")
    hands.press("Enter", "Skip to main content")
    public = page.locator(".messagelist").get_by_role("link")
    _keys_to(hands, "Tab", 1, public, "the public link, in the message")
    hands.press("Enter", "the public link, in the message")
    expect(page).to_have_url(re.compile(re.escape(claim.get_absolute_url()) + "$"))
    _public_claim_shows_both_sides(page, guard, ministry)

    print("\n" + hands.summary("today's forms, by keyboard"))
    assert hands.count == TODAYS_FORMS_BY_KEYBOARD, hands.summary("today's forms, by keyboard")

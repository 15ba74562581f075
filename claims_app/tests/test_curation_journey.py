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

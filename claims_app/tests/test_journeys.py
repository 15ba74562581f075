"""The three journeys, in a real browser (Debian's Chromium, driven by Playwright) against a
live test server: what a curator, a reader and a citer do, and what each of them sees."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims_app.models import Actor, Claim, Passage, Source

from . import browser
from .actions import select_in_field
from .page_types import CLAIM

ARTICLE = """Camps still hold thousands, a defector says

A former guard told the inquiry that the northern camps still hold thousands of prisoners.
The ministry called the account a fabrication and said no such camps exist.
Satellite images published last year show the camps' fences being extended."""


def test_the_reader_searches_narrows_opens_a_claim_and_reaches_the_disputed_words(
    every_page, browser_page
):
    page = browser_page
    page.goto("/")
    search = page.get_by_label("Search the claims, their quotes and the people behind them")
    search.fill("prisoners")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/claims/\?q=prisoners"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Claims")

    # A facet narrows the list to the disputed claims, and says so.
    page.locator(".facet").filter(has_text="Status").get_by_role(
        "link", name=re.compile(r"^disputed\b")
    ).first.click()
    expect(page).to_have_url(re.compile(r"status=disputed"))
    claim = Claim.objects.get(slug=CLAIM)
    rows = page.locator("ol.claims > li")
    expect(rows.first).to_be_visible()
    for text in rows.locator(".status").all_inner_texts():
        assert text.strip().lower() == "disputed"

    page.get_by_role("link", name=claim.text).click()
    expect(page).to_have_url(re.compile(f"/claims/{CLAIM}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(claim.text)

    # A dispute's quote leads to its passage, and from there to the words in their source.
    dispute = claim.disputes.order_by("pk").first()
    passage = dispute.passage
    page.locator(f"#dispute-{dispute.pk} blockquote a").click()
    expect(page).to_have_url(re.compile(f"/passages/{passage.pk}/$"))
    expect(page.locator(f"mark#passage-{passage.pk}")).to_have_text(passage.quote)
    page.get_by_role("link", name="Read it in context").click()
    expect(page).to_have_url(re.compile(f"/sources/{passage.source.slug}/#passage-{passage.pk}$"))
    mark = page.locator(f"mark#passage-{passage.pk}")
    expect(mark).to_have_text(passage.quote)
    expect(mark).to_be_in_viewport()
    # Highlighted, and marked as the one asked for: an outline on the target passage only.
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert mark.evaluate("m => getComputedStyle(m).outlineStyle") == "solid"
    other = page.locator("mark.passage:not(:target)").first
    assert other.evaluate("m => getComputedStyle(m).outlineStyle") == "none"


def test_the_citer_copies_a_passage_citation_holding_its_permalink(
    every_page, open_browser, live_server
):
    page = open_browser(permissions=["clipboard-read", "clipboard-write"])
    passage = Claim.objects.get(slug=CLAIM).statements.order_by("pk").first().passage
    page.goto(f"/passages/{passage.pk}/")
    page.get_by_role("button", name="Copy the citation").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    permalink = f"{live_server.url}/passages/{passage.pk}/"
    assert copied.endswith(permalink)
    assert f"“{passage.quote}”" in copied
    # The title as written, its own quotation marks single inside the citation's double ones.
    assert "“DPRK Is Still Being Persecuted For ‘Violating Human Rights’”" in copied
    # The permalink it holds shows the same words.
    page.goto(permalink)
    expect(page.locator(f"mark#passage-{passage.pk}")).to_have_text(passage.quote)


def choose(page, field_id: str, typed: str, option: str):
    """Pick in the admin's autocomplete widget: open it, type, click the matching result."""
    widget = page.locator(f"#{field_id} + .select2 [role=combobox]")
    label = page.locator(f"label[for={field_id}]").inner_text()  # "Actor:"
    expect(widget).to_have_accessible_name(label)  # named by its field's label while empty
    widget.click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=option).first.click()
    expect(page.locator(f"#select2-{field_id}-container")).to_contain_text(option)
    expect(widget).to_have_accessible_name(re.compile(f"^{re.escape(label)} .*{re.escape(option)}"))


def test_the_curator_makes_a_source_passages_and_a_disputed_claim_and_publishes_it(
    browser_page, transactional_db
):
    page = browser_page
    get_user_model().objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    guard = Actor.objects.create(name="A former camp guard", kind=Actor.Kind.PERSON)
    ministry = Actor.objects.create(name="The Ministry of Security", kind=Actor.Kind.ORGANIZATION)

    browser.log_in(page, "curator", "a long passphrase")

    # The source: its article pasted whole, and two passages, each made by selecting its words
    # in the pasted text; all saved at once.
    page.goto("/admin/claims_app/source/add/")
    page.get_by_label("Title:").fill("Camps still hold thousands, a defector says")
    page.get_by_label("Text:").fill(ARTICLE)
    made = "the northern camps still hold thousands of prisoners"
    denied = "The ministry called the account a fabrication"
    for words in (made, denied):
        select_in_field(page, "#id_text", words)
        page.get_by_role("button", name="Make a passage of the selected words").click()
        expect(page.locator(".make-passage-status")).to_contain_text(
            f"A passage of {len(words)} characters starting at {ARTICLE.index(words)}"
        )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    source = Source.objects.get()
    assert source.text == ARTICLE
    assert sorted(Passage.objects.values_list("quote", "start")) == sorted(
        [(made, ARTICLE.index(made)), (denied, ARTICLE.index(denied))]
    )

    # The claim: a statement and a dispute, their actors and passages found by typing.
    page.goto("/admin/claims_app/claim/add/")
    page.get_by_label("Text:").fill("The northern camps still hold thousands of prisoners.")
    page.get_by_text("Add another Statement").click()
    choose(page, "id_statements-0-actor", "guard", guard.name)
    choose(page, "id_statements-0-passage", "northern camps", made)
    page.get_by_text("Add another Dispute").click()
    choose(page, "id_disputes-0-actor", "ministry", ministry.name)
    page.locator("#id_disputes-0-kind").select_option("denies")
    choose(page, "id_disputes-0-passage", "fabrication", denied)
    page.get_by_role("button", name="Save and publish").click()
    # The curator stays on the claim, and the message links to its public page.
    claim = Claim.objects.get()
    assert claim.published and claim.status == "disputed"
    expect(page).to_have_url(re.compile(f"/admin/claims_app/claim/{claim.pk}/change/$"))
    expect(page.locator(".messagelist")).to_contain_text("is saved and published")
    page.locator(".messagelist").get_by_role("link").click()

    # On the public site, both sides, each with its exact words.
    expect(page).to_have_url(re.compile(f"{re.escape(claim.get_absolute_url())}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(claim.text)
    expect(page.locator(".status")).to_have_text(re.compile("disputed", re.I))
    statement = page.locator("article.citation.statement")
    expect(statement).to_contain_text(guard.name)
    expect(statement.locator("blockquote")).to_have_text(made)
    dispute = page.locator("article.citation.dispute")
    expect(dispute).to_contain_text(ministry.name)
    expect(dispute.locator("blockquote")).to_have_text(denied)
    page.goto("/claims/")
    expect(page.get_by_role("link", name=claim.text)).to_be_visible()

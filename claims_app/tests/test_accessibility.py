"""Accessibility, in a real browser: axe-core (npm's package, injected into each page) finds no
serious or critical violation on any kind of public page, in the light and the dark scheme, nor
on the admin screens this project customises; the keyboard alone reaches every link and control
of the public pages, each with a visible focus; and with JavaScript off a reader can still
browse, search, filter and read every passage."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from claims_app.models import Claim, Passage, Source

from . import browser
from .page_types import CLAIM

SERIOUS = ("serious", "critical")


def axe_violations(page, *, ids: set | None = None) -> list[str]:
    """Serious and critical violations axe-core finds on the page, one line each (their rule
    ids added to `ids`, if given)."""
    page.add_script_tag(content=browser.axe_source())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in SERIOUS:
            if ids is not None:
                ids.add(violation["id"])
            nodes = "; ".join(
                f"{' '.join(map(str, node['target']))}: {node['failureSummary']}"
                for node in violation["nodes"][:3]
            )
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']}: {nodes}")
    return found


def audit(page, addresses: dict[str, str]) -> list[str]:
    problems = []
    for name, url in addresses.items():
        page.goto(url)
        problems += [f"{name} {url}: {line}" for line in axe_violations(page)]
    return problems


def test_axe_finds_what_it_is_meant_to_find(open_browser):
    """The audit is live: a page with an unlabelled field and an image without text fails."""
    page = open_browser(bypass_csp=True)
    page.set_content('<html lang="en"><title>t</title><main><input><img src="x.png"></main></html>')
    ids = set()
    axe_violations(page, ids=ids)
    assert {"label", "image-alt"} <= ids


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_public_page_has_a_serious_accessibility_violation(every_page, open_browser, scheme):
    # bypass_csp: the site's policy allows no script but its own, rightly; axe is injected.
    page = open_browser(bypass_csp=True, color_scheme=scheme)
    problems = audit(page, every_page)
    assert not problems, "\n".join(problems)


def test_no_public_page_has_a_serious_accessibility_violation_on_a_phone(every_page, open_browser):
    page = open_browser(bypass_csp=True, viewport=browser.PHONE, is_mobile=True)
    problems = audit(page, every_page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_customised_admin_screens_have_no_serious_accessibility_violation(
    every_page, open_browser, scheme
):
    page = open_browser(bypass_csp=True, color_scheme=scheme)
    audit_login = audit(page, {"admin login": "/admin/login/"})
    get_user_model().objects.create_superuser("curator", "c@example.org", "a long passphrase")
    browser.log_in(page, "curator", "a long passphrase")
    source = Source.objects.get(slug="neo-2023-failed-attack")
    claim = Claim.objects.get(slug=CLAIM)
    passage = source.passages.first()
    screens = {
        "admin index": "/admin/",
        "source, its text to select words in": f"/admin/claims_app/source/{source.pk}/change/",
        "passage, its words shown": f"/admin/claims_app/passage/{passage.pk}/change/",
        "new statement": "/admin/claims_app/statement/add/",
        "new claim": "/admin/claims_app/claim/add/",
        "claim, with its publish button": f"/admin/claims_app/claim/{claim.pk}/change/",
        "claim list": "/admin/claims_app/claim/",
        "claim history": f"/admin/claims_app/claim/{claim.pk}/history/",
    }
    problems = audit_login + audit(page, screens)
    # A passage made by selecting words in the text, as a curator does it.
    page.goto(screens["source, its text to select words in"])
    page.eval_on_selector("#id_text", "text => { text.focus(); text.setSelectionRange(5, 30); }")
    page.get_by_role("button", name="Make a passage of the selected words").click()
    problems += [f"passage made by selection: {line}" for line in axe_violations(page)]
    # A quote found in several places, each offered to choose.
    page.goto(screens["new statement"])
    page.eval_on_selector(
        "#id_source", "(s, pk) => s.add(new Option('s', pk, true, true))", source.pk
    )
    page.get_by_label("Quote:").fill("human rights situation")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".occurrences li")).to_have_count(3)
    problems += [f"a quote's places to choose: {line}" for line in axe_violations(page)]
    assert not problems, "\n".join(problems)


# Everything the keyboard should reach: links, controls, and each <details>' summary, when
# shown (a closed <details> hides its contents from everyone; its summary opens it).
REACHABLE = """() => {
    const all = [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')];
    const shown = all.filter(el => el.checkVisibility({visibilityProperty: true})
        && !el.closest('details:not([open]) > :not(summary)')
        && !el.disabled && el.tabIndex >= 0);
    const ring = el => { const s = getComputedStyle(el);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' '); };
    shown.forEach((el, i) => { el.dataset.kb = i; el.dataset.kbRest = ring(el); });
    return shown.map(el => el.outerHTML.slice(0, 120));
}"""

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const now = [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow]
        .join(' ');
    const drawn = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
        || style.boxShadow !== 'none';
    // Visible focus: an outline or shadow drawn, and not the same as when not focused.
    const ring = drawn && now !== el.dataset.kbRest;
    return {kb: el.dataset.kb ?? null, ring, html: el.outerHTML.slice(0, 120)};
}"""


def tab_through(page) -> tuple[list[str], set[int], list[str]]:
    """Press Tab until focus comes round to the first element again: (what should be reached,
    what was, and what was focused with no visible focus). Tab may stay on one element for a
    few presses (a date field's day, month and year)."""
    expected = page.evaluate(REACHABLE)
    reached, unringed, order = set(), [], []
    page.locator("body").focus()
    for _ in range(3 * len(expected) + 40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        key = focused["kb"] or focused["html"]
        if order and key == order[0] and len(order) > 1:
            break  # round again
        if order and key == order[-1]:
            continue  # still inside the same field
        order.append(key)
        if focused["kb"] is not None:
            reached.add(int(focused["kb"]))
        if not focused["ring"]:
            unringed.append(focused["html"])
    return expected, reached, unringed


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_keyboard_reaches_every_link_and_control_with_a_visible_focus(
    every_page, open_browser, viewport
):
    page = open_browser(viewport=getattr(browser, viewport.upper()))
    problems = []
    for name, url in every_page.items():
        page.goto(url)
        expected, reached, unringed = tab_through(page)
        assert expected, f"{name}: nothing to reach?"
        problems += [
            f"{name} {url}: Tab never reaches {html}"
            for i, html in enumerate(expected)
            if i not in reached
        ]
        problems += [f"{name} {url}: no visible focus on {html}" for html in unringed]
    assert not problems, "\n".join(problems)


def test_the_keyboard_check_notices_an_unreachable_control_and_an_invisible_focus(open_browser):
    page = open_browser()
    page.set_content(
        "<style>a:focus { outline: none } span:focus { outline: 2px solid }</style>"
        "<a href='#a'>ringless</a><span tabindex='0'>ringed</span>"
        "<button tabindex='-1'>skipped</button>"
        "<div tabindex='0' style='outline: 2px solid red'>fixed</div>"
    )
    expected, reached, unringed = tab_through(page)
    assert len(expected) == 3 and len(reached) == 3
    assert [html.split(">")[1].split("<")[0] for html in unringed] == [
        "ringless",
        "fixed",
    ]


# --- With JavaScript off --------------------------------------------------------------------


def test_without_javascript_a_reader_browses_searches_filters_and_reads_every_passage(
    every_page, open_browser
):
    page = open_browser(java_script_enabled=False)
    page.goto("/")
    search = page.get_by_label("Search the claims, their quotes and the people behind them")
    search.fill("camps")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/claims/\?q=camps"))
    found = page.locator("ol.claims > li")
    page.wait_for_load_state()
    expect(found.first).to_be_visible()
    searched = found.count()

    # A facet, then the full filter form (folded in a <details>, which needs no script).
    page.locator(".facet").filter(has_text="Topic").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"topic="))
    page.wait_for_load_state()
    expect(found.first).to_be_visible()
    assert found.count() <= searched
    page.goto("/claims/")
    page.locator(".filters > summary").click()
    page.get_by_label("Status").select_option("disputed")
    page.locator(".filters").get_by_role("button").first.click()
    expect(page).to_have_url(re.compile(r"status=disputed"))
    page.wait_for_load_state()
    expect(found.first).to_be_visible()
    statuses = {s.strip().lower() for s in found.locator(".status").all_inner_texts()}
    assert statuses == {"disputed"}

    # Every public passage reads at its permalink and in its source, highlighted.
    for passage in Passage.objects.public().select_related("source"):
        page.goto(passage.get_absolute_url())
        expect(page.locator(f"mark#passage-{passage.pk}")).to_have_text(passage.quote)
    page.goto(Claim.objects.get(slug=CLAIM).get_absolute_url())
    page.locator("article.citation.dispute blockquote a").first.click()
    permalink = page.url
    # The copy button needs a script, so without one it stays out of the way: the citation is
    # there to select, permalink and all.
    expect(page.get_by_role("button", name="Copy the citation")).to_be_hidden()
    expect(page.locator("#citation")).to_contain_text(permalink)
    page.get_by_role("link", name="Read it in context").click()
    expect(page.locator("mark.passage:target")).to_be_in_viewport()

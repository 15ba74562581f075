"""A source read from pages (a report) is read a page at a time (issue 18): its pages at
/sources/<slug>/pages/<n>/ with their passages marked, its page listing them, and a passage's
"read it in context" leading to its page."""

import re

import pytest

from claims_app import anchoring

from .factories import ClaimFactory, DisputeFactory, PassageFactory, SourceFactory, StatementFactory

PAGES = [
    "Report of the commission. Contents.",
    "Findings. The camps hold more than",
    "120,000 political prisoners, the commission found. 북한 정치범수용소",
    "Annex: methods.",
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    """A four-page report; a published claim cites a passage on page 2 and one across pages
    2–3; a draft cites one on page 4 (not public)."""
    text, breaks = anchoring.pages_join(PAGES)
    source = SourceFactory(title="Commission report", text=text, page_breaks=breaks)
    claim = ClaimFactory(text="The camps hold 120,000 prisoners.")
    on_two = StatementFactory(claim=claim, passage=PassageFactory(source=source, words="Findings"))
    across = DisputeFactory(
        claim=claim,
        passage=PassageFactory(source=source, words="more than\n120,000 political prisoners"),
    )
    StatementFactory(
        claim=ClaimFactory(published=False),
        passage=PassageFactory(source=source, words="Annex: methods"),
    )
    return source, on_two.passage, across.passage


def _marks(html: str) -> list[tuple[str, str]]:
    """Each mark's id (or "" for a continuation) and its words."""
    return re.findall(r'<mark class="passage"(?: id="([^"]+)")? data-passage="\d+">([^<]*)', html)


def test_a_page_shows_its_own_text_with_the_passages_on_it_marked(client, report):
    source, on_two, across = report
    page = client.get(f"/sources/{source.slug}/pages/2/").content.decode()
    assert "Findings. The camps hold more than" in re.sub(r"<[^>]+>", "", page)
    assert "Report of the commission" not in page and "political prisoners" not in page
    assert _marks(page) == [
        (f"passage-{on_two.pk}", "Findings"),
        (f"passage-{across.pk}", "more than"),
    ]
    assert "page 2 of 4" in page and "Page 2 of" in page
    assert f'rel="prev" href="/sources/{source.slug}/pages/1/"' in page
    assert f'rel="next" href="/sources/{source.slug}/pages/3/"' in page

    # The passage that crosses the break goes on, on page 3, as a continuation (no second id).
    page = client.get(f"/sources/{source.slug}/pages/3/").content.decode()
    assert _marks(page) == [("", "120,000 political prisoners")]
    assert "북한 정치범수용소" in page

    # A draft's passage is not marked.
    page = client.get(f"/sources/{source.slug}/pages/4/").content.decode()
    assert _marks(page) == [] and "Annex: methods." in page and 'rel="next"' not in page


def test_a_page_has_a_twin(client, report):
    source, on_two, across = report
    data = client.get(f"/sources/{source.slug}/pages/3.json").json()
    assert data["page"] == 3 and data["page_count"] == 4
    assert data["text"] == PAGES[2]
    assert data["previous"].endswith(f"/sources/{source.slug}/pages/2/")
    assert data["next"].endswith(f"/sources/{source.slug}/pages/4/")
    [passage] = data["passages"]
    assert passage["id"] == across.pk
    assert (passage["start"], passage["end"]) == (across.start, across.end)
    assert (passage["start_on_page"], passage["end_on_page"]) == (
        0,
        len("120,000 political prisoners"),
    )
    assert client.get(f"/sources/{source.slug}.json").json()["pages"][3].endswith("/pages/4/")


def test_pages_that_do_not_exist_are_404s(client, report):
    source, *_ = report
    for number in (0, 5, 99):
        assert client.get(f"/sources/{source.slug}/pages/{number}/").status_code == 404
        response = client.get(f"/sources/{source.slug}/pages/{number}.json")
        assert response.status_code == 404 and response.json()["errors"]["page"]
    unpaged = StatementFactory().passage.source
    assert client.get(f"/sources/{unpaged.slug}/pages/1/").status_code == 404
    assert client.get(f"/sources/{unpaged.slug}.json").json()["pages"] == []


def test_read_it_in_context_leads_to_the_passages_page(client, report):
    source, on_two, across = report
    assert on_two.in_context_url == f"/sources/{source.slug}/pages/2/#passage-{on_two.pk}"
    page = client.get(f"/passages/{across.pk}/").content.decode()
    assert f'href="/sources/{source.slug}/pages/2/#passage-{across.pk}"' in page
    unpaged = StatementFactory().passage
    assert unpaged.in_context_url == f"{unpaged.source.get_absolute_url()}#passage-{unpaged.pk}"


def test_the_source_lists_its_pages_and_the_passages_on_each(client, report):
    source, on_two, across = report
    page = client.get(f"/sources/{source.slug}/").content.decode()
    pages = re.findall(
        r'<li value="(\d)"><a href="([^"]+)">Page \d</a>(.*?)</li>(?=<li value|\s*</ol>)',
        page,
        re.S,
    )
    assert [(n, url) for n, url, _ in pages] == [
        (str(n), f"/sources/{source.slug}/pages/{n}/") for n in range(1, 5)
    ]
    on = {n: re.findall(r'data-passage="(\d+)" data-on-page="(\d)"', rest) for n, _, rest in pages}
    assert on == {"1": [], "2": [(str(on_two.pk), "2"), (str(across.pk), "2")], "3": [], "4": []}
    assert "(pp. 2–3)" in page and "(p. 2)" in page
    # The whole text is on the pages, not here.
    assert "political prisoners, the commission found" not in page


def test_a_paginated_sources_text_is_not_edited_in_the_admin(report):
    from claims_app.admin import SourceForm

    source, *_ = report
    data = {
        "title": source.title,
        "slug": source.slug,
        "kind": source.kind,
        "language": "en",
        "date_precision": "day",
        "text": source.text.replace("Annex", "Annexe"),
    }
    form = SourceForm(data=data, instance=source)
    assert not form.is_valid()
    assert "read from its pages" in form.errors["text"][0]
    assert SourceForm(data={**data, "text": source.text}, instance=source).is_valid()


@pytest.mark.django_db(transaction=True)
def test_an_address_at_a_passage_of_the_source_is_sent_on_to_its_page(open_browser, report):
    """In Chromium: /sources/<slug>/#passage-<id> (how passages were linked before sources had
    pages) lands on the passage's page, at the passage."""
    source, on_two, across = report
    page = open_browser()
    page.goto(f"/sources/{source.slug}/#passage-{across.pk}")
    page.wait_for_url(f"**/sources/{source.slug}/pages/2/#passage-{across.pk}")
    assert page.locator(f"#passage-{across.pk}").inner_text() == "more than"
    # An address at no passage of the source stays where it is.
    page.goto(f"/sources/{source.slug}/#passage-999999")
    page.wait_for_load_state()
    assert page.url.endswith(f"/sources/{source.slug}/#passage-999999")

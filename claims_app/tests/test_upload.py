"""A source read from a file in the admin (issue 18): a PDF page by page, or a saved web page;
its original kept and served; a scan or a file of another type refused, nothing saved."""

import datetime
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from playwright.sync_api import expect

from claims_app.models import Passage, Source

from . import browser
from .actions import Hands
from .factories import ClaimFactory, StatementFactory
from .test_admin import _inline_management, _new_source_form
from .test_annotate_journey import curator  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

PAGE_WORDS = [
    "Report of the inquiry. Contents.",
    "Chapter one: the camps.",
    "The camps hold between 80,000 and 120,000 political prisoners.",
]


KOREAN = "조사위원회는 정치범수용소에 8만에서 12만 명이 수감되어 있다고 보고하였다."


def _pdf(pages: list[str], korean: str | None = None) -> bytes:
    """A PDF of these pages (one line each), and a last page in Korean if given."""
    pdf = FPDF(format="A4")
    pdf.set_title("Report of the inquiry")
    pdf.set_creation_date(datetime.datetime(2014, 2, 7, tzinfo=datetime.UTC))
    pdf.set_font("Helvetica", size=12)
    for words in pages:
        pdf.add_page()
        pdf.cell(0, 10, words)
    if korean:
        logging.getLogger("fontTools").setLevel(logging.ERROR)  # its subsetting is chatty
        pdf.add_font("Nanum", fname=browser.korean_font())
        pdf.set_font("Nanum", size=12)
        pdf.add_page()
        pdf.cell(0, 10, korean)
    return bytes(pdf.output())


def _form(**fields) -> dict:
    return _new_source_form(kind="report", **fields)


def test_a_pdf_is_read_page_by_page_and_kept(editor_client, client, media_root):
    pdf = _pdf(PAGE_WORDS, korean=KOREAN)
    document = SimpleUploadedFile("coi.pdf", pdf, content_type="application/pdf")
    data = _form(document=document, **_inline_management("passages", total=3))
    data["passages-0-quote"] = "between 80,000 and 120,000 political prisoners"
    data["passages-1-quote"] = "the camps.\nThe camps hold"  # across pages 2 and 3
    data["passages-2-quote"] = "정치범수용소"  # a word inside a Korean run, on page 4
    response = editor_client.post("/admin/claims_app/source/add/", data, follow=True)
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "Read its text from the PDF, 4 page(s)." in response.content.decode()
    source = Source.objects.get()
    assert source.title == "Report of the inquiry"
    assert (source.date, source.page_count) == (datetime.date(2014, 2, 7), 4)
    assert source.text.split("\n") == [*PAGE_WORDS, KOREAN]
    on_three, across, korean = (
        Passage.objects.get(quote__startswith="between"),
        Passage.objects.get(quote__startswith="the camps."),
        Passage.objects.get(quote="정치범수용소"),
    )
    assert [p.pages_display for p in (on_three, across, korean)] == ["p. 3", "pp. 2–3", "p. 4"]
    assert source.original_kind == "pdf"
    assert (media_root / source.original.name).read_bytes() == pdf
    # What a reader sees of the passage across the break, once a published claim cites it.
    StatementFactory(claim=ClaimFactory(), passage=across)
    twin = client.get(f"/passages/{across.pk}.json").json()
    assert (twin["page"], twin["page_end"]) == (2, 3)
    assert twin["source"]["original_file"].endswith("/original.pdf#page=2")
    assert "pp. 2–3" in client.get(f"/passages/{across.pk}/").content.decode()


def test_a_saved_web_page_gives_its_main_text_title_and_address(editor_client):
    page = (
        "<!doctype html><html><head><title>Camps | News</title>"
        '<link rel="canonical" href="https://news.example/camps"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>Camps</h1>"
        + "".join(
            f"<p>The inquiry heard testimony about the camps, paragraph {n}.</p>" for n in range(6)
        )
        + "</article><footer>Advertisement</footer></body></html>"
    )
    document = SimpleUploadedFile("page.html", page.encode(), content_type="text/html")
    response = editor_client.post("/admin/claims_app/source/add/", _form(document=document))
    assert response.status_code == 302, response.content.decode()[:3000]
    source = Source.objects.get()
    assert "paragraph 5" in source.text and "Advertisement" not in source.text
    assert source.url == "https://news.example/camps"
    assert (source.page_count, source.original_kind) == (0, "html")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("scan.pdf", None, "This PDF is a scan"),
        ("report.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a PDF or a web page"),
    ],
)
def test_a_scan_or_another_type_is_refused_and_nothing_is_saved(
    editor_client, media_root, name, content, message
):
    if content is None:  # a page with a picture and no text: a scan
        from PIL import Image

        picture = media_root / "scan.png"
        Image.new("RGB", (200, 100), "white").save(picture)
        pdf = FPDF()
        pdf.add_page()
        pdf.image(str(picture), x=10, y=10, w=100)
        content = bytes(pdf.output())
        picture.unlink()
    document = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = editor_client.post("/admin/claims_app/source/add/", _form(document=document))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Source.objects.count() == 0 and not any(media_root.iterdir())


def test_a_new_version_of_a_pdf_moves_passages_to_their_new_pages(editor_client):
    first = SimpleUploadedFile("v1.pdf", _pdf(PAGE_WORDS), content_type="application/pdf")
    data = _form(document=first, title="COI report", **_inline_management("passages", total=1))
    data["passages-0-quote"] = "between 80,000 and 120,000 political prisoners"
    assert editor_client.post("/admin/claims_app/source/add/", data).status_code == 302
    source, passage = Source.objects.get(), Passage.objects.get()
    assert passage.page == 3
    corrected = ["Corrigendum.", *PAGE_WORDS]
    second = SimpleUploadedFile("v2.pdf", _pdf(corrected), content_type="application/pdf")
    data = _form(
        document=second,
        title=source.title,
        slug=source.slug,
        text=source.text,
        **_inline_management("authorships"),
        **_inline_management("passages", total=1, initial=1),
    )
    data.update({"passages-0-id": passage.pk, "passages-0-source": source.pk})
    data["passages-0-quote"] = passage.quote
    data["passages-0-start"] = passage.start
    response = editor_client.post(f"/admin/claims_app/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    passage.refresh_from_db()
    assert (passage.page, passage.changed) == (4, False)
    assert passage.source.text.startswith("Corrigendum.\n")


@pytest.mark.django_db(transaction=True)
def test_a_curator_uploads_a_pdf_annotates_page_3_and_a_reader_cites_p_3(
    curator,  # noqa: F811 (the fixture imported above)
    media_root,
    tmp_path,
):
    """In Chromium: upload a PDF, select words on its page 3 in the annotation view, publish;
    the reader's citation says "p. 3" and its PDF link opens our copy at page 3."""
    page, guard, _ = curator
    report = tmp_path / "coi-report.pdf"
    report.write_bytes(_pdf(PAGE_WORDS))
    words = "between 80,000 and 120,000 political prisoners"

    page.locator("tr.model-source a.addlink").click()
    page.get_by_label("Or read it from a file").set_input_files(report)
    page.get_by_role("button", name="Save and annotate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annotate")
    Hands(page).select_words("#annotate-text", words, "words on page 3")
    expect(page.locator("#annotate-selected")).to_contain_text(", p. 3)")  # as readers cite it
    page.get_by_label("Who", exact=True).fill(guard.name)
    page.get_by_label("Which claim").fill("The camps hold up to 120,000 political prisoners.")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator("#annotate-status")).to_contain_text("Saved:")

    passage = Passage.objects.get()
    assert passage.page == 3
    page.goto(passage.get_absolute_url())
    expect(page.locator("main")).to_contain_text("p. 3")
    citation = page.locator("#citation").inner_text()
    assert "p. 3" in citation, citation
    link = page.locator('a[href$="/original.pdf#page=3"]').first
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.body() == report.read_bytes()
    twin = page.request.get(f"{passage.get_absolute_url().rstrip('/')}.json").json()
    assert twin["source"]["original_file"].endswith("/original.pdf#page=3")
    assert (twin["page"], twin["page_end"]) == (3, None)

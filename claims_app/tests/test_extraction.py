"""The text of a PDF or a saved web page, and its metadata (extraction.py): documents made here,
PDFs by fpdf2 (Korean text in Debian's Nanum font, which .ci/run installs)."""

import datetime
import io
import logging
import re
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from claims_app.extraction import ExtractionError, document_extract, document_kind

from . import browser

KOREAN_FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")

# Lines of one paragraph set by hand in a monospaced font, so that each ends where it is
# written: the first breaks "exam-ple" at its end, the second ends with "2013-" before a figure
# and the third with "Kim-" before a capital (both hyphens stay).
PARAGRAPH = [
    "The commission found that the abuses were systematic and that they were exam-",
    "ined in public hearings held in Seoul, Tokyo, London and Washington in 2013-",
    "2014; the well-known testimony of former prisoners was heard there, and Kim-",
    "Jong officials were invited to answer but did not come to any of the hearings.",
    "That was the end of it.",
]


@pytest.fixture(autouse=True)
def _quiet_font_subsetting():
    # fpdf2 subsets the Korean font with fontTools, which logs every table it drops.
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def _pdf(**metadata) -> FPDF:
    pdf = FPDF(format="A4")
    if "title" in metadata:
        pdf.set_title(metadata["title"])
    if "author" in metadata:
        pdf.set_author(metadata["author"])
    if "created" in metadata:
        pdf.set_creation_date(metadata["created"])
    return pdf


def _lines(pdf: FPDF, lines: list[str], height: float = 6) -> None:
    for line in lines:
        pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")


def _report() -> bytes:
    """Three pages: a heading and two paragraphs, a short page, a page in Korean and a list."""
    pdf = _pdf(
        title="Report of the Commission of Inquiry",
        author="Jane Roe; John Doe",
        created=datetime.datetime(2014, 2, 7, 9, 30, tzinfo=datetime.UTC),
    )
    pdf.add_page()
    pdf.set_font("Helvetica", "B", size=18)
    _lines(pdf, ["Report of the Commission"], height=12)
    pdf.ln(6)
    pdf.set_font("Courier", size=11)
    _lines(pdf, PARAGRAPH)
    pdf.ln(8)
    _lines(pdf, ["A second paragraph follows a blank space."])
    pdf.add_page()
    _lines(pdf, ["Page two    says little."])
    pdf.add_page()
    pdf.add_font("Nanum", fname=str(KOREAN_FONT))
    pdf.set_font("Nanum", size=12)
    _lines(pdf, ["북한 인권 조사위원회 보고서", "조사위원회는 체계적인 인권 침해를 확인하였다."])
    pdf.ln(8)
    _lines(
        pdf, [_full_line(pdf, "• The first finding is that"), _full_line(pdf, "• The second is")]
    )
    return bytes(pdf.output())


def _full_line(pdf: FPDF, start: str) -> str:
    """`start` and words after it, to nine tenths of the page's width in the current font."""
    line = start
    while pdf.get_string_width(line + " more") < 0.9 * pdf.epw:
        line += " more"
    return line


def _picture_png() -> bytes:
    picture = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(picture).rectangle((40, 40, 360, 80), fill="black")  # a line of "print"
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def report():
    browser.korean_font()  # skipped without it, but never in CI
    return document_extract(_report())


def test_pdf_text_comes_page_by_page(report):
    assert report.kind == "pdf"
    assert len(report.pages) == 3
    assert report.pages[1] == "Page two says little."


def test_pdf_paragraph_lines_are_joined_and_a_line_end_hyphen_with_them(report):
    paragraph = report.pages[0].split("\n\n")[1]
    assert paragraph == (
        "The commission found that the abuses were systematic and that they were examined in "
        "public hearings held in Seoul, Tokyo, London and Washington in 2013-2014; the well-known "
        "testimony of former prisoners was heard there, and Kim-Jong officials were invited to "
        "answer but did not come to any of the hearings. That was the end of it."
    )


def test_pdf_keeps_its_heading_and_paragraph_breaks(report):
    assert report.pages[0].split("\n\n") == [
        "Report of the Commission",
        report.pages[0].split("\n\n")[1],
        "A second paragraph follows a blank space.",
    ]


def test_pdf_korean_text_is_read(report):
    korean = report.pages[2].split("\n\n")[0]
    assert korean == "북한 인권 조사위원회 보고서\n조사위원회는 체계적인 인권 침해를 확인하였다."


def test_pdf_list_items_keep_their_lines(report):
    items = report.pages[2].split("\n\n")[1].split("\n")
    assert [item.split(" more")[0] for item in items] == [
        "• The first finding is that",
        "• The second is",
    ]


def test_pdf_metadata_gives_title_authors_and_date(report):
    assert report.title == "Report of the Commission of Inquiry"
    assert report.authors == ["Jane Roe", "John Doe"]
    assert (report.date, report.date_precision) == (datetime.date(2014, 2, 7), "day")
    assert report.publisher == "" and report.url == ""


def test_pdf_without_metadata_leaves_it_empty():
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    _lines(pdf, ["Only text."])
    # fpdf2 always dates a PDF: its date blanked out, in place (the offsets stay right).
    data = re.sub(rb"/CreationDate \(D:[^)]*\)", lambda m: b" " * len(m[0]), bytes(pdf.output()))
    extracted = document_extract(data)
    assert extracted.pages == ["Only text."]
    assert (extracted.title, extracted.authors, extracted.date) == ("", [], None)


def test_scanned_pdf_is_refused_as_needing_ocr(tmp_path):
    picture = tmp_path / "scan.png"
    picture.write_bytes(_picture_png())
    pdf = _pdf(title="A scanned report")
    for _ in range(2):
        pdf.add_page()
        pdf.image(str(picture), x=10, y=10, w=190)
    with pytest.raises(ExtractionError, match="scan: its pages are pictures with no text.*OCR"):
        document_extract(bytes(pdf.output()))


def test_encrypted_pdf_is_refused():
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    _lines(pdf, ["Secret."])
    pdf.set_encryption(owner_password="owner", user_password="reader")
    with pytest.raises(ExtractionError, match="encrypted: it opens only with a password"):
        document_extract(bytes(pdf.output()))


def test_broken_pdf_is_refused():
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    _lines(pdf, ["Cut short."])
    data = bytes(pdf.output())
    with pytest.raises(ExtractionError, match="cannot be read: it is damaged or incomplete"):
        document_extract(data[: len(data) // 2])


# Web pages -------------------------------------------------------------------------------------

ARTICLE = [
    "The commission of inquiry published its report on Monday, describing systematic abuses "
    "over many decades, from prison camps to public executions.",
    "Officials rejected the findings in a statement read on state television, calling the "
    "report a fabrication by hostile forces.",
    "북한 인권 조사위원회 보고서가 발표되었다.",
]

SAVED_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Inquiry finds abuses | The Daily Record</title>
<meta property="og:title" content="Inquiry finds abuses">
<meta property="og:site_name" content="The Daily Record">
<meta name="author" content="Jane Roe and John Doe">
<meta property="article:published_time" content="2014-02-17T09:00:00Z">
<meta property="og:url" content="https://news.example.org/?p=123">
<link rel="canonical" href="https://news.example.org/2014/02/inquiry-finds-abuses">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li></ul></nav>
<div class="advertisement" id="ad-top"><p>Buy cheap watches now, limited offer for readers</p>
</div>
<article><h1>Inquiry finds abuses</h1>
{"".join(f"<p>{paragraph}</p>" for paragraph in ARTICLE)}
</article>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>A reader's comment that is not part of the article at all.</p></div>
</section>
<footer><p>Copyright The Daily Record, all rights reserved</p></footer>
</body></html>"""


def test_web_page_main_text_comes_without_navigation_ads_or_comments():
    extracted = document_extract(SAVED_PAGE.encode())
    assert extracted.kind == "html"
    assert extracted.pages == ["\n".join(["Inquiry finds abuses", *ARTICLE])]
    for elsewhere in ["World news", "cheap watches", "reader's comment", "Copyright"]:
        assert elsewhere not in extracted.pages[0]


def test_web_page_metadata_and_canonical_address():
    extracted = document_extract(SAVED_PAGE.encode())
    assert extracted.title == "Inquiry finds abuses"
    assert extracted.authors == ["Jane Roe", "John Doe"]
    assert extracted.publisher == "The Daily Record"
    assert (extracted.date, extracted.date_precision) == (datetime.date(2014, 2, 17), "day")
    assert extracted.url == "https://news.example.org/2014/02/inquiry-finds-abuses"


def test_web_page_canonical_link_may_be_relative():
    page = SAVED_PAGE.replace("https://news.example.org/2014", "/2014")
    assert document_extract(page.encode()).url == (
        "https://news.example.org/2014/02/inquiry-finds-abuses"
    )


def test_web_page_without_a_canonical_link_gives_its_og_url():
    page = SAVED_PAGE.replace('<link rel="canonical"', '<link rel="alternate"')
    assert document_extract(page.encode()).url == "https://news.example.org/?p=123"


def test_web_page_without_main_text_is_refused():
    page = b"<!DOCTYPE html><html><head><title>Empty</title></head><body><nav></nav></body></html>"
    with pytest.raises(ExtractionError, match="no main text"):
        document_extract(page)


# Types and sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        b"<!DOCTYPE html><html>",
        b"\xef\xbb\xbf\n  <!doctype HTML>",
        b"<!-- saved from url=(0026)https://example.org/ -->\n<html>",
        b"\r\n<HTML lang=en>",
        b"<head><title>t</title>",
        b"<body>",
        b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
        "\ufeff<html>".encode("utf-16-le"),
    ],
)
def test_web_page_is_known_by_its_start(start):
    assert document_kind(start + b"<p>Text</p>") == "html"


def test_pdf_is_known_by_its_header():
    assert document_kind(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") == "pdf"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report.pdf", "%PDF-1.7 inside a zip")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [_picture_png(), _zip(), b"Plain text, not a page.\n<html> later on.", b""],
    ids=["png", "zip", "text", "empty"],
)
def test_other_files_are_refused_whatever_their_name(content):
    with pytest.raises(ExtractionError, match=r"^This file is not a PDF or a web page \(HTML\)\.$"):
        document_extract(content)


def test_file_over_the_size_limit_is_refused(settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 2_000_000
    page = SAVED_PAGE.encode()
    assert document_kind(page) == "html"
    oversized = page + b" " * (2_000_001 - len(page))
    with pytest.raises(ExtractionError, match=r"2\.0 MB: files of at most 2\.0 MB can be read"):
        document_extract(oversized)

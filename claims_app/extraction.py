"""The text of a document as it comes, a PDF or a saved web page, and what its metadata says of
it (title, authors, publisher, date, address): pure functions over the file's bytes, with no
models and no storage. The upload path and bundles call `document_extract`.

A PDF's text comes page by page (PDFium, through pypdfium2): lines of a paragraph are joined
into one line, a paragraph that the page sets apart by space begins after a blank line, a line
that ends short of its column (a heading, a list item, a paragraph's last line) keeps its line
break, and a word broken at a line end by a hyphen is joined again. A web page's main text
(trafilatura) comes without its navigation, advertising and comments, one block (a paragraph,
a heading, a list item) a line, as the seed's articles are.
"""

from __future__ import annotations

import ctypes
import datetime
import re
import threading
import urllib.parse
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import regex
import trafilatura
from django.conf import settings

from claims_app import dates

PDF, HTML = "pdf", "html"


class ExtractionError(ValueError):
    """A file whose text cannot be taken, with a message a curator can act on."""


@dataclass(frozen=True)
class Original:
    """A file as it came, and its kind (PDF or HTML)."""

    kind: str
    data: bytes


@dataclass(frozen=True)
class Extracted:
    """What a document says and what its metadata says of it.

    `pages`: a PDF's pages, one string a page (empty for a page without text), in order; a web
    page's main text as its one page. `anchoring.pages_join(pages)` gives a source's text and
    page breaks for both. Metadata a document does not give is empty (None for the date).
    """

    kind: str  # PDF or HTML
    pages: list[str]
    title: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    date: datetime.date | None = None
    date_precision: str = ""  # dates.YEAR, MONTH or DAY when there is a date
    url: str = ""


def document_extract(data: bytes, *, max_bytes: int | None = None) -> Extracted:
    """The text and metadata of a PDF or a saved web page, told apart by content.

    Raises ExtractionError for a file too large, of another type, damaged, encrypted, or
    without text (a scanned PDF).
    """
    kind = document_kind(data, max_bytes=max_bytes)
    return pdf_extract(data) if kind == PDF else html_extract(data)


def document_kind(data: bytes, *, max_bytes: int | None = None) -> str:
    """PDF or HTML, by the file's first bytes as a browser sniffs them, whatever its name says.

    Raises ExtractionError for a file over `max_bytes` (SOURCE_UPLOAD_MAX_BYTES by default) or
    one that is neither.
    """
    limit = settings.SOURCE_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ExtractionError(
            f"This file is {_megabytes(len(data))}: files of at most {_megabytes(limit)} "
            "can be read."
        )
    if data.startswith(b"%PDF-"):
        return PDF
    if _looks_like_html(data):
        return HTML
    raise ExtractionError("This file is not a PDF or a web page (HTML).")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# What a browser takes for HTML at the start of a file (the WHATWG MIME Sniffing standard's
# patterns), each followed by a space or ">"; "<?xml" for a page saved as XHTML, when its root
# is html.
_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)"
    rb"[\s>]|<!--",
    re.IGNORECASE,
)
_XHTML = re.compile(rb"<\?xml[^>]*>.{0,1024}?<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_BOMS = [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")]


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :].decode(encoding, errors="ignore").encode("utf-8")
            break
    head = head.lstrip(b" \t\n\r\f")
    return bool(_HTML_START.match(head) or _XHTML.match(head))


# PDF -------------------------------------------------------------------------------------------

SCANNED = (
    "This PDF is a scan: its pages are pictures with no text to cite. Run it through OCR "
    "(text recognition) first, then upload the PDF that comes out with its text."
)


def pdf_extract(data: bytes) -> Extracted:
    """The text of each page of a PDF and its metadata (title, authors, creation date).

    Raises ExtractionError for a damaged or encrypted PDF, or one with no text on any page.
    """
    with _PDFIUM:
        return _pdf_extract(data)


# PDFium is not thread-safe (pypdfium2's documentation says so): a threaded server reading two
# uploads at once must take turns.
_PDFIUM = threading.Lock()


def _pdf_extract(data: bytes) -> Extracted:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractionError(
                "This PDF is encrypted: it opens only with a password. Upload a copy saved "
                "without one."
            ) from None
        raise ExtractionError("This PDF cannot be read: it is damaged or incomplete.") from None
    try:
        lines = [_page_lines(document, number) for number in range(len(document))]
        metadata = document.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        raise ExtractionError("This PDF cannot be read: it is damaged or incomplete.") from None
    finally:
        document.close()
    if not lines:
        raise ExtractionError("This PDF has no pages.")
    spacing = _line_spacing(lines)
    pages = [_paragraphs(page, spacing) for page in lines]
    if not any(pages):
        raise ExtractionError(SCANNED)
    date, precision = _pdf_date(metadata.get("CreationDate", ""))
    return Extracted(
        kind=PDF,
        pages=pages,
        title=_tidy(metadata.get("Title", "")).replace("\u00ad", ""),
        authors=_authors(metadata.get("Author", "")),
        date=date,
        date_precision=precision,
    )


@dataclass
class _Line:
    text: str
    top: float  # of its first character (PDF units, y upwards)
    bottom: float  # of its last: a line PDFium joined over a hyphen spans more than one
    left: float
    right: float
    height: float  # of its first character's font
    end_height: float  # of its last's
    column_right: float = 0.0  # where its column ends, when the page says so


def _page_lines(document, number: int) -> list[_Line]:
    page = document[number]
    textpage = page.get_textpage()
    try:
        lines = _lines(textpage)
        width = page.get_width()
    finally:
        textpage.close()
        page.close()
    # On a page of one column, a line's column ends where the page's left margin says: a page
    # of a few short lines ends none of them at that edge.
    if lines and all(line.left < width / 2 for line in lines):
        margin = width - min(line.left for line in lines)
        for line in lines:
            line.column_right = margin
    return lines


def _lines(textpage) -> list[_Line]:
    """The page's lines in PDFium's reading order, each with where it stands."""
    text = textpage.get_text_range()
    lines, at = [], 0
    for raw in text.split("\r\n"):
        begin, end = at, at + len(raw)
        at = end + 2
        stripped = raw.strip()
        if not stripped:
            continue
        first = begin + (len(raw) - len(raw.lstrip()))
        last = begin + len(raw.rstrip()) - 1
        left, bottom_first, _, top = _box(textpage, first)
        _, bottom, right, top_last = _box(textpage, last)
        lines.append(
            _Line(stripped, top, bottom, left, right, top - bottom_first, top_last - bottom)
        )
    return lines


def _box(textpage, text_index: int) -> tuple[float, float, float, float]:
    """Left, bottom, right and top of the character at `text_index` of the page's text, its
    font's whole height rather than the glyph's (the same for every letter of a line)."""
    char = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, text_index)
    rect = pdfium_c.FS_RECTF()
    if char < 0 or not pdfium_c.FPDFText_GetLooseCharBox(textpage, char, ctypes.byref(rect)):
        return 0.0, 0.0, 0.0, 0.0
    return rect.left, rect.bottom, rect.right, rect.top


# PDFium marks a hyphen it found at a line end, and joins the two lines (U+FFFE).
_LINE_END_HYPHEN = "\ufffe"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff\uffff]")
# A soft hyphen is seen only where a line breaks at it: a line's last tells _joined to join.
_SOFT_HYPHEN = re.compile(r"\u00ad(?!$)")
_SPACES = re.compile(r"[^\S\n]+")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_BULLET = re.compile(r"[•◦▪▫■□●○‣⁃∙]\s")  # a list item's line, however full the one before
_NEIGHBOURS = 6  # lines either side that tell where a line's column ends


def _gaps(lines: list[_Line]) -> list[float]:
    """The space between each line and the next, in heights of the next line's font."""
    return [
        (before.bottom - after.top) / (after.height or 1)
        for before, after in zip(lines, lines[1:], strict=False)
    ]


def _line_spacing(pages: list[list[_Line]]) -> float:
    """The space between two lines of a paragraph, in heights of their font, in this document:
    a low quantile of the gaps between lines that follow each other down a column, since most
    lines are in a paragraph (and a short document may have two gaps, one a paragraph's)."""
    flowing = sorted(gap for page in pages for gap in _gaps(page) if -0.5 < gap < 1.5)
    return flowing[len(flowing) // 4] if flowing else 0.0


def _paragraphs(lines: list[_Line], spacing: float) -> str:
    """The lines of a page as text: a paragraph's lines joined, a blank line before a paragraph
    set apart by space (or in a new column), a line break after a line that ends short, before
    a bulleted one and where the font's size changes."""
    if not lines:
        return ""
    out = [_line_text(lines[0].text)]
    for index, gap in enumerate(_gaps(lines), start=1):
        before, line, text = lines[index - 1], lines[index], _line_text(lines[index].text)
        if gap > spacing + 0.6 or gap < -1:
            out.append("\n\n" + text)
        elif abs(before.end_height - line.height) > 0.2 * max(before.end_height, line.height):
            out.append("\n" + text)
        elif _ends_short(lines, index - 1) or _BULLET.match(text):
            out.append("\n" + text)
        else:
            out[-1] = _joined(out[-1], text)
    return "\n".join(
        _SPACES.sub(" ", part).strip().rstrip("\u00ad") for part in "".join(out).split("\n")
    ).strip()


def _line_text(text: str) -> str:
    text = re.sub(
        _LINE_END_HYPHEN + r"(.?)",
        lambda m: m.group(1) if m.group(1).islower() else "-" + m.group(1),
        text,
    )
    return _SOFT_HYPHEN.sub("", _tidy(text))


def _ends_short(lines: list[_Line], index: int) -> bool:
    """Whether a line ends well before the right edge of its column (the lines near it in
    reading order that overlap it)."""
    line = lines[index]
    low, high = min(line.left, line.right), max(line.left, line.right)
    edge, width = max(line.right, line.column_right), max(high, line.column_right) - low
    for other in lines[max(0, index - _NEIGHBOURS) : index + _NEIGHBOURS + 1]:
        if min(other.left, other.right) < high and low < max(other.left, other.right):
            edge = max(edge, other.right)
            width = max(width, abs(other.right - other.left))
    return edge - line.right > 0.25 * width


def _joined(before: str, after: str) -> str:
    """Two lines of one paragraph as one: a word broken by a hyphen at the line end is joined
    where a lower-case letter follows; another hyphen stays, without a space after it."""
    if before.endswith("\u00ad"):
        return before[:-1] + after
    if len(before) > 1 and before[-1] == "-" and before[-2].isalpha() and after[:1].islower():
        return before[:-1] + after
    if len(before) > 1 and before[-1] == "-" and not before[-2].isspace():
        return before + after
    if _CJK.match(before[-1:]) and _CJK.match(after[:1]):
        return before + after
    return before + " " + after


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(value: str) -> tuple[datetime.date | None, str]:
    """A PDF date string ("D:20140207093000+09'00'", or only its first digits) as a date at
    the precision it gives; (None, "") for one that is not a date."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None, ""
    year, month, day = match.groups()
    iso = "-".join(part for part in (year, month, day if month else None) if part)
    try:
        return dates.partial_date_parse(iso)
    except ValueError:
        return None, ""


# HTML ------------------------------------------------------------------------------------------


def html_extract(data: bytes) -> Extracted:
    """The main text of a saved web page (without its navigation, advertising and comments),
    its title, authors, site name and date from its metadata, and its own address
    (`<link rel="canonical">`, or else og:url).

    Raises ExtractionError for a page with no main text.
    """
    try:
        document = trafilatura.bare_extraction(
            data, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception:  # whatever a parser meets in an upload ends in a message, not a 500
        raise ExtractionError("This web page cannot be read.") from None
    lines = (_line_text(line) for line in (document.text or "").split("\n")) if document else ()
    text = "\n".join(line for line in lines if line)
    if not text:
        raise ExtractionError("This web page has no main text to cite.")
    date, precision = None, ""
    if document.date:
        try:
            date, precision = dates.partial_date_parse(document.date)
        except ValueError:
            pass
    url = _canonical_url(data, (document.url or "").strip())
    return Extracted(
        kind=HTML,
        pages=[text],
        title=_tidy(document.title or ""),
        authors=_authors(document.author or ""),
        publisher=_tidy(document.sitename or ""),
        date=date,
        date_precision=precision,
        url=url,
    )


def _canonical_url(data: bytes, found: str) -> str:
    """The page's own address: its canonical link (resolved against the address trafilatura
    found, og:url's, when relative), or else that address; only an http(s) one."""
    try:
        root = lxml.html.document_fromstring(data)
    except (lxml.etree.ParserError, ValueError):
        root = None
    links = root.xpath("//head/link[@href]") if root is not None else []
    for link in links:
        if "canonical" in (link.get("rel") or "").lower().split():
            found = urllib.parse.urljoin(found, link.get("href").strip())
            break
    return found if re.match(r"^https?://[^\s/]+", found) else ""


# Metadata --------------------------------------------------------------------------------------


def _tidy(value: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", value)).strip()


def _authors(value: str) -> list[str]:
    """Names in an author field: "A; B", "A and B", "A & B", or "A B, C D" (but "Roe, Jane" is
    one name: commas part names only when every part has a first name and a last)."""
    names = [name for name in re.split(r";|\s+(?:and|&)\s+", _tidy(value)) if name.strip()]
    parted = []
    for name in names:
        parts = [part.strip() for part in name.split(",")]
        parted += parts if all(len(part.split()) > 1 for part in parts) else [name.strip()]
    return [name for name in parted if name]

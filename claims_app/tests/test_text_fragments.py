"""Text fragments proved in a real browser: every `#:~:text=` link the site offers, opened in
Debian's Chromium against a page holding its source's text (each line of the text a paragraph,
as the original page would have it), highlights exactly the cited words, and nothing else.

How the highlight is seen: the page paints its text transparent on white and gives
`::target-text` (what Chromium paints over a text fragment's match) one colour of its own;
a full-page screenshot then says, character by character, which characters are painted.
A passage for which no fragment can be proved exact is offered the plain URL, no fragment."""

import html
import io
import re
import time
import urllib.parse
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from claims_app.bundles import bundle_import, bundle_read
from claims_app.models import Passage, Source

from . import browser
from .factories import PassageFactory, SourceFactory, StatementFactory

ORIGIN = "https://original.test"  # answered by the browser's router, never by a network
HIGHLIGHT = (255, 0, 0)
VIEWPORT = {"width": 1400, "height": 900}
STYLE = (
    "body { margin: 8px; background: #fff; color: transparent; font: 9px/1.4 sans-serif }"
    " ::target-text { background: rgb(255, 0, 0); color: transparent }"
)
MARGIN = 30  # px above and below the cited lines that are looked at too (a line is 12.6)
WAIT_SECONDS = 5  # Chromium looks for the words after the page has loaded, in its own time

# Where each character of the page is: its offset in the source's text, and the middle of its
# box in page coordinates. Offsets are code points, as in Python; JavaScript counts UTF-16.
CHARACTER_CENTRES = """() => {
    const centres = [];
    const range = document.createRange();
    for (const p of document.querySelectorAll("p[data-start]")) {
        const node = p.firstChild;
        if (!node) continue;
        let offset = Number(p.dataset.start), unit = 0;
        for (const character of node.data) {
            if (character.trim()) {
                range.setStart(node, unit);
                range.setEnd(node, unit + character.length);
                const box = range.getBoundingClientRect();
                if (box.width > 0 && box.height > 0) {
                    centres.push([offset, box.left + box.width / 2 + scrollX,
                                  box.top + box.height / 2 + scrollY]);
                }
            }
            offset += 1;
            unit += character.length;
        }
    }
    return centres;
}"""


def original_page(text: str) -> str:
    """The source's text as its original web page would show it: a paragraph a line."""
    paragraphs, offset = [], 0
    for line in text.split("\n"):
        paragraphs.append(f'<p data-start="{offset}">{html.escape(line)}</p>')
        offset += len(line) + 1
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Original</title>'
        f"<style>{STYLE}</style><body>{''.join(paragraphs)}</body></html>"
    )


@dataclass
class Cited:
    """A passage as the site offers it: its source's text, its words, and its link."""

    name: str
    text: str
    start: int
    end: int
    link: str  # the passage's text_fragment_url, as its JSON and its page give it
    original: str  # the source's URL

    @property
    def words(self) -> set[int]:
        return {i for i in range(self.start, self.end) if not self.text[i].isspace()}


def offered_links(client: Client, passages, names=None) -> list[Cited]:
    """Each passage's link to the original, from its JSON twin; its page offers the same."""
    cited = []
    names = names or [f"passage {passage.pk}" for passage in passages]
    for name, passage in zip(names, passages, strict=True):
        response = client.get(f"/passages/{passage.pk}.json")
        assert response.status_code == 200
        link = response.json()["text_fragment_url"]
        page = client.get(f"/passages/{passage.pk}/").content.decode()
        offered = re.search(r'<a href="([^"]*)" rel="external">These words in the original', page)
        assert offered and html.unescape(offered.group(1)) == link
        source = passage.source
        cited.append(Cited(name, source.text, passage.start, passage.end, link, source.url))
    return cited


def highlighted_in_chromium(cited: list[Cited]) -> dict[str, set[int]]:
    """Open each fragment link in Chromium: name → offsets of the characters it highlights."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    pages = {urllib.parse.urldefrag(c.link).url: original_page(c.text) for c in cited}
    found = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browser.chromium_path(), args=browser.CHROMIUM_ARGS
        )
        try:
            context = chromium.new_context(viewport=VIEWPORT)
            context.route(
                f"{ORIGIN}/**",
                lambda route: route.fulfill(
                    status=200 if route.request.url in pages else 404,
                    content_type="text/html; charset=utf-8",
                    body=pages.get(route.request.url, ""),
                ),
            )
            page = context.new_page()
            centres = {}  # the same page, laid out the same way at each visit
            for each in cited:
                address = urllib.parse.urldefrag(each.link).url
                page.goto("about:blank")  # so that each link loads a new document
                page.goto(each.link)
                if address not in centres:
                    centres[address] = page.evaluate(CHARACTER_CENTRES)
                # The lines of the cited words and one more each side, the page's whole width:
                # a highlight is one run of text, so one that starts or ends anywhere else
                # shows there too (an earlier occurrence leaves these lines unpainted).
                words = each.words
                ys = [y for offset, _, y in centres[address] if offset in words]
                top = max(0, min(ys) - MARGIN)
                clip = {
                    "x": 0,
                    "y": top,
                    "width": VIEWPORT["width"],
                    "height": max(ys) + MARGIN - top,
                }
                deadline = time.monotonic() + WAIT_SECONDS
                while True:
                    shot = page.screenshot(full_page=True, clip=clip)
                    shot = Image.open(io.BytesIO(shot)).convert("RGB")
                    painted = any(colour == HIGHLIGHT for _, colour in shot.getcolors(1 << 16))
                    if painted or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                pixels = shot.load()
                found[each.name] = {
                    offset
                    for offset, x, y in centres[address]
                    if top <= y < top + clip["height"] and pixels[int(x), int(y - top)] == HIGHLIGHT
                }
        finally:
            chromium.close()
    return found


def check_in_chromium(cited: list[Cited]) -> tuple[int, int]:
    """Every fragment offered highlights exactly its words: (fragments checked, withheld)."""
    offered = [c for c in cited if "#:~:text=" in c.link]
    withheld = [c for c in cited if "#:~:text=" not in c.link]
    for each in withheld:
        assert each.link == each.original  # the plain URL, no fragment
    found = highlighted_in_chromium(offered)
    wrong = []
    for each in offered:
        if found[each.name] != each.words:
            shown = "".join(each.text[i] for i in sorted(found[each.name]))
            wrong.append(
                f"{each.name}: {each.link.partition('#')[2]}\n"
                f"  cited:       {each.text[each.start : each.end]!r}\n"
                f"  highlighted: {shown!r}"
            )
    assert not wrong, f"{len(wrong)} of {len(offered)} fragments wrong:\n" + "\n".join(wrong)
    print(f"{len(offered)} fragments proved in Chromium, {len(withheld)} withheld")
    return len(offered), len(withheld)


@pytest.mark.django_db
def test_every_seed_passage_links_to_exactly_its_words_in_the_original(client):
    bundle_import(bundle_read(settings.BASE_DIR / "fixtures" / "seed.json"))
    for source in Source.objects.all():
        Source.objects.filter(pk=source.pk).update(url=f"{ORIGIN}/{source.slug}")
    passages = list(Passage.objects.select_related("source").order_by("pk"))
    assert len(passages) > 50
    checked, withheld = check_in_chromium(offered_links(client, passages))
    assert withheld == 0  # every seed passage can be given exactly


COUNCIL = (
    "The council met. Critics said the UN Security Council acted. Then the UN Security "
    "Council’s members spoke, and the UN Security Council’s duty was debated. Some said it was "
    "beyond the UN Security Council’s duty; others said it was the UN Security Council’s "
    "business. At last the UN Security Council’s duty of maintaining peace was cited."
)
# (name, text, quote, which occurrence of it, whether a fragment can be proved)
HARD_CASES = [
    ("the Council case, third of six, before ’s", COUNCIL, "the UN Security Council", 3, True),
    ("the Council case, last, before ’s duty", COUNCIL, "the UN Security Council", 5, True),
    ("’s itself", COUNCIL, "Council’s duty", 1, True),
    (
        "an apostrophe, a repeat before ’s",
        "Asmolov's view differs. Asmolov wrote it. Asmolov's book says so.",
        "Asmolov",
        2,
        True,
    ),
    (
        "hyphens",
        "Shin Dong-hyuk spoke. Dong told them. Later Shin Dong-hyuk admitted it; Dong-hyuk said "
        "so, and Dong said nothing.",
        "Dong",
        3,
        True,
    ),
    ("a hyphenated name", "Shin Dong-hyuk spoke; Shin Dong-hyuk wrote.", "Shin Dong-hyuk", 1, True),
    (
        "1,200",
        "Some 1,200 were held, of 200 counted, then 1,200 more; 200 of them were freed.",
        "200",
        1,
        True,
    ),
    ("1,200 whole", "Some 1,200 were held, then 1,200 more.", "1,200 more", 0, True),
    (
        "Korean",
        "북한은 수용소가 없다고 했다. 유엔은 수용소가 있다고 했다. 수용소가 있다.",
        "수용소가 있다",
        1,
        True,
    ),
    ("Korean inside a word", "북한은 인권을 말했다. 북한 정부는 부인했다.", "북한", 0, True),
    (
        "quotes across paragraphs",
        "The first paragraph ends with the claim.\nThe second paragraph disputes the claim.\n"
        "The third paragraph ends with the claim.\nThe fourth begins here.",
        "ends with the claim.\nThe fourth begins",
        0,
        True,
    ),
    (
        "quotes across three paragraphs",
        "A line about camps.\nA middle line.\nA line about camps.\nThe end of camps.",
        "camps.\nA middle line.\nA line about",
        0,
        True,
    ),
    (
        "quotes inside quotation marks",
        "He called it “a fabrication”. They said “a fabrication” was the word, and "
        "“a fabrication” it stayed.",
        "a fabrication",
        1,
        True,
    ),
    (
        "quotation marks cited",
        "He called it “a fabrication”. They said “a fabrication” was the word.",
        "“a fabrication”",
        1,
        True,
    ),
    (
        "a passage inside a word",
        "The committee said that. The committee said more.",
        "ommittee said more",
        0,
        True,
    ),
    (
        "accents a browser does not tell apart",
        "Tomas Ojea spoke first. Then Tomás Ojea Quintana spoke.",
        "Tomás Ojea",
        0,
        True,
    ),
    (
        "a figure with a non-breaking space",
        "Some said 130\u00a0000 held. Others said 130\u00a0000 held in camps.",
        "130\u00a0000 held in",
        0,
        True,
    ),
    (
        "a figure with a thin space",
        "Some said 130\u2009000 held. Others said 130\u2009000 held in camps.",
        "130\u2009000 held",
        1,
        True,
    ),
    (
        "ß, which a browser reads as ss",
        "The Strasse is long. The Straße is short.",
        "Straße",
        0,
        True,
    ),
    (
        "ø, which a browser reads as o, and nothing else to tell them apart",
        "Olsen said so.\nØlsen said so.",
        "Ølsen",
        0,
        False,
    ),
    (
        "æ, which a browser reads as ae",
        "aesthetic matters.\næsthetic matters more.",
        "æsthetic",
        0,
        True,
    ),
    ("Hangul, whole syllables", "학교 이야기.\n한국 할머니.", "한국", 0, True),
    ("Chinese, a whole sentence", "东京大学的报告。东京的报告。", "东京的报告。", 0, True),
    (
        "Chinese, where only a dictionary knows the words",
        "东京大学的报告。东京的报告。",
        "京大学",
        0,
        False,
    ),
    (
        "a repeat at a paragraph's start, nothing on its line to tell it",
        "the figure is low\nthe figure is low",
        "the figure is low",
        1,
        False,
    ),
]


@pytest.mark.django_db
def test_hard_cases_link_to_exactly_their_words_or_to_no_words(client):
    passages, expected_withheld = [], set()
    for name, text, quote, nth, provable in HARD_CASES:
        start = -1
        for _ in range(nth + 1):
            start = text.index(quote, start + 1)
        source = SourceFactory(text=text, url=f"{ORIGIN}/{len(passages)}")
        passage = PassageFactory(source=source, start=start, end=start + len(quote), quote=quote)
        StatementFactory(passage=passage)
        passages.append(passage)
        if not provable:
            expected_withheld.add(name)
    cited = offered_links(client, passages, [case[0] for case in HARD_CASES])
    check_in_chromium(cited)
    assert {c.name for c in cited if "#:~:text=" not in c.link} == expected_withheld

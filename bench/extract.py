"""Benchmark: the text of a 400-page PDF report, page by page (budget: 20 s for the whole).

The PDF is made first (not timed), with fpdf2: the seed articles' paragraphs and as many of
generated words, justified, wrapping across lines, a page number at each page's foot, a Korean
paragraph on every tenth page when a Korean font is installed (Debian's fonts-nanum), title and
author in its metadata. Then `extraction.document_extract` reads it; the seconds and pages a
second are printed. Run by `make bench`; writes bench/results/extract.json. `bench/extract.py 3
--show` makes a 3-page PDF and prints the text of its first pages.
"""

import json
import logging
import random
import string
import sys
import time
from pathlib import Path

from fpdf import FPDF
from harness import ROOT, results_write

from claims_app import extraction

PAGES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 400
BUDGET_SECONDS = 20.0
KOREAN_FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
# Helvetica (a PDF's own font, no file needed) has Latin-1's letters only.
LATIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})
KOREAN = "조사위원회는 북한에서 광범위하고 체계적인 인권 침해가 자행되었다고 보고하였다. " * 6


def paragraphs(seed: int) -> list[str]:
    """The seed articles' paragraphs, and as many again of generated words."""
    bundle = json.loads((ROOT / "fixtures" / "seed.json").read_text())
    seeded = [p for source in bundle["sources"] for p in source["text"].split("\n") if p.strip()]
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 11))) for _ in range(3000)
    ]
    made = [" ".join(rng.choices(vocabulary, k=rng.randint(40, 120))) + "." for _ in seeded]
    return [p for pair in zip(seeded, made, strict=False) for p in pair]


def report(pages: int) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title("Report of the commission of inquiry (benchmark)")
    pdf.set_author("Commission of Inquiry")
    pdf.set_auto_page_break(False)
    korean = KOREAN_FONT.exists()
    if korean:
        pdf.add_font("Nanum", fname=str(KOREAN_FONT))
    texts = paragraphs(seed=18)
    for number in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.set_y(20)
        at = number * 3
        while pdf.get_y() < 250:
            text = (
                texts[at % len(texts)]
                .translate(LATIN)
                .encode("latin-1", "replace")
                .decode("latin-1")
            )
            pdf.multi_cell(0, 5.5, text, align="J")
            pdf.ln(3)
            at += 1
        if korean and number % 10 == 0:
            pdf.set_font("Nanum", size=11)
            pdf.multi_cell(0, 5.5, KOREAN)
        pdf.set_font("Helvetica", size=9)
        pdf.text(100, 285, str(number + 1))
    return bytes(pdf.output())


def main() -> None:
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # fpdf2's font subsetting
    started = time.perf_counter()
    data = report(PAGES)
    made = time.perf_counter() - started
    started = time.perf_counter()
    extracted = extraction.document_extract(data)
    seconds = time.perf_counter() - started
    if "--show" in sys.argv:
        print(extracted.pages[0][:1500], "\n---\n", extracted.pages[1][:800])
    characters = sum(len(page) for page in extracted.pages)
    print(
        f"a {PAGES}-page PDF ({len(data) / 1e6:.1f} MB, made in {made:.1f} s): extracted in "
        f"{seconds:.2f} s, {PAGES / seconds:.0f} pages/s, {characters:,} characters "
        f"(budget {BUDGET_SECONDS:.0f} s: {seconds / BUDGET_SECONDS:.0%})"
    )
    results_write(
        "extract",
        {
            "pages": PAGES,
            "bytes": len(data),
            "characters": characters,
            "seconds": round(seconds, 3),
            "pages_per_second": round(PAGES / seconds, 1),
            "budget_seconds": BUDGET_SECONDS,
        },
    )
    if len(extracted.pages) != PAGES or seconds > BUDGET_SECONDS:
        raise SystemExit("over budget" if seconds > BUDGET_SECONDS else "pages lost")


if __name__ == "__main__":
    main()

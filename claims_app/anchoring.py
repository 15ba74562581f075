"""Pure text functions for passages: locating a quote in a text, and its context.

Offsets are Unicode code points into the source text (Python string indices), end exclusive,
as in the W3C TextPositionSelector. Nothing here touches the database.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

CONTEXT_LENGTH = 32


@dataclass(frozen=True)
class Span:
    start: int
    end: int


class QuoteNotFound(ValueError):
    """The quote does not occur in the text. `closest` is the nearest text that does, if any."""

    def __init__(self, quote: str, closest: str = ""):
        self.quote = quote
        self.closest = closest
        message = "not found in the text"
        if closest:
            message += f"; the closest text is “{closest}”"
        super().__init__(message)


class QuoteAmbiguous(ValueError):
    """The quote occurs more than once and nothing given tells which occurrence is meant."""

    def __init__(self, quote: str, candidates: list[Span], text: str):
        self.quote = quote
        self.candidates = candidates
        places = "; ".join(
            f"at {span.start} (…{context_before(text, span.start, 20)}[…]"
            f"{context_after(text, span.end, 20)}…)"
            for span in candidates[:5]
        )
        more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        super().__init__(
            f"occurs {len(candidates)} times: {places}{more}. Add the words just before it "
            "(prefix) or just after it (suffix), or a longer quote, to tell which."
        )


def occurrences(text: str, quote: str) -> list[Span]:
    """Every span of `text` equal to `quote`, overlapping ones included, in order."""
    if not quote:
        return []
    spans = []
    index = text.find(quote)
    while index != -1:
        spans.append(Span(index, index + len(quote)))
        index = text.find(quote, index + 1)
    return spans


def context_before(text: str, start: int, length: int = CONTEXT_LENGTH) -> str:
    return text[max(0, start - length) : start]


def context_after(text: str, end: int, length: int = CONTEXT_LENGTH) -> str:
    return text[end : end + length]


def quote_locate(
    text: str, quote: str, *, prefix: str = "", suffix: str = "", near: int | None = None
) -> Span:
    """The one span of `text` holding `quote`, told apart by `prefix`/`suffix` where needed, or
    else by `near` (an offset: the occurrence closest to it).

    Raises QuoteNotFound (with the closest text that does occur) or QuoteAmbiguous (with the
    candidate spans). A prefix must end right before the quote, a suffix start right after it.
    """
    if not quote:
        raise QuoteNotFound(quote)
    spans = occurrences(text, quote)
    if not spans:
        raise QuoteNotFound(quote, closest_text(text, quote))
    if prefix or suffix:
        spans = [
            span
            for span in spans
            if text.endswith(prefix, 0, span.start) and text.startswith(suffix, span.end)
        ]
        if not spans:
            raise QuoteNotFound(quote, closest_text(text, prefix + quote + suffix))
    if len(spans) > 1 and near is not None:
        return min(spans, key=lambda span: (abs(span.start - near), span.start))
    if len(spans) > 1:
        raise QuoteAmbiguous(quote, spans, text)
    return spans[0]


# Closest text: a quote this short is compared with every stretch of the text (rapidfuzz's
# bit-parallel path, linear in the text); a longer one only where pieces of it occur exactly.
SHORT_QUOTE = 64
CLOSE_SCORE = 75  # rapidfuzz's ratio (0-100): below it, a stretch is not offered as the closest
_PIECES = 64  # exact pieces of a long quote looked up in the text, evenly spread over it
_COMMON = 50  # a piece found more often than this tells nothing about where the quote is


def _likely_spans(text: str, quote: str, low: int = 0, high: int | None = None) -> list[Span]:
    """Where in `text[low:high]` the quote most likely stands (likeliest first): exact pieces of
    the quote found there vote for the start they imply; a run of such starts close together
    is one place, from where its first piece puts the start to where its last puts the end
    (so a letter inserted or dropped between them is spanned). Some pieces survive a few typos;
    the cost is a few scans of the text, whatever the quote's length.
    """
    high = len(text) if high is None else high
    size = max(8, min(24, len(quote) // 16))
    if len(quote) < 2 * size:
        return []
    count = min(_PIECES, len(quote) // size)
    hits = []  # (implied start, offset of the piece in the quote)
    for i in range(count):
        offset = i * (len(quote) - size) // max(1, count - 1)
        piece = quote[offset : offset + size]
        if text.count(piece, low, high) > _COMMON:
            continue
        at = text.find(piece, low, high)
        while at != -1:
            hits.append((at - offset, offset))
            at = text.find(piece, at + 1, high)
    hits.sort()
    places, reach = [], max(8, len(quote) // 10)
    for hit in hits:
        if places and hit[0] - places[-1][-1][0] <= reach:
            places[-1].append(hit)
        else:
            places.append([hit])
    places.sort(key=lambda place: (-len(place), place[0]))
    spans = []
    for place in places[:8]:
        first, last = min(place, key=lambda h: h[1]), max(place, key=lambda h: h[1])
        start, end = max(low, first[0]), min(high, last[0] + len(quote))
        if start < end:
            spans.append(Span(start, end))
    return spans


def closest_text(text: str, wanted: str) -> str:
    """The stretch of `text` most like `wanted`, for an error message; "" if nothing is close.

    In time near-linear in the text whatever the quote's length (rapidfuzz does the comparing):
    a short quote is compared with every stretch of the text; a longer one only where exact
    pieces of it occur (`_likely_spans`), which one mistyped letter cannot all spoil.
    """
    if not text or not wanted:
        return ""
    if len(wanted) <= SHORT_QUOTE:
        found = fuzz.partial_ratio_alignment(wanted, text, score_cutoff=CLOSE_SCORE)
        if found is None:
            return ""
        candidate = text[found.dest_start : found.dest_end]
        # Text that shares only a few letters in a row with the quote is noise, not a suggestion.
        block = difflib.SequenceMatcher(
            None, candidate, wanted, autojunk=False
        ).find_longest_match()
        if block.size < max(min(4, len(wanted)), len(wanted) // 3):
            return ""
        # The alignment is as long as the quote: where the text has a letter more ("1,200"
        # for "1200") it stops a letter short. Each end is looked for a few letters either side.
        reach = max(2, len(wanted) // 10)
        spans = [
            Span(start, end)
            for start in range(max(0, found.dest_start - reach), found.dest_start + reach + 1)
            for end in range(found.dest_end - reach, min(len(text), found.dest_end + reach) + 1)
            if start < end
        ]
    else:
        # A letter more or less between two pieces moves that place's end as much.
        spans = [
            Span(max(0, span.start + shift), min(len(text), span.end + longer))
            for span in _likely_spans(text, wanted)
            for shift in (0, -1, 1, -2, 2)
            for longer in (0, -1, 1, -2, 2)
        ]
    # The fewest letters changed wins; then a stretch that begins and ends as the quote does
    # (not one letter into or short of its first or last word); then one that cuts no word in
    # two; then the length nearest the quote's.
    best, best_key = "", None
    for span in spans:
        candidate = text[span.start : span.end]
        if fuzz.ratio(candidate, wanted, score_cutoff=CLOSE_SCORE):
            key = (
                Levenshtein.distance(candidate, wanted),
                (candidate[0] != wanted[0]) + (candidate[-1] != wanted[-1]),
                _in_word(text, span.start) + _in_word(text, span.end),
                abs(len(candidate) - len(wanted)),
            )
            if best_key is None or key < best_key:
                best, best_key = candidate, key
    return best.strip()


def _in_word(text: str, at: int) -> bool:
    """Whether `at` falls between two letters or digits of one word."""
    return 0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum()


def quote_selector(text: str, start: int, end: int) -> dict[str, str]:
    """The shortest `prefix` (else `suffix`, else both) that tells the span apart from every
    other occurrence of its quote; {} when the quote occurs once."""
    quote = text[start:end]
    others = [s for s in occurrences(text, quote) if s.start != start]
    if not others:
        return {}
    for length in range(1, CONTEXT_LENGTH * 4):
        prefix = context_before(text, start, length)
        if not any(text.endswith(prefix, 0, s.start) for s in others):
            return {"prefix": prefix}
        suffix = context_after(text, end, length)
        if not any(text.startswith(suffix, s.end) for s in others):
            return {"suffix": suffix}
    return {
        "prefix": context_before(text, start, start),
        "suffix": context_after(text, end, len(text)),
    }


@dataclass(frozen=True)
class Anchor:
    """Where a passage stands in a (possibly edited) text. `exact` means `text[span]` is the
    quote itself; otherwise the passage has changed, and `span` is the best current match, with
    `score` from 0 (nothing alike) to 1."""

    span: Span
    exact: bool
    score: float


# How far from its old place a fuzzy search looks, at the least (code points).
FUZZY_REACH = 2_000
OFFER_SCORE = 0.5


def passage_reanchor(
    text: str, *, quote: str, prefix: str, suffix: str, start: int, end: int
) -> Anchor:
    """Find a passage again after its text was edited.

    In order: the old offsets; the exact quote nearest the old position (occurrences whose
    prefix and suffix still match first; a short quote only where some of its old context
    still stands beside it); the words now between its prefix and suffix; a fuzzy
    match near its old place, scored on quote, prefix, suffix and distance. Only the first two
    give an exact anchor: a passage never silently resolves to other words.
    """
    old = Span(start, end)
    if text[start:end] == quote and _context_fits(text, old, prefix, suffix, quote):
        return Anchor(old, True, 1.0)
    spans = [s for s in occurrences(text, quote) if _context_fits(text, s, prefix, suffix, quote)]
    if spans:
        in_context = [
            s for s in spans if text.endswith(prefix, 0, s.start) and text.startswith(suffix, s.end)
        ]
        best = min(in_context or spans, key=lambda s: (abs(s.start - start), s.start))
        return Anchor(best, True, 1.0)
    between = _between_context(text, quote, prefix, suffix, start)
    if between is not None:
        return between
    return _fuzzy(text, quote, prefix, suffix, start)


# A quote this long is specific: found anywhere, it is the same words. A shorter one ("130,000")
# is trusted only where some of its old context still stands beside it.
SPECIFIC_LENGTH = 32
_CONTEXT_PROBE = 8


def _context_fits(text: str, span: Span, prefix: str, suffix: str, quote: str) -> bool:
    if len(quote) >= SPECIFIC_LENGTH:
        return True
    if (not prefix and span.start == 0) or (not suffix and span.end == len(text)):
        return True  # still at the very start (or end) of the text, as it was
    near = min(_CONTEXT_PROBE, len(prefix), span.start)
    if near and text.endswith(prefix[-near:], 0, span.start):
        return True
    near = min(_CONTEXT_PROBE, len(suffix), len(text) - span.end)
    return bool(near and text.startswith(suffix[:near], span.end))


def _between_context(text, quote, prefix, suffix, start) -> Anchor | None:
    if len(prefix) < 8 or len(suffix) < 8:
        return None  # too little context to place anything by it
    best = None
    room = 2 * len(quote) + 40  # how far apart its old context may now stand
    for before in occurrences(text, prefix):
        # Looked for only as far as it may stand: a prefix found all over a long text must not
        # make each look scan the rest of it.
        after = text.find(suffix, before.end, before.end + room + len(suffix))
        if after <= before.end:
            continue
        span = Span(before.end, after)
        distance = abs(span.start - start)
        if best is None or distance < best[0]:
            best = (distance, span)
    if best is None:
        return None
    span = best[1]
    # Scored as a fuzzy match is, its context counting in full: it stands between the old words.
    quote_score = _alike(text[span.start : span.end], quote)
    nearness = 1 - min(1.0, best[0] / max(FUZZY_REACH, 4 * len(quote)))
    return Anchor(span, False, round(0.7 * quote_score + 0.2 + 0.1 * nearness, 3))


def _fuzzy(text, quote, prefix, suffix, start) -> Anchor:
    reach = max(FUZZY_REACH, 4 * len(quote))
    low, high = max(0, start - reach), min(len(text), start + len(quote) + reach)
    best = Anchor(_clamp(text, start, len(quote)), False, 0.0)
    if not text[low:high].strip():
        return best
    # Candidates: the old place, where exact pieces of the quote now are, and (a short quote)
    # the stretch of the region most like it. Each is scored in time linear in the quote.
    candidates = {best.span}
    for span in _likely_spans(text, quote, low, high):
        candidates |= {span, Span(span.start, min(high, span.start + len(quote)))}
    if len(quote) <= SHORT_QUOTE:
        found = fuzz.partial_ratio_alignment(quote, text[low:high])
        if found is not None:
            candidates.add(Span(low + found.dest_start, low + found.dest_end))
    for candidate in sorted(candidates, key=lambda span: (span.start, span.end)):
        absolute, window = candidate.start, text[candidate.start : candidate.end]
        if not window:
            continue
        quote_score = _alike(window, quote)
        if quote_score < 0.3:
            continue
        context = (
            (
                _alike(context_before(text, absolute, len(prefix)), prefix)
                + _alike(context_after(text, absolute + len(window), len(suffix)), suffix)
            )
            / 2
            if (prefix or suffix)
            else quote_score
        )
        nearness = 1 - min(1.0, abs(absolute - start) / reach)
        score = 0.7 * quote_score + 0.2 * context + 0.1 * nearness
        if score > best.score:
            best = Anchor(Span(absolute, absolute + len(window)), False, round(score, 3))
    return best


def _alike(found: str, wanted: str) -> float:
    """How alike two texts are, from 0 to 1: one minus their edit distance over the longer's
    length (rapidfuzz's bit-parallel Levenshtein, milliseconds for a quote of 10,000)."""
    return Levenshtein.normalized_similarity(found, wanted)


def _clamp(text: str, start: int, length: int) -> Span:
    """A non-empty span of `text` near `start` (the text must not be empty)."""
    start = max(0, min(start, len(text) - 1))
    return Span(start, min(len(text), start + max(1, length)))


# Text Fragments (WICG, https://wicg.github.io/scroll-to-text-fragment/): a URL that scrolls to
# and highlights words in the original document. A directive is only given out once a simulation
# of the browser's matching finds exactly our words with it; otherwise there is none.
#
# The simulation follows Chromium's (third_party/blink/renderer/core/fragment_directive/
# text_fragment_finder.cc): each term is found within one block (here, one line), case- and
# accent-blind (ICU's collation at primary strength); a term is "word bounded" where ICU's word
# break iterator (Unicode's default word boundaries, UAX #29) puts a boundary, and only the ends
# Chromium checks: a prefix's start, the start text's start unless a prefix precedes it, the
# last term's end unless a suffix follows it, the end text's start, a suffix's end. So
# "Council’s", "1,200" and "don't" are single words ("’", "," and "'" inside a word do not
# break it), while "Dong-hyuk" is two words and a hyphen. The page is assumed to show each line
# of the text as a block with one text node (markup inside a paragraph adds boundaries).
FRAGMENT_EXACT_LIMIT = 80  # a longer quote is given by its first and last words
_FRAGMENT_WORDS = 4
_CONTEXT_WORDS = 6
_BOUNDARY = regex.compile(r"\b", regex.WORD | regex.V1)
# Scripts ICU segments with a dictionary (Chinese, Japanese, Thai…): where such a character
# meets another, whether there is a boundary is the dictionary's call, not a rule's.
_DICTIONARY = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Line_Break=Complex_Context}]")
_QUOTE_MARKS = str.maketrans("‘’‛′“”„″", "''''\"\"\"\"")


def _fragment_encode(text: str) -> str:
    # Everything but unreserved characters is percent-encoded; "-" too, since it marks a prefix
    # or a suffix ("&" and "," are encoded by quote() already).
    return urllib.parse.quote(text, safe="").replace("-", "%2D")


def _unsure(text: str, at: int) -> bool:
    """Whether only a dictionary says if `at` is a word boundary."""
    return 0 < at < len(text) and bool(
        _DICTIONARY.match(text, at - 1) and _DICTIONARY.match(text, at)
    )


def _word_boundary(text: str, at: int) -> bool:
    """Whether ICU's word break iterator has a boundary at `at` (one a dictionary might put is
    taken as there: the simulation then sees every match a browser could)."""
    return at in (0, len(text)) or bool(_BOUNDARY.match(text, at)) or _unsure(text, at)


def _folded(text: str) -> str:
    """`text` as the browser compares it (ICU's collation at primary strength, as near as a
    character's folding gets): case and accents dropped, curly quotation marks straight, and
    letters the collation takes as others ("ø" as "o", "ß" as "ss", "æ" as "ae")."""
    return "".join(map(_fold_character, text.translate(_QUOTE_MARKS)))


@functools.lru_cache(maxsize=4)  # the source's text, folded once
def _folded_text(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """(folded, origin, at): `_folded(text)`; and, when a letter folds into two ("ß" into
    "ss"), where each folded character comes from in `text` (origin) and where each character
    of `text` starts in the folded text (at). None, None when each folds into one."""
    folded = _folded(text)
    if len(folded) == len(text):
        return folded, None, None
    origin, at = [], []
    for i, char in enumerate(text.translate(_QUOTE_MARKS)):
        at.append(len(origin))
        origin.extend([i] * len(_fold_character(char)))
    at.append(len(origin))
    return folded, origin, at


# Letters ICU's collation takes, at primary strength, as others that no decomposition gives.
_ALIKE = str.maketrans("øØłŁđĐıħĦŧŦ", "oollddihhtt")
_EXPANDED = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th"}
_EXPANDED |= {"Þ": "th", "ĳ": "ij", "Ĳ": "ij"}


@functools.lru_cache(maxsize=4096)
def _fold_character(char: str) -> str:
    if char in _EXPANDED:
        return _EXPANDED[char]
    if "\ufb00" <= char <= "\ufb06":  # ligatures: "ﬁ" is "fi"
        return unicodedata.normalize("NFKD", char).lower()
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    if len(bare) != 1:  # a Hangul syllable decomposes into its letters: it is compared whole
        bare = char
    bare = bare.translate(_ALIKE)
    folded = bare.casefold()
    return folded if len(folded) == 1 else bare.lower()


def _pattern(words: list[str]) -> re.Pattern:
    # Words of one block: whitespace between them, but no line break.
    return re.compile(r"[^\S\n]+".join(re.escape(_folded(word)) for word in words))


def _find(text: str, words: list[str], at: int, starts: bool, ends: bool):
    """The first (start, end) of `words` from `at` on, bounded where asked; as the browser
    does, a match that is not is skipped whole."""
    folded, origin, where = _folded_text(text)
    for match in _pattern(words).finditer(folded, where[at] if where else at):
        s, e = match.span()
        if where:  # back to the text's own positions; half of a letter's folding is no match
            if where[origin[s]] != s or (e < len(folded) and where[origin[e]] != e):
                continue
            s, e = origin[s], origin[e - 1] + 1
        if (not starts or _word_boundary(text, s)) and (not ends or _word_boundary(text, e)):
            return s, e
    return None


def _next_text(text: str, at: int) -> int:
    """The first position from `at` on that is not white space (line breaks included)."""
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _boundary_after(text: str, at: int) -> int:
    at += 1
    while at < len(text) and not _word_boundary(text, at):
        at += 1
    return min(at, len(text))


def _fragment_find(text: str, start: list[str], end: list[str] | None, prefix, suffix):
    """Where a browser would highlight `prefix-,start,end,-suffix` in `text` (None if nowhere):
    Chromium's search, step for step."""
    start_ends = bool(end) or not suffix  # the start text's end is checked
    at = 0
    while at <= len(text):
        if prefix:
            found = _find(text, prefix, at, True, False)
            if found is None:
                return None
            at = _boundary_after(text, found[0])
            after = _next_text(text, found[1])
            match = _find(text, start, after, False, start_ends)
            if match is None:
                return None
            if match[0] != after:
                continue
        else:
            match = _find(text, start, at, True, start_ends)
            if match is None:
                return None
            at = _boundary_after(text, match[0])
        range_start, range_end = match
        while True:
            if end:
                found = _find(text, end, range_end, True, not suffix)
                if found is None:
                    return None
                range_end = found[1]
            if not suffix:
                return range_start, range_end
            after = _next_text(text, range_end)
            found = _find(text, suffix, after, False, True)
            if found is None:
                return None
            if found[0] == after:
                return range_start, range_end
            if not end:
                break  # another start
    return None


def text_fragment(text: str, start: int, end: int) -> str:
    """The `#:~:text=` directive that finds exactly `text[start:end]` (less white space at its
    ends) in a page showing `text`; "" when no directive would find exactly those words first."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    lines = [line.split() for line in text[start:end].split("\n")]
    lines = [line for line in lines if line]
    if not lines or _unsure(text, start) or _unsure(text, end):
        return ""
    target = (start, end)
    before = text[:start].split("\n")[-1].split()[-_CONTEXT_WORDS:]
    after = text[end:].split("\n")[0].split()[:_CONTEXT_WORDS]
    for start_words, end_words in _fragment_ranges(lines):
        contexts = [([], [])]
        contexts += [(before[-n:], []) for n in range(1, len(before) + 1)]
        contexts += [([], after[:n]) for n in range(1, len(after) + 1)]
        contexts += [(before[-n:], after[:n]) for n in range(1, min(len(before), len(after)) + 1)]
        for prefix, suffix in contexts:
            if _fragment_find(text, start_words, end_words, prefix, suffix) == target:
                return "#:~:text=" + _fragment_directive(start_words, end_words, prefix, suffix)
    return ""


def _fragment_ranges(lines: list[list[str]]):
    """Ways to give the words: all of them (one short line), or first and last words."""
    words = [word for line in lines for word in line]
    if len(lines) == 1 and len(" ".join(words)) <= FRAGMENT_EXACT_LIMIT:
        yield words, None
    first, last = lines[0], lines[-1]
    head = first[:_FRAGMENT_WORDS]
    # A few end words, even where fewer would do: the original's text may differ from ours.
    for count in range(min(_FRAGMENT_WORDS, len(last)), len(last) + 1):
        if len(lines) == 1 and count > len(last) - len(head):
            break
        yield head, last[-count:]
    if len(lines) == 1:
        yield words, None  # a long line that no start,end form finds


def _fragment_directive(start, end, prefix, suffix) -> str:
    directive = _fragment_encode(" ".join(start))
    if end:
        directive += "," + _fragment_encode(" ".join(end))
    if prefix:
        directive = _fragment_encode(" ".join(prefix)) + "-," + directive
    if suffix:
        directive += ",-" + _fragment_encode(" ".join(suffix))
    return directive


def text_fragment_url(url: str, text: str, start: int, end: int) -> str:
    """`url` with a Text Fragment for `text[start:end]` ("" when there is no URL)."""
    if not url:
        return ""
    directive = text_fragment(text, start, end)
    if not directive:
        return url
    return url + (directive[1:] if "#" in url else directive)


# ---------------------------------------------------------------------------------------------
# Pages: a source read from pages (a PDF, a bundle's "pages") holds them one after another,
# each after the first beginning after a line break; its breaks are where pages 2, 3, … begin.

PAGE_SEPARATOR = "\n"


def pages_join(pages: list[str]) -> tuple[str, list[int]]:
    """The text of these pages, one after another with a line break between two, and where
    each page after the first begins (code-point offsets)."""
    breaks, at = [], 0
    for page in pages[:-1]:
        at += len(page) + len(PAGE_SEPARATOR)
        breaks.append(at)
    return PAGE_SEPARATOR.join(pages), breaks


def pages_split(text: str, breaks: list[int]) -> list[str]:
    """The pages of `text` (the inverse of pages_join)."""
    starts, ends = [0, *breaks], [b - len(PAGE_SEPARATOR) for b in breaks] + [len(text)]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


def page_breaks_problem(text: str, breaks: list) -> str | None:
    """What is wrong with `breaks` as the page breaks of `text`, if anything."""
    if not isinstance(breaks, list) or not all(type(b) is int for b in breaks):
        return "Page breaks are a list of offsets."
    previous = 0
    for at in breaks:
        if not previous < at <= len(text):
            return f"A page break at {at} is not after the one before it and within the text."
        if text[at - len(PAGE_SEPARATOR) : at] != PAGE_SEPARATOR:
            return f"A page break at {at} does not follow a line break."
        previous = at
    return None


def page_of(breaks: list[int], at: int) -> int:
    """The page (1 for the first) on which the code point at offset `at` is."""
    return bisect.bisect_right(breaks, at) + 1


def pages_of(breaks: list[int], start: int, end: int) -> tuple[int, int]:
    """The first and the last page of the span start–end (end exclusive)."""
    return page_of(breaks, start), page_of(breaks, max(start, end - 1))

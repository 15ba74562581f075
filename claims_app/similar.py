"""Claims found before they are duplicated (issue 17): the existing claims closest to a claim
text being typed, and the pairs of claims that are probably one claim written twice.

Each database's index finds a few dozen candidates fast (PostgreSQL: the trigram distance of
the claim's text, read in order from a GiST index, migration 0016; SQLite: FTS5's bm25 over
the title and text for any of the typed words, from issue 10's index), and one score, the same
on both databases, ranks them (`claim_similarity`): pg_trgm's trigram similarity of the two
texts, as Python, with the numbers in them weighed apart. Figures are what this record is
about: "more than 130,000 political prisoners" and "1,200 people held without trial" share
most of their words' trigrams with many claims, and little else tells them apart.

Measured at 100,000 claims (generate_demo's, and the seed; two queries a lookup): 80 to 170 ms
on PostgreSQL (the same lookup without the index, reading every claim: 1 to 4 s), 30 to 155 ms
on SQLite; the issue's paraphrase finds the seed's claim first on both. generate_demo's claims
are words drawn from one small vocabulary, the worst case for either index: every claim shares
trigrams and words with every text typed.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models.expressions import RawSQL

from . import search
from .models import Claim, Statement

# Candidates the index gives for the score to rank: paraphrases rank within the first few
# dozen by either index (the seed's paraphrase is second by bm25, first by trigram distance).
CANDIDATES = 40
# The characters of a claim's text its PostgreSQL trigram index holds (migration 0016): a long
# text's trigrams would not fit an index row. Candidates are found by these; the score reads all.
INDEXED = 500
# Longest text looked up: a claim is a sentence or two (a pasted article is not a claim).
TEXT_MAX = 2_000
# The score from which two claims are listed as likely duplicates. The paraphrase of
# the seed's 130,000 figure scores 0.72 against it; no two different claims of the seed score
# more than 0.45 (two about North Korea's human rights: their trigrams are mostly the country's
# name and "human rights"). See tests/test_similar.py.
DUPLICATE_SCORE = 0.55
# How many of the most recently changed claims the duplicates page compares with all others:
# each is a lookup of its own (at 100,000 synthetic claims on a loaded machine, 0.2 to 0.6 s on
# PostgreSQL), and a duplicate is most likely made, and best merged, while it is new.
DUPLICATES_CHECKED = 25

_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
_WORD = re.compile(r"[^\W_]+")


def numbers_of(text: str) -> set[str]:
    """The numbers written in `text`, as digits ("130,000" and "130000" alike; "1.5" kept)."""
    return {number.replace(",", "") for number in _NUMBER.findall(text)}


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of `text`: each word (letters and digits; a number's digits as one
    word) lowercased, with two spaces before it and one after."""
    text = _NUMBER.sub(lambda m: m.group(0).replace(",", ""), text.lower())
    grams = set()
    for word in _WORD.findall(text):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def claim_similarity(typed: str, text: str) -> float:
    """How alike two claim texts are, 0 to about 1.3: their trigram similarity (shared trigrams
    over all trigrams, as pg_trgm's `similarity`), raised by 0.3 times the share of `typed`'s
    numbers that `text` has too, and lowered by 0.2 when both give numbers and share none (the
    same words about another figure are another claim)."""
    a, b = _trigrams(typed), _trigrams(text)
    score = len(a & b) / len(a | b) if a and b else 0.0
    typed_numbers, numbers = numbers_of(typed), numbers_of(text)
    if typed_numbers and numbers:
        shared = typed_numbers & numbers
        score += 0.3 * len(shared) / len(typed_numbers) if shared else -0.2
    return round(score, 4)


def _candidates_postgres(text: str, exclude: int | None):
    # `<->` (trigram distance) read in order from the GiST index: no scan of all claims.
    claims = Claim.objects.all()
    if exclude is not None:
        claims = claims.exclude(pk=exclude)
    distance = RawSQL(f"left(claims_app_claim.text, {INDEXED}) <-> %s", [text])  # as indexed
    return claims.alias(distance=distance).order_by("distance")[:CANDIDATES]


def _candidates_sqlite(text: str, exclude: int | None):
    # Any of the typed words (OR), in the title or the text only: who said it and the quotes
    # are not what makes two claims one.
    words = {
        word
        for word in _WORD.findall(search.cjk_bigrams(_NUMBER.sub(" ", text)).lower())
        if word not in search._STOP_WORDS
    }
    # A number as written ("130,000": the words 130 and 000 to FTS5) and as digits ("130000").
    words |= {
        form for number in _NUMBER.findall(text) for form in (number, number.replace(",", ""))
    }
    terms = sorted(f'"{term}"' for term in words if term)
    if not terms:
        return Claim.objects.none()
    match = "{title text} : (" + " OR ".join(terms) + ")"
    claims = Claim.objects.filter(search_index__match=match)
    if exclude is not None:
        claims = claims.exclude(pk=exclude)
    return claims.alias(search_rank=RawSQL(f"bm25({search.FTS}, {search._WEIGHTS})", ())).order_by(
        "search_rank"
    )[:CANDIDATES]


def claims_similar(text: str, *, limit: int = 5, exclude: int | None = None) -> list[Claim]:
    """The existing claims (drafts too: this is for curators) closest to the claim text `text`,
    best first, at most `limit`, each with `.similarity` (claim_similarity), `.claimant_names`
    (its claimants' names, in the order of their statements) and its `.status`. None for a text
    without a word or number to go by. Two queries."""
    claims = _closest(text, limit=limit, exclude=exclude)
    _claimant_names_fill(claims)
    return claims


def _closest(text: str, *, limit: int, exclude: int | None) -> list[Claim]:
    # (PostgreSQL takes no NUL character in a text.)
    text = (text or "").replace("\x00", " ").strip()[:TEXT_MAX]
    if not _WORD.search(text):
        return []
    if connection.vendor == "postgresql":
        candidates = _candidates_postgres(text, exclude)
    else:
        candidates = _candidates_sqlite(text, exclude)
    claims = list(candidates.only("id", "text", "title", "slug", "status", "published"))
    for claim in claims:
        claim.similarity = max(
            claim_similarity(text, claim.text),
            claim_similarity(text, claim.title) if claim.title else 0.0,
        )
    claims.sort(key=lambda claim: (-claim.similarity, -claim.pk))
    return [claim for claim in claims if claim.similarity > 0][:limit]


def _claimant_names_fill(claims: list[Claim]) -> None:
    """Give each claim `.claimant_names`, in one query for all."""
    names: dict[int, list[str]] = {claim.pk: [] for claim in claims}
    rows = (
        Statement.objects.filter(claim__in=list(names))
        .order_by("date", "pk")
        .values_list("claim_id", "actor__name")
    )
    for claim_id, name in rows:
        if name not in names[claim_id]:
            names[claim_id].append(name)
    for claim in claims:
        claim.claimant_names = names[claim.pk]


def claim_pairs_similar(*, checked: int = DUPLICATES_CHECKED) -> list[tuple[Claim, Claim, float]]:
    """Pairs of claims that are probably one claim written twice (scoring DUPLICATE_SCORE or
    more), best first: each of the `checked` most recently changed claims against all others.
    Each pair once, the older claim first."""
    pairs: dict[tuple[int, int], tuple[Claim, Claim, float]] = {}
    recent = Claim.objects.order_by("-updated_at", "-pk").only("id", "text", "title")[:checked]
    for claim in recent:
        for other in _closest(claim.text, limit=3, exclude=claim.pk):
            if other.similarity < DUPLICATE_SCORE:
                break
            first, second = sorted((claim.pk, other.pk))
            pairs.setdefault((first, second), (first, second, other.similarity))
    ids = {pk for first, second, _ in pairs.values() for pk in (first, second)}
    claims = {claim.pk: claim for claim in Claim.objects.filter(pk__in=ids)}
    _claimant_names_fill(list(claims.values()))
    found = [
        (claims[first], claims[second], score)
        for first, second, score in pairs.values()
        if first in claims and second in claims
    ]
    found.sort(key=lambda pair: (-pair[2], pair[0].pk))
    return found

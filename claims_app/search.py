"""Full-text search over claims: on PostgreSQL a stored, weighted search vector (the claim's
words, its actors' names, its quotes, its disputes' notes) with a GIN index, websearch syntax,
ranking and highlighted matches; on SQLite a plain fallback that finds the same claims by words.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import mark_safe

CONFIG = "english"

# PostgreSQL refuses a tsvector over 1 MB ("string is too long for tsvector"; its other limits,
# 2,047 characters a word and 256 positions a word up to position 16,383, it applies by itself,
# dropping what is over). A character of text costs a tsvector at most 12 bytes (a distinct
# one-character word: 4 for its entry, up to 4 for its bytes, 4 for its one position; measured:
# distinct one-character words, each after a space, cost 6 bytes a character), so each kind of
# words is indexed up to its share of 1 MB / 12, about 87,000 characters in all, and the whole
# vector stays within the documented limit (`||` does not check it). A claim longer than that is
# still stored and shown whole, and found by its first words.
# Characters indexed of: the title and text; the actors' names; the quotes; the disputes' notes.
_TEXT, _NAMES, _QUOTES, _NOTES = 40_000, 8_000, 30_000, 9_000

# ts_headline does not escape HTML: it marks matches with these, and the text is escaped first.
_START, _STOP = "\x02", "\x03"

_REFRESH = f"""
UPDATE claims_app_claim AS c SET search_vector =
    setweight(to_tsvector('{CONFIG}', left(coalesce(c.title, '') || ' ' || c.text, {_TEXT})), 'A')
    || setweight(to_tsvector('{CONFIG}', left(coalesce((
        SELECT string_agg(names.name, ' ' ORDER BY names.name) FROM (
            SELECT a.name FROM claims_app_actor a WHERE a.id IN (
                SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
                UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
            UNION ALL
            SELECT al.name FROM claims_app_alias al WHERE al.actor_id IN (
                SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
                UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
        ) AS names), ''), {_NAMES})), 'B')
    || setweight(to_tsvector('{CONFIG}', left(coalesce((
        SELECT string_agg(p.quote, ' ' ORDER BY p.id) FROM claims_app_passage p WHERE p.id IN (
            SELECT passage_id FROM claims_app_statement WHERE claim_id = c.id
            UNION SELECT passage_id FROM claims_app_dispute WHERE claim_id = c.id)), ''),
        {_QUOTES})), 'C')
    || setweight(to_tsvector('{CONFIG}', left(coalesce((
        SELECT string_agg(d.note, ' ' ORDER BY d.id)
        FROM claims_app_dispute d WHERE d.claim_id = c.id),
        ''), {_NOTES})), 'D')
"""


# Every claim at once: each claim's names, quotes and notes gathered in one pass (GROUP BY), not
# one subquery per claim per kind of words.
_REFRESH_ALL = f"""
WITH cited AS (
    SELECT claim_id, actor_id, passage_id FROM claims_app_statement
    UNION ALL SELECT claim_id, actor_id, passage_id FROM claims_app_dispute
), actors AS (SELECT DISTINCT claim_id, actor_id FROM cited
), names AS (
    SELECT claim_id, string_agg(name, ' ' ORDER BY name) AS words FROM (
        SELECT x.claim_id, a.name FROM actors x JOIN claims_app_actor a ON a.id = x.actor_id
        UNION ALL
        SELECT x.claim_id, al.name
        FROM actors x JOIN claims_app_alias al ON al.actor_id = x.actor_id
    ) AS named GROUP BY claim_id
), quotes AS (
    SELECT x.claim_id, string_agg(p.quote, ' ' ORDER BY p.id) AS words
    FROM (SELECT DISTINCT claim_id, passage_id FROM cited) AS x
    JOIN claims_app_passage p ON p.id = x.passage_id GROUP BY x.claim_id
), notes AS (
    SELECT claim_id, string_agg(note, ' ' ORDER BY id) AS words
    FROM claims_app_dispute GROUP BY claim_id
)
UPDATE claims_app_claim AS c SET search_vector =
    setweight(to_tsvector('{CONFIG}', left(coalesce(c.title, '') || ' ' || c.text, {_TEXT})), 'A')
    || setweight(to_tsvector('{CONFIG}', left(coalesce(names.words, ''), {_NAMES})), 'B')
    || setweight(to_tsvector('{CONFIG}', left(coalesce(quotes.words, ''), {_QUOTES})), 'C')
    || setweight(to_tsvector('{CONFIG}', left(coalesce(notes.words, ''), {_NOTES})), 'D')
FROM claims_app_claim AS c2
LEFT JOIN names ON names.claim_id = c2.id
LEFT JOIN quotes ON quotes.claim_id = c2.id
LEFT JOIN notes ON notes.claim_id = c2.id
WHERE c2.id = c.id
"""


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def ranks() -> bool:
    """Whether search results come ranked (on PostgreSQL)."""
    return _postgres()


def claims_search_refresh(*, claim_ids=None) -> None:
    """Recompute the search vector of these claims (all, if None). A no-op on SQLite."""
    if not _postgres():
        return
    with connection.cursor() as cursor:
        if claim_ids is None:
            cursor.execute(_REFRESH_ALL)
        else:
            ids = list(claim_ids)
            if ids:
                cursor.execute(_REFRESH + " WHERE c.id = ANY(%s)", [ids])


def claims_search(queryset: QuerySet, q: str, *, ranked: bool) -> QuerySet:
    """Claims matching `q` (websearch syntax on PostgreSQL), best first when `ranked`, each
    annotated with `search_headline` (matches between the sentinels)."""
    if _postgres():
        query = SearchQuery(q, search_type="websearch", config=CONFIG)
        queryset = queryset.filter(search_vector=query).annotate(
            search_headline=SearchHeadline(
                "text",
                query,
                config=CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                highlight_all=True,
            )
        )
        if ranked:
            queryset = queryset.annotate(
                search_rank=SearchRank(F("search_vector"), query)
            ).order_by("-search_rank", "-pk")
        return queryset
    return _fallback(queryset, q)


def _fallback(queryset: QuerySet, q: str) -> QuerySet:
    from .models import Dispute, Statement

    words = [w.strip('"').lstrip("-") for w in q.split() if w.upper() != "OR"]
    for word in filter(None, words):
        queryset = queryset.filter(
            Q(text__icontains=word)
            | Q(title__icontains=word)
            | Exists(
                Statement.objects.filter(claim=OuterRef("pk")).filter(
                    Q(passage__quote__icontains=word)
                    | Q(actor__name__icontains=word)
                    | Q(actor__aliases__name__icontains=word)
                )
            )
            | Exists(
                Dispute.objects.filter(claim=OuterRef("pk")).filter(
                    Q(passage__quote__icontains=word)
                    | Q(actor__name__icontains=word)
                    | Q(actor__aliases__name__icontains=word)
                    | Q(note__icontains=word)
                )
            )
        )
    return queryset


def highlighted(headline: str) -> str:
    """A search headline as safe HTML: the text escaped, the matches in <mark>."""
    return mark_safe(escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>"))

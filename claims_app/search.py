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
# ts_headline does not escape HTML: it marks matches with these, and the text is escaped first.
_START, _STOP = "\x02", "\x03"

_REFRESH = f"""
UPDATE claims_app_claim AS c SET search_vector =
    setweight(to_tsvector('{CONFIG}', coalesce(c.title, '') || ' ' || c.text), 'A')
    || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(names.name, ' ') FROM (
            SELECT a.name FROM claims_app_actor a WHERE a.id IN (
                SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
                UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
            UNION ALL
            SELECT al.name FROM claims_app_alias al WHERE al.actor_id IN (
                SELECT actor_id FROM claims_app_statement WHERE claim_id = c.id
                UNION SELECT actor_id FROM claims_app_dispute WHERE claim_id = c.id)
        ) AS names), '')), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(p.quote, ' ') FROM claims_app_passage p WHERE p.id IN (
            SELECT passage_id FROM claims_app_statement WHERE claim_id = c.id
            UNION SELECT passage_id FROM claims_app_dispute WHERE claim_id = c.id)), '')), 'C')
    || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(d.note, ' ') FROM claims_app_dispute d WHERE d.claim_id = c.id),
        '')), 'D')
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
            cursor.execute(_REFRESH)
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

"""Every public read, built on the models' `public()` QuerySets: pages, twins and counts all ask
here, so that a draft claim cannot leak through a road someone forgot.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.http import Http404

from . import search
from .anchoring import OFFER_SCORE, PAGE_SEPARATOR
from .models import (
    Actor,
    Authorship,
    Claim,
    ClaimStatus,
    DeletedPassage,
    Dispute,
    MergedClaim,
    Passage,
    Source,
    Statement,
    Topic,
    Turn,
)

# The public road's own SQL reads from the replica its request reads from (replicas.py).
from .replicas import read_connection as connection

# What a citation is shown with; a caller that has its claim or its passage already leaves it out.
_CITED = ("actor", "passage__source", "claim")


def _statements(*related: str) -> QuerySet[Statement]:
    return Statement.objects.public().select_related(*(related or _CITED))


def _disputes(*related: str) -> QuerySet[Dispute]:
    # A counterclaim still in draft reads as none: the prefetch leaves it None.
    return (
        Dispute.objects.public()
        .select_related(*(related or _CITED))
        .prefetch_related(Prefetch("counterclaim", queryset=Claim.objects.public()))
    )


_REPORTER_FIELDS = ("slug", "name", "kind", "wikidata", "affiliation")  # what pages show of one


def reporting_fill(items, *, voices: dict[int, tuple[list[Actor], Actor | None]] | None = None):
    """Give each statement or dispute in `items` its `reported_by`: the actors whose report of
    the actor's words it is (its source's authors, or its publisher when it has none), or []
    when the words are the actor's own; and `is_reported`. Reported, unless a curator said
    otherwise (`reported`), when the actor is neither an author nor the publisher of the source,
    nor affiliated to one (either way round: a spokesperson and her ministry, a researcher and
    his NGO), nor the speaker of the transcript's turn its passage begins in. What the items do
    not carry is read in at most three queries, whatever their number, and a fourth when some
    words would be reported (who speaks their passages); `voices` gives the (authors,
    publisher) of sources the caller has read already."""
    items = list(items)
    voices = dict(voices or {})
    source_of: dict[int, int] = {}  # passage -> source
    publisher_of: dict[int, int | None] = {}
    unread = set()
    publishers = []  # read with their sources
    for item in items:
        passage = item.passage if type(item).passage.is_cached(item) else None
        if passage is not None and passage.__dict__.get("source_id") in voices:
            source_of[item.passage_id] = passage.source_id
            continue
        source = passage.source if passage and Passage.source.is_cached(passage) else None
        if source is not None and "publisher_id" in source.__dict__:
            source_of[item.passage_id] = source.pk
            publisher_of[source.pk] = source.publisher_id
            if source.publisher_id and Source.publisher.is_cached(source):
                publishers.append(source.publisher)
        else:
            unread.add(item.passage_id)
    if unread:
        for pk, source_id, publisher_id in Passage.objects.filter(pk__in=unread).values_list(
            "pk", "source_id", "source__publisher_id"
        ):
            source_of[pk] = source_id
            publisher_of[source_id] = publisher_id
    known = {
        actor.pk: actor
        for authors, publisher in voices.values()
        for actor in (*authors, *([publisher] if publisher else []))
    }
    known.update(
        (item.actor_id, item.actor)
        for item in items
        if type(item).actor.is_cached(item) and "affiliation_id" in item.actor.__dict__
    )
    known.update((publisher.pk, publisher) for publisher in publishers)
    to_read = set(source_of.values()) - set(voices)
    authors_of: dict[int, list[Actor]] = {}
    if to_read:
        for authorship in (
            Authorship.objects.filter(source__in=to_read)
            .select_related("actor")
            .only("source", *(f"actor__{name}" for name in _REPORTER_FIELDS))
            .order_by("source", "position", "pk")
        ):
            authors_of.setdefault(authorship.source_id, []).append(authorship.actor)
            known.setdefault(authorship.actor_id, authorship.actor)
    wanted = {item.actor_id for item in items} | {publisher_of[pk] for pk in to_read}
    wanted -= {None, *known}
    if wanted:
        known.update(
            (actor.pk, actor)
            for actor in Actor.objects.filter(pk__in=wanted).order_by().only(*_REPORTER_FIELDS)
        )
    for pk in to_read:
        publisher = publisher_of[pk]
        voices[pk] = (authors_of.get(pk, []), known[publisher] if publisher else None)
    derived = {}
    for item in items:
        authors, publisher = voices[source_of[item.passage_id]]
        speakers = [*authors, *([publisher] if publisher else [])]
        if item.reported is None:
            derived[id(item)] = bool(speakers) and not _speaks_for(known[item.actor_id], speakers)
    # The speaker of a transcript's turn says its words: not the commission that published it.
    # Asked only of the passages whose words would be reported otherwise, in one query.
    speaker_of = _speakers_of({item.passage_id for item in items if derived.get(id(item))})
    for item in items:
        authors, publisher = voices[source_of[item.passage_id]]
        speakers = [*authors, *([publisher] if publisher else [])]
        reported = item.reported
        if reported is None:
            reported = derived[id(item)] and speaker_of.get(item.passage_id) != item.actor_id
        item.is_reported = reported
        item.reported_by = (authors or speakers) if reported else []
        # Where its reporters published it, when they are its authors.
        item.reported_publisher = publisher if reported and authors else None
    return items


def _speakers_of(passage_ids: set[int]) -> dict[int, int]:
    """The speaker (an actor's id) of each of these passages that begins in a transcript's
    turn, by passage id."""
    if not passage_ids:
        return {}
    turn = Turn.objects.filter(
        source=OuterRef("source"), start__lte=OuterRef("start"), end__gt=OuterRef("start")
    )
    return {
        pk: speaker
        for pk, speaker in Passage.objects.filter(
            pk__in=passage_ids, source__kind=Source.Kind.TRANSCRIPT
        )
        .annotate(speaker=Subquery(turn.values("speaker")[:1]))
        .order_by()
        .values_list("pk", "speaker")
        if speaker is not None
    }


def reported_derived(items) -> dict[int, list[Actor]]:
    """Whose report each saved statement's or dispute's words are, by its id, leaving aside a
    curator's `reported` ([] when direct)."""
    probes = [copy.copy(item) for item in items]
    for probe in probes:
        probe.reported = None
    return {probe.pk: probe.reported_by for probe in reporting_fill(probes)}


def _speaks_for(actor: Actor, speakers: list[Actor]) -> bool:
    """Whether `actor` is one of `speakers` (a source's authors and publisher), or affiliated
    to one, or one of them to it."""
    ids = {speaker.pk for speaker in speakers}
    return (
        actor.pk in ids
        or actor.affiliation_id in ids
        or any(speaker.affiliation_id == actor.pk for speaker in speakers)
    )


def claims_public() -> QuerySet[Claim]:
    """Published claims (each with its stored status, dispute count and first date)."""
    return Claim.objects.public()


def claims_rows(claims) -> list[Claim]:
    """`claims` (a sliced QuerySet, or claims read already) with what a list row shows (and
    its twin, its CSV, the map of claims): topics, and who made and who disputed each claim,
    how, and in which passage; `claim.topics.all()`, `.statements.all()` and `.disputes.all()`
    then read no more. Four queries by plain SQL (see _raw), whatever the number of claims; the
    statements and disputes with only the columns a row shows, and their actors with only a
    slug and a name."""
    claims = list(claims)
    if not claims:
        return claims
    ids = [claim.pk for claim in claims]
    marks = _marks(ids)
    through = Claim.topics.through._meta.db_table
    topics = _raw(
        Topic,
        f"t.id = ct.topic_id AND ct.claim_id IN ({marks})",
        ids,
        fields=("slug", "name"),
        tables=f", {through} ct",
        extra="ct.claim_id AS listed_for",
        order="t.name, t.id",
    )
    cited = ("claim", "actor", "passage")
    statements = _raw(Statement, f"t.claim_id IN ({marks})", ids, fields=cited, order=_IN_ORDER)
    disputes = _raw(
        Dispute, f"t.claim_id IN ({marks})", ids, fields=(*cited, "kind"), order=_IN_ORDER
    )
    actors = _raw_by_id(
        Actor, [row.actor_id for row in (*statements, *disputes)], fields=("slug", "name")
    )
    by_claim = {claim.pk: ([], [], []) for claim in claims}
    for topic in topics:
        by_claim[topic.listed_for][0].append(topic)
    for index, rows in ((1, statements), (2, disputes)):
        for row in rows:
            row.actor = actors[row.actor_id]
            by_claim[row.claim_id][index].append(row)
    for claim in claims:
        listed = by_claim[claim.pk]
        for row in (*listed[1], *listed[2]):
            row.claim = claim
        for name, rows in zip(("topics", "statements", "disputes"), listed, strict=True):
            _prefetched(claim, name, rows)
    return claims


def claim_ids_citing(*, actor: Actor | None = None, source: Source | None = None) -> QuerySet:
    """The ids of the published claims that this actor made or disputed, or that cite this
    source in a statement or a dispute. One list of ids (a UNION) rather than "has a statement
    … or has a dispute …", which would test every claim in turn."""
    where = {"actor": actor} if actor is not None else {"passage__source": source}
    where["claim__published"] = True
    return (
        Statement.objects.filter(**where)
        .order_by()
        .values("claim_id")
        .union(Dispute.objects.filter(**where).order_by().values("claim_id"))
    )


def claims_page_fetch(
    *, page, rows: QuerySet[Claim], q: str, ranked_ids: list[int] | None = None
) -> bool:
    """Fetch the claims of `page` (of the claims `rows` that search `q` found, newest first)
    ranked by relevance (`ranked_ids`: all their ids, best first, if known already); but past
    settings.RANK_MAX_MATCHES matches leave them newest first, since ranking every match of a
    broad search ("human rights" matches most of the record) takes longer than a page may.
    Returns whether they came ranked."""
    start = (page.number - 1) * page.paginator.per_page
    if ranked_ids is not None:
        ids = ranked_ids[start : start + page.paginator.per_page]
        found = {claim.pk: claim for claim in claims_rows(claims_public().filter(pk__in=ids))}
        page.object_list = [found[pk] for pk in ids if pk in found]
        return True
    if page.paginator.count is None or page.paginator.count > settings.RANK_MAX_MATCHES:
        return False
    page.object_list = claims_rows(
        search.claims_ranked(rows, q)[start : start + page.paginator.per_page]
    )
    return True


def claims_ranked_keys(
    claims: QuerySet[Claim], q: str, limit: int
) -> list[tuple[int, str, str | None]] | None:
    """The id, status and facet keys of each of `claims` (those search `q` found), best first,
    if they are at most `limit`; else None. One query, which most searches need alone: their
    count, their facets and the claims of any page all come from it (the search run once)."""
    if connection.vendor == "postgresql":
        # A broad search ("human rights", 34,000 matches) would have every match ranked before
        # the limit could say it is too broad (120 ms): one the planner expects to be far past
        # the limit is not tried, and of the others only the first matches found are ranked.
        # (SQLite's index count has told a broad search already: search.index_matches.)
        plan = json.loads(claims.order_by().values("pk").explain(format="json"))
        if plan[0]["Plan"]["Plan Rows"] > 4 * limit:
            return None
        claims = claims_public().filter(pk__in=claims.order_by().values("pk")[: limit + 1])
    rows = search.claims_ranked(claims, q).values_list("pk", "status", "facet_keys")
    rows = list(rows[: limit + 1])
    return rows if len(rows) <= limit else None


def claim_get(*, slug: str) -> Claim:
    """One public claim with its statements and disputes (`claim.statements.all()`, …), and
    the disputes that rest on it as their counterclaim (`claim.countered`); or Http404."""
    claim = next(iter(claims_public().filter(slug=slug).order_by()[:1]), None)
    if claim is None:
        raise Http404("No published claim has this address.")
    topics = Claim.topics.through._meta.db_table
    _prefetched(
        claim,
        "topics",
        _raw(Topic, f"t.id IN (SELECT topic_id FROM {topics} WHERE claim_id = %s)", [claim.pk]),
    )
    statements = _raw(Statement, "t.claim_id = %s", [claim.pk], order=_IN_ORDER)
    # Its disputes and those it counters (by a published claim: Dispute.objects.public()).
    disputes = _raw(
        Dispute,
        f"(t.claim_id = %s OR t.counterclaim_id = %s) AND {_OF_A_PUBLISHED_CLAIM}",
        [claim.pk, claim.pk, True],
        order=_IN_ORDER,
    )
    claims = _raw_by_id(
        Claim,
        [d.claim_id for d in disputes if d.claim_id != claim.pk]
        + [d.counterclaim_id for d in disputes if d.counterclaim_id not in (None, claim.pk)],
        published=True,
    )
    claims[claim.pk] = claim
    for citation in statements:
        citation.claim = claim
    for dispute in disputes:
        dispute.claim = claims[dispute.claim_id]
        # A counterclaim still in draft reads as none.
        Dispute.counterclaim.field.set_cached_value(dispute, claims.get(dispute.counterclaim_id))
    _cited_fill([*statements, *disputes])
    _prefetched(claim, "statements", statements)
    _prefetched(claim, "disputes", [d for d in disputes if d.claim_id == claim.pk])
    claim.countered = sorted(
        (d for d in disputes if d.counterclaim_id == claim.pk), key=lambda d: d.claim.text
    )
    return claim


# Statements and disputes in their models' order (Meta.ordering: date, then id).
_IN_ORDER = "t.date, t.id"

# A statement's or dispute's claim is published (`public()`), asked of each row: `claim_id IN
# (the published claims)` had SQLite list 100,000 claims first (25 ms a passage page).
_OF_A_PUBLISHED_CLAIM = (
    f"EXISTS (SELECT 1 FROM {Claim._meta.db_table} c WHERE c.id = t.claim_id AND c.published = %s)"
)


def _raw(
    model,
    where: str,
    params: list,
    *,
    order: str = "",
    fields: tuple[str, ...] = (),
    tables: str = "",
    extra: str = "",
) -> list:
    """The rows of `model` (as `t`, with other `tables` joined) that `where` selects, by SQL
    written here: all their columns, or only the id and `fields` (the others deferred), and
    any `extra` columns as attributes. A page's related rows are read so: their queries are
    simple, and Django spends about a millisecond building each of them (more with joined
    models) where SQLite takes a tenth of that to run it, which made a claim page slower than
    Datasette's row page. Callers keep `public()`'s rules, which they name."""
    table, qn = model._meta.db_table, connection.ops.quote_name
    wanted = {"id", *fields}
    columns = [
        f"t.{qn(f.column)}"
        for f in model._meta.concrete_fields
        if not fields or f.name in wanted or f.attname in wanted
    ]
    sql = f"SELECT {', '.join([*columns, *([extra] if extra else [])])} FROM {qn(table)} t"
    sql = f"{sql}{tables} WHERE {where}"
    return list(model.objects.raw(f"{sql} ORDER BY {order}" if order else sql, params))


def _marks(values) -> str:
    """A placeholder for each of `values`, for `IN (…)`."""
    return ", ".join(["%s"] * len(values))


def _raw_by_id(model, ids, *, fields: tuple[str, ...] = (), **where) -> dict:
    """`model`'s rows of these ids (and these column values), by id (only `fields`, if
    given)."""
    ids = sorted({pk for pk in ids if pk is not None})
    if not ids:
        return {}
    condition = " AND ".join([f"t.id IN ({_marks(ids)})", *(f"t.{name} = %s" for name in where)])
    return {row.pk: row for row in _raw(model, condition, [*ids, *where.values()], fields=fields)}


def _cited_fill(items, *, passages: dict | None = None) -> dict[int, list[Actor]]:
    """Give each statement or dispute in `items` its actor, and its passage with the passage's
    source and the source's publisher (`passages`: those read already, by id), and whether its
    words are reported (`reporting_fill`): in at most four queries. Returns each source's
    authors, by the source's id."""
    passages = dict(passages or {})
    passages.update(_raw_by_id(Passage, {i.passage_id for i in items} - set(passages)))
    sources = {p.source_id: p.source for p in passages.values() if Passage.source.is_cached(p)}
    sources.update(_raw_by_id(Source, {p.source_id for p in passages.values()} - set(sources)))
    authorships = (
        _raw(
            Authorship,
            f"t.source_id IN ({_marks(sources)})",
            list(sources),
            order="t.source_id, t.position, t.id",
        )
        if sources
        else []
    )
    actors = _raw_by_id(
        Actor,
        [i.actor_id for i in items]
        + [s.publisher_id for s in sources.values()]
        + [a.actor_id for a in authorships],
    )
    authors: dict[int, list[Actor]] = {pk: [] for pk in sources}
    for authorship in authorships:
        authors[authorship.source_id].append(actors[authorship.actor_id])
    for source in sources.values():
        source.publisher = actors.get(source.publisher_id)
    for passage in passages.values():
        passage.source = sources[passage.source_id]
    for item in items:
        item.actor = actors[item.actor_id]
        item.passage = passages[item.passage_id]
    reporting_fill(
        items, voices={pk: (authors[pk], source.publisher) for pk, source in sources.items()}
    )
    return authors


def _prefetched(obj, name: str, rows: list) -> None:
    """Give `obj` its related `rows` as prefetch_related does (`obj.<name>.all()` then reads
    them, without a query), when they were read another way: a page's few related rows read
    directly cost half what the prefetch machinery spends on them."""
    queryset = getattr(obj, name).get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[name] = queryset


def actors_public() -> QuerySet[Actor]:
    """Public actors, each with how many published claims it made and disputed."""
    return Actor.objects.public()


def actor_get(*, slug: str) -> Actor:
    actor = Actor.objects.public().select_related("affiliation").filter(slug=slug).first()
    if actor is None:
        raise Http404("No actor has this address.")
    # Not yet evaluated: the page shows one page of each.
    actor.statements_public = _statements().filter(actor=actor).order_by("claim__text", "pk")
    actor.disputes_public = _disputes().filter(actor=actor).order_by("claim__text", "pk")
    actor.alias_names = [alias.name for alias in actor.aliases.all()]
    return actor


def sources_public() -> QuerySet[Source]:
    """Public sources, each with its number of public passages and of claims citing it."""
    return (
        Source.objects.public().select_related("publisher").prefetch_related("authorships__actor")
    )


def source_get(*, slug: str) -> Source:
    source = sources_public().filter(slug=slug).first()
    if source is None:
        raise Http404("No source has this address.")
    # A changed passage is marked only where its best current match is worth offering.
    source.passages_public = list(
        Passage.objects.public()
        .filter(source=source)
        .filter(Q(changed=False) | Q(match_score__gte=OFFER_SCORE))
        .order_by("start", "end")
    )
    for passage in source.passages_public:
        passage.source = source  # its page is read from the source's page breaks
    source.claims_cited = (  # not yet evaluated: the page shows one page of them
        claims_public().filter(pk__in=claim_ids_citing(source=source)).order_by("text", "pk")
    )
    return source


@dataclass
class SourcePage:
    """One page of a source read from pages: its number (1 for the first), where it begins in
    the source's text, its text, and the public passages on it (`continued`: begun on an
    earlier page)."""

    source: Source
    number: int
    start: int
    text: str
    passages: list[Passage]
    continued: set[int]

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.source.page_count else None


def source_page_get(*, slug: str, number: int) -> SourcePage:
    """Page `number` of a public source read from pages, or Http404. Only that page's text is
    read (a report's whole text is a megabyte or two): by code points, as offsets count."""
    source = sources_public().defer("text").filter(slug=slug).first()
    if source is None or not 1 <= number <= source.page_count:
        raise Http404("This source has no such page.")
    starts = [0, *source.page_breaks]
    start = starts[number - 1]
    end = starts[number] - len(PAGE_SEPARATOR) if number < len(starts) else None
    text = (
        Source.objects.filter(pk=source.pk)
        .annotate(page=Substr("text", start + 1, None if end is None else end - start))
        .values_list("page", flat=True)
        .get()
    )
    end = start + len(text)
    passages = list(
        Passage.objects.public()
        .filter(source=source, start__lt=max(end, start + 1), end__gt=start)
        .filter(Q(changed=False) | Q(match_score__gte=OFFER_SCORE))
        .order_by("start", "end")
    )
    for passage in passages:
        passage.source = source
    return SourcePage(
        source=source,
        number=number,
        start=start,
        text=text,
        passages=passages,
        continued={p.pk for p in passages if p.start < start},
    )


def source_with_original(*, slug: str, kind: str) -> Source:
    """A public source whose original file is of this kind ("pdf", "html"), or Http404."""
    source = sources_public().defer("text").filter(slug=slug).exclude(original="").first()
    if source is None or source.original_kind != kind:
        raise Http404("This source has no such original file.")
    return source


def source_pages_passages(source: Source) -> list[tuple[int, list[Passage]]]:
    """Each page of a source read from pages, with its public passages (those on two pages
    under the first)."""
    on: dict[int, list[Passage]] = {}
    for passage in source.passages_public:
        on.setdefault(passage.page, []).append(passage)
    return [(number, on.get(number, [])) for number in range(1, source.page_count + 1)]


def passages_public() -> QuerySet[Passage]:
    """Passages cited by a published claim."""
    return Passage.objects.public()


def passages_public_count() -> int:
    """How many public passages there are, summed from the sources' stored counts."""
    return Source.objects.public().aggregate(n=Coalesce(Sum("passage_count"), 0))["n"]


def passage_get(*, pk: int) -> Passage:
    passage = Passage.objects.public().select_related("source__publisher").filter(pk=pk).first()
    if passage is None:
        raise Http404("No passage has this address.")
    # Those of published claims (Statement.objects.public()); their passage is this one: not
    # read again, with its source's text, for each.
    statements, disputes = (
        _raw(
            model,
            f"t.passage_id = %s AND {_OF_A_PUBLISHED_CLAIM}",
            [pk, True],
            order=_IN_ORDER,
        )
        for model in (Statement, Dispute)
    )
    claims = _raw_by_id(
        Claim,
        [i.claim_id for i in (*statements, *disputes)] + [d.counterclaim_id for d in disputes],
        published=True,
    )
    for item in (*statements, *disputes):
        item.claim = claims[item.claim_id]
    for dispute in disputes:
        # A counterclaim still in draft reads as none.
        Dispute.counterclaim.field.set_cached_value(dispute, claims.get(dispute.counterclaim_id))
    authors = _cited_fill([*statements, *disputes], passages={passage.pk: passage})
    passage.statements_public, passage.disputes_public = statements, disputes
    passage.authors = authors.get(passage.source_id, [])
    return passage


def passage_deleted(*, pk: int) -> DeletedPassage | None:
    """The tombstone of a deleted passage, if it ever existed."""
    return DeletedPassage.objects.filter(pk=pk).first()


def renamed(*, model, slug: str):
    """The public object that once had `slug` (from its history) and has another now, if any:
    published URLs never break."""
    if model is Claim:
        # A claim merged into another (merging.claim_merge) left its address to that one.
        merged = MergedClaim.objects.filter(slug=slug).values_list("claim_id", flat=True)
        current = Claim.objects.public().filter(pk__in=merged).first()
        if current is not None:
            return current
    past = model.history.filter(slug=slug)
    if model is Claim:
        past = past.filter(published=True)  # a slug it had as a draft was never published
    public = {
        Claim: Claim.objects.public(),
        Actor: Actor.objects.public(),
        Source: Source.objects.public(),
        Topic: Topic.objects.public(),
    }[model]
    # The newest object that had this slug and is public now: a draft that took the slug since
    # neither breaks the redirect nor shows through it.
    for pk in past.order_by("-history_date").values_list("id", flat=True)[:20]:
        current = public.filter(pk=pk).first()
        if current is not None:
            return current if current.slug != slug else None
    return None


def renamed_url(*, model, slug: str) -> str | None:
    """The current address of a public object that once had `slug`, if any."""
    current = renamed(model=model, slug=slug)
    return current.get_absolute_url() if current else None


def topic_get(*, slug: str) -> Topic:
    topic = Topic.objects.public().filter(slug=slug).first()
    if topic is None:
        raise Http404("No topic has this address.")
    # Not yet evaluated: the page shows one page of them (each read with claims_rows).
    topic.claims_public = claims_public().filter(topics=topic).order_by("-published_at", "-pk")
    return topic


def topics_public() -> QuerySet[Topic]:
    """Topics of published claims, each with its number of them."""
    return Topic.objects.public()


FILTER_CHOICES = 100  # of each kind: the names a claims filter offers to choose from


@dataclass
class FilterChoices:
    """What the claims filter offers to choose by name, each a list of (slug, name) by name."""

    topics: list[tuple[str, str]]
    all_topics: bool  # every public topic is listed (else the FILTER_CHOICES largest)
    actors: list[tuple[str, str]]
    sources: list[tuple[str, str]]


def claim_filter_choices() -> FilterChoices:
    """Every public topic (or, past FILTER_CHOICES of them, the largest); the FILTER_CHOICES
    actors that made the most published claims and those that disputed the most; the
    FILTER_CHOICES sources cited by the most. A record of 100,000 claims has thousands of actors
    and sources, too many to send with every list page: these are the ones most asked for, and
    any other is still chosen by its slug. One query (each part read from its counter's index),
    two past FILTER_CHOICES topics."""
    sql, params = _filter_choices_sql(connection.vendor, FILTER_CHOICES)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_kind: dict[str, set[tuple[str, str]]] = {"t": set(), "a": set(), "s": set(), "more": set()}
    for kind, slug, label in rows:
        by_kind[kind].add((slug, label))
    all_topics = not by_kind["more"]
    topics = by_kind["t"]
    if not all_topics:
        largest_topics = _largest(topics_public(), "claim_count")
        topics = set(largest_topics.values_list("slug", "name")[:FILTER_CHOICES])
    actors, sources = _by_name(by_kind["a"]), _by_name(by_kind["s"])
    return FilterChoices(_by_name(topics), all_topics, actors, sources)


def _largest(queryset, count_field, label="name"):
    # In the order of the counter's index (as the facets read it).
    return queryset.filter(**{f"{count_field}__gt": 0}).order_by(f"-{count_field}", label)


@functools.cache
def _filter_choices_sql(vendor: str, limit: int) -> tuple[str, tuple]:
    """The filter's choices as one query's SQL, compiled once for each database: building and
    compiling the union of five querysets took several times as long as running it."""

    def named(kind, model, ids, label="name"):
        return (
            model.objects.filter(pk__in=ids.values("pk")[:limit])
            .annotate(choice=Value(kind))
            .values_list("choice", "slug", label)
            .order_by()
        )

    topics_by_name = topics_public().order_by("name")
    rows = named("t", Topic, topics_by_name).union(
        Topic.objects.filter(pk__in=topics_by_name.values("pk")[limit:][:1])  # one too many
        .annotate(choice=Value("more"))
        .values_list("choice", "slug", "name")
        .order_by(),
        named("a", Actor, _largest(actors_public(), "made_count")),
        named("a", Actor, _largest(actors_public(), "disputed_count")),
        named("s", Source, _largest(Source.objects.public(), "claim_count", "title"), "title"),
        all=False,
    )
    return rows.query.sql_with_params()


def _by_name(rows) -> list[tuple[str, str]]:
    return sorted(rows, key=lambda row: (row[1].casefold(), row[0]))


def home_summary() -> dict:
    """The counts and newest disputes the home page shows."""
    return {
        # The disputes of published claims, summed from their stored counts in the same pass.
        **Claim.objects.public().aggregate(
            claim_count=Count("pk"), dispute_count=Coalesce(Sum("dispute_count"), 0)
        ),
        "actor_count": Actor.objects.public().count(),
        "source_count": Source.objects.public().count(),
        "newest_disputes": disputes_newest(limit=8),
        "topics": list(topics_public().order_by("name")),
    }


def claims_newest(*, limit: int, topic: Topic | None = None) -> list[Claim]:
    """The claims published last (of a topic), with who made and who disputed each."""
    claims = claims_public() if topic is None else claims_public().filter(topics=topic)
    return claims_rows(claims.order_by("-published_at", "-pk")[:limit])


def disputes_newest(*, limit: int) -> list[Dispute]:
    """The disputes of published claims recorded last."""
    return reporting_fill(_disputes().order_by("-created_at", "-pk")[:limit])


def actor_activity(*, actor: Actor, limit: int) -> list[Statement | Dispute]:
    """The statements and disputes of `actor` recorded last, newest first, mixed."""
    statements = _statements().filter(actor=actor).order_by("-created_at", "-pk")[:limit]
    disputes = _disputes().filter(actor=actor).order_by("-created_at", "-pk")[:limit]
    mixed = sorted([*statements, *disputes], key=lambda item: item.created_at, reverse=True)
    return reporting_fill(mixed[:limit])


TIMELINE_MAX = 150  # statements and disputes drawn one by one on an actor's timeline


def actor_timeline(*, actor: Actor) -> dict:
    """When `actor` made and disputed claims: {"rows": [...], "years": None} with a row per
    statement and dispute (dated by itself, else by its source), if there are at most
    TIMELINE_MAX; else {"rows": None, "years": [...]}, the count of each role in each year.
    The count without any date is in "undated"."""
    when = Coalesce("date", "passage__source__date")
    precision = Case(
        When(date__isnull=False, then=F("date_precision")),
        default=F("passage__source__date_precision"),
    )
    fields = ("pk", "claim__slug", "claim__text", "when", "precision")
    statements = (
        Statement.objects.public()
        .filter(actor=actor)
        .annotate(when=when, precision=precision, role=Value("states", output_field=CharField()))
    )
    disputes = (
        Dispute.objects.public()
        .filter(actor=actor)
        .annotate(when=when, precision=precision, role=F("kind"))
    )
    rows = list(
        statements.order_by()
        .values(*fields, "role")
        .union(disputes.order_by().values(*fields, "role"), all=True)
        .order_by("when")[: TIMELINE_MAX + 1]
    )
    if len(rows) <= TIMELINE_MAX:
        dated = [row for row in rows if row["when"] is not None]
        return {"rows": dated, "years": None, "undated": len(rows) - len(dated)}
    years: dict[int | None, dict[str, int]] = {}
    for role, queryset in (("made", statements), ("disputed", disputes)):
        counted = (
            queryset.annotate(year=ExtractYear("when"))
            .order_by()
            .values("year")
            .annotate(n=Count("pk"))
            .values_list("year", "n")
        )
        for year, n in counted:
            years.setdefault(year, {"made": 0, "disputed": 0})[role] = n
    undated = years.pop(None, {"made": 0, "disputed": 0})
    return {
        "rows": None,
        "years": [{"year": year, **years[year]} for year in sorted(years)],
        "undated": undated["made"] + undated["disputed"],
    }


CHART_MAX = 60  # numeric claims a topic's chart draws (the latest stated)


def topic_estimates(*, topic: Topic) -> tuple[list[dict], bool]:
    """The published numeric claims of `topic` (a value, maybe a range), latest first stated
    first, undated last, each with the names of its claimants; at most CHART_MAX, and whether
    there were more. Plain rows: a chart needs a few fields of each, not whole claims."""
    rows = list(
        claims_public()
        .filter(topics=topic, quantity_value__isnull=False)
        .order_by(F("first_date").desc(nulls_last=True), "-pk")
        .values(
            "pk",
            "slug",
            "text",
            "quantity_value",
            "quantity_value_max",
            "quantity_unit",
            "quantity_qualifier",
            "first_date",
            "first_date_precision",
        )[: CHART_MAX + 1]
    )
    more, rows = len(rows) > CHART_MAX, rows[:CHART_MAX]
    claimants: dict[int, list[str]] = {row["pk"]: [] for row in rows}
    statements = Statement.objects.filter(claim__in=claimants).order_by("date", "pk")
    for claim_id, name in statements.values_list("claim_id", "actor__name"):
        if name not in claimants[claim_id]:
            claimants[claim_id].append(name)
    for row in rows:
        row["claimants"] = claimants[row["pk"]]
    return rows, more


FACET_SIZE = 10


@dataclass
class FacetValue:
    value: str  # what the parameter takes: a status or a slug
    label: str
    count: int | None  # None: not counted
    selected: bool = False


@dataclass
class Facet:
    param: str  # the claims list's parameter it sets
    title: str
    values: list[FacetValue] = field(default_factory=list)
    timed_out: bool = False  # too many claims to count in the time a page may take


# The claims list's facets: its parameter, and its title.
FACETS = [
    ("status", "Status"),
    ("topic", "Topic"),
    ("made_by", "Made by"),
    ("disputed_by", "Disputed by"),
    ("source", "Source"),
]


def claims_statuses_up_to(
    claims: QuerySet[Claim], limit: int, *, keys_up_to: int = 0
) -> tuple[dict[str, int] | None, list[str] | None]:
    """How many of `claims` have each status, if they are at most `limit` in all (else None,
    found without counting past `limit`: a broad search stops there); and, if they are at most
    `keys_up_to`, their facet keys (Claim.facet_keys), else None. One query, which a search's
    facets then need run only once."""
    try:
        sql, params = claims.order_by().values("status", "facet_keys").query.sql_with_params()
    except EmptyResultSet:
        return {}, []
    together = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, count(*), {together}(CASE WHEN total <= %s THEN facet_keys END, ' ') "
            f"FROM (SELECT status, facet_keys, count(*) OVER () AS total "
            f"FROM ({sql} LIMIT %s) AS found) AS counted GROUP BY status",
            [keys_up_to, *params, limit + 1],
        )
        rows = cursor.fetchall()
    counts = {status: n for status, n, _ in rows}
    if sum(counts.values()) > limit:
        return None, None
    keys = None if sum(counts.values()) > keys_up_to else [k for _, _, k in rows if k]
    return counts, keys


def claims_facets_uncounted() -> list[Facet]:
    """The facets of a list too long to count: every status to narrow it by, without a count;
    the others to be seen once it is narrower."""
    facets = [Facet(param, title, timed_out=True) for param, title in FACETS]
    facets[0].values = [FacetValue(value, label, None) for value, label in ClaimStatus.choices]
    return facets


def claims_facet_keys(claims: QuerySet[Claim], *, deadline: float) -> list[str | None] | None:
    """The facet keys (Claim.facet_keys) of each of `claims`, read by `deadline` (None if not:
    see _within). One query."""
    try:
        sql, params = claims.order_by().values_list("facet_keys").query.sql_with_params()
    except EmptyResultSet:
        return []
    rows = _within(deadline, sql, params)
    return None if rows is None else [keys for (keys,) in rows]


def claims_facets(
    claims: QuerySet[Claim],
    *,
    narrowed: bool,
    statuses: dict[str, int] | None = None,
    keys: list[str | None] | None = None,
) -> list[Facet]:
    """How the claims in `claims` (public claims, filtered) divide by status, topic, claimant,
    disputant and source: each value with its number of claims, the largest first (at most
    FACET_SIZE).

    Not `narrowed` (every public claim), the counts stored on each topic, actor and source give
    the figures at once. Narrowed, the status facet is counted first (it is the list's count,
    needed anyway; `statuses` if known already); the others, for a list of at most
    settings.FACET_MAX_CLAIMS claims, from the facet keys of its claims (`keys` if read
    already), read in settings.FACET_TIME_LIMIT_MS (as Datasette's facets have a time limit): a
    facet that would take longer is marked `timed_out` rather than holding the page up.
    """
    facets = [Facet(param, title) for param, title in FACETS]
    if not narrowed:
        for facet, count in zip(facets, _stored_counters(), strict=True):
            facet.values = [FacetValue(*row) for row in count()]
        return facets
    if statuses is None:
        statuses = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    deadline = time.monotonic() + settings.FACET_TIME_LIMIT_MS / 1000
    facets[0].values = [
        FacetValue(value, label, statuses[value])
        for value, label in ClaimStatus.choices
        if statuses.get(value)
    ]
    if keys is None and sum(statuses.values()) <= settings.FACET_MAX_CLAIMS:
        keys = claims_facet_keys(claims, deadline=deadline)
    if keys is None:  # too many claims (not tried: see settings.FACET_MAX_CLAIMS), or too slow
        for facet in facets[1:]:
            facet.timed_out = True
        return facets
    for facet, values in zip(facets[1:], _facet_values(keys), strict=True):
        facet.values = values
    return facets


def _facet_values(keys: list[str | None]) -> list[list[FacetValue]]:
    """The topic, claimant, disputant and source facets' values, from the claims' facet keys:
    each value's claims counted, the largest FACET_SIZE named. One query for each kind of
    value named."""
    # The largest of each kind, ties (a search's many claimants of one claim each) to the first
    # found: naming every value to break ties by name would read thousands of rows.
    words = " " + " ".join(filter(None, keys))
    largest = {
        kind: [
            (int(value), n)
            for value, n in Counter(re.findall(f" {kind}(\\d+)", words)).most_common(FACET_SIZE)
        ]
        for kind in ("t", "m", "d", "s")
    }

    def named(queryset, label: str, *kinds: str) -> dict[int, tuple[str, str]]:
        ids = {value for kind in kinds for value, _ in largest[kind]}
        if not ids:
            return {}
        rows = queryset.filter(pk__in=ids).order_by().values_list("pk", "slug", label)
        return {pk: (slug, name) for pk, slug, name in rows}

    names = {"t": named(topics_public(), "name", "t")}
    names["m"] = names["d"] = named(actors_public(), "name", "m", "d")
    names["s"] = named(Source.objects.public(), "title", "s")

    def top(kind: str) -> list[FacetValue]:
        rows = [(*names[kind][value], n) for value, n in largest[kind] if value in names[kind]]
        rows.sort(key=lambda row: (-row[2], row[1]))  # shown by name where counts are equal
        return [FacetValue(*row) for row in rows]

    return [top(kind) for kind in ("t", "m", "d", "s")]


def _stored_counters():
    def statuses():
        # One count per status, each read from the index of published claims' statuses.
        public = Claim.objects.public()
        labels = dict(ClaimStatus.choices)
        counts = [(value, public.filter(status=value).count()) for value in ClaimStatus.values]
        return [(value, labels[value], n) for value, n in counts if n]

    def top(queryset, count_field, label_field="name"):
        return lambda: list(
            queryset.filter(**{f"{count_field}__gt": 0})
            .order_by(f"-{count_field}", label_field)
            .values_list("slug", label_field, count_field)[:FACET_SIZE]
        )

    return [
        statuses,
        top(topics_public(), "claim_count"),
        top(actors_public(), "made_count"),
        top(actors_public(), "disputed_count"),
        top(Source.objects.public(), "claim_count", "title"),
    ]


# How many SQLite virtual-machine steps a facet query takes between looks at the clock (as
# Datasette's time limits do).
SQLITE_STEPS_PER_CHECK = 1000


def _within(deadline: float, sql: str, params) -> list | None:
    """The rows of `sql`, or None if it cannot finish by `deadline`: cut short by PostgreSQL's
    statement_timeout, or by SQLite's progress handler, in the one round trip the query takes
    alone. Either way the connection goes on as before (inside a caller's transaction too), and
    later queries have no limit."""
    left_ms = int((deadline - time.monotonic()) * 1000)
    if left_ms < 2:  # too little to start: a cancel takes a moment to arrive
        return None
    if connection.vendor == "postgresql":
        # The statements of one message are one transaction of their own, which SET LOCAL lasts
        # for; inside a caller's transaction, a savepoint keeps a cancel from aborting it, and
        # the last statement lifts the limit.
        limited = (
            f"SET LOCAL statement_timeout = {left_ms}; {sql}; SET LOCAL statement_timeout = DEFAULT"
        )
        guard = (
            transaction.atomic(using=connection.alias)
            if connection.in_atomic_block
            else contextlib.nullcontext()
        )
        try:
            with guard, connection.cursor() as cursor:
                cursor.execute(limited, params)
                cursor.nextset()  # the query's rows, after the SET's
                return cursor.fetchall()
        except OperationalError:  # cancelled (and, in a transaction, rolled back to the guard)
            return None
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        # A nonzero answer interrupts the statement ("interrupted"). An interrupted read leaves
        # the transaction it is in as it was: no savepoint needed.
        raw.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_STEPS_PER_CHECK)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        except OperationalError:
            return None
        finally:
            raw.set_progress_handler(None, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

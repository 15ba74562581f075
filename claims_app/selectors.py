"""Every public read, built on the models' `public()` QuerySets: pages, twins and counts all ask
here, so that a draft claim cannot leak through a road someone forgot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from .anchoring import OFFER_SCORE
from .models import (
    Actor,
    Claim,
    ClaimStatus,
    DeletedPassage,
    Dispute,
    Passage,
    Source,
    Statement,
    Topic,
)


def _statements() -> QuerySet[Statement]:
    return Statement.objects.public().select_related("actor", "passage__source", "claim")


def _disputes() -> QuerySet[Dispute]:
    # A counterclaim still in draft reads as none: the prefetch leaves it None.
    return (
        Dispute.objects.public()
        .select_related("actor", "passage__source", "claim")
        .prefetch_related(Prefetch("counterclaim", queryset=Claim.objects.public()))
    )


def claims_public() -> QuerySet[Claim]:
    """Published claims (each with its stored status, dispute count and first date)."""
    return Claim.objects.public()


def claims_for_list(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """What a list row shows: topics, and who made and who disputed each claim."""
    return queryset.prefetch_related(
        "topics",
        Prefetch("statements", queryset=Statement.objects.select_related("actor")),
        Prefetch("disputes", queryset=Dispute.objects.select_related("actor")),
    )


def claim_get(*, slug: str) -> Claim:
    """One public claim with its statements and disputes, or Http404."""
    claim = (
        claims_public()
        .prefetch_related(
            "topics",
            Prefetch("statements", queryset=_statements()),
            Prefetch("disputes", queryset=_disputes()),
        )
        .filter(slug=slug)
        .first()
    )
    if claim is None:
        raise Http404("No published claim has this address.")
    claim.countered = list(_disputes().filter(counterclaim=claim).order_by("claim__text"))
    return claim


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
    source.claims_cited = (  # not yet evaluated: the page shows one page of them
        claims_public()
        .filter(
            Exists(Statement.objects.filter(claim=OuterRef("pk"), passage__source=source))
            | Exists(Dispute.objects.filter(claim=OuterRef("pk"), passage__source=source))
        )
        .order_by("text", "pk")
    )
    return source


def passage_get(*, pk: int) -> Passage:
    passage = Passage.objects.public().select_related("source__publisher").filter(pk=pk).first()
    if passage is None:
        raise Http404("No passage has this address.")
    passage.statements_public = list(_statements().filter(passage=passage))
    passage.disputes_public = list(_disputes().filter(passage=passage))
    passage.authors = [a.actor for a in passage.source.authorships.select_related("actor")]
    return passage


def passage_deleted(*, pk: int) -> DeletedPassage | None:
    """The tombstone of a deleted passage, if it ever existed."""
    return DeletedPassage.objects.filter(pk=pk).first()


def renamed_url(*, model, slug: str) -> str | None:
    """The current address of a public object that once had `slug` (from its history), if any:
    published URLs never break."""
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
            return current.get_absolute_url() if current.slug != slug else None
    return None


def topic_get(*, slug: str) -> Topic:
    topic = Topic.objects.public().filter(slug=slug).first()
    if topic is None:
        raise Http404("No topic has this address.")
    # Not yet evaluated: the page shows one page of them.
    topic.claims_public = claims_for_list(
        claims_public().filter(topics=topic).order_by("-published_at", "-pk")
    )
    return topic


def topics_public() -> QuerySet[Topic]:
    """Topics of published claims, each with its number of them."""
    return Topic.objects.public()


def home_summary() -> dict:
    """The counts and newest disputes the home page shows."""
    return {
        # The disputes of published claims, summed from their stored counts in the same pass.
        **Claim.objects.public().aggregate(
            claim_count=Count("pk"), dispute_count=Coalesce(Sum("dispute_count"), 0)
        ),
        "actor_count": Actor.objects.public().count(),
        "source_count": Source.objects.public().count(),
        "newest_disputes": list(_disputes().order_by("-created_at", "-pk")[:8]),
        "topics": list(topics_public().order_by("name")),
    }


FACET_SIZE = 10


@dataclass
class FacetValue:
    value: str  # what the parameter takes: a status or a slug
    label: str
    count: int


@dataclass
class Facet:
    param: str  # the claims list's parameter it sets
    title: str
    values: list[FacetValue] = field(default_factory=list)


def claims_facets(claims: QuerySet[Claim], *, narrowed: bool) -> list[Facet]:
    """How the claims in `claims` (public claims, filtered) divide by status, topic, claimant,
    disputant and source: each value with its number of claims, the largest first (at most
    FACET_SIZE). Not `narrowed` (every public claim), the counts stored on each topic, actor and
    source give the same figures without counting 100,000 claims again."""
    ids = claims.order_by().values("pk")
    statuses = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    facets = [
        Facet(
            "status",
            "Status",
            [
                FacetValue(value, label, statuses[value])
                for value, label in ClaimStatus.choices
                if statuses.get(value)
            ],
        )
    ]
    if narrowed:
        topics = (
            Claim.topics.through.objects.filter(claim__in=ids)
            .values_list("topic__slug", "topic__name")
            .annotate(n=Count("claim_id"))
            .order_by("-n", "topic__name")
        )
        made = _actors_counted(Statement, ids)
        disputed = _actors_counted(Dispute, ids)
        sources = _sources_counted(ids)
    else:
        topics = (
            topics_public()
            .order_by("-claim_count", "name")
            .values_list("slug", "name", "claim_count")
        )
        made = (
            actors_public()
            .filter(made_count__gt=0)
            .order_by("-made_count", "name")
            .values_list("slug", "name", "made_count")
        )
        disputed = (
            actors_public()
            .filter(disputed_count__gt=0)
            .order_by("-disputed_count", "name")
            .values_list("slug", "name", "disputed_count")
        )
        sources = (
            Source.objects.public()
            .order_by("-claim_count", "title")
            .values_list("slug", "title", "claim_count")
        )
    for param, title, rows in (
        ("topic", "Topic", topics),
        ("made_by", "Made by", made),
        ("disputed_by", "Disputed by", disputed),
        ("source", "Source", sources),
    ):
        facets.append(Facet(param, title, [FacetValue(*row) for row in rows[:FACET_SIZE]]))
    return facets


def _actors_counted(model, claim_ids) -> QuerySet:
    return (
        model.objects.filter(claim__in=claim_ids)
        .values_list("actor__slug", "actor__name")
        .annotate(n=Count("claim_id", distinct=True))
        .order_by("-n", "actor__name")
    )


def _sources_counted(claim_ids) -> list[tuple]:
    # A claim cites a source through its statements' passages and its disputes' passages; it
    # counts once however many. No ORM expression counts across both roads, so: SQL.
    ids_sql, params = claim_ids.query.sql_with_params()
    tables = {
        "statement": Statement._meta.db_table,
        "dispute": Dispute._meta.db_table,
        "passage": Passage._meta.db_table,
        "source": Source._meta.db_table,
    }
    cited = " UNION ".join(
        f"SELECT c.claim_id, p.source_id FROM {tables[role]} c "
        f"JOIN {tables['passage']} p ON p.id = c.passage_id WHERE c.claim_id IN ({ids_sql})"
        for role in ("statement", "dispute")
    )
    sql = (
        f"SELECT s.slug, s.title, counted.n FROM ("
        f"SELECT source_id, count(*) AS n FROM ({cited}) cited GROUP BY source_id"
        f") counted JOIN {tables['source']} s ON s.id = counted.source_id "
        f"ORDER BY counted.n DESC, s.title LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, FACET_SIZE])
        return cursor.fetchall()

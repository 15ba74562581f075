"""Every public read, built on the models' `public()` QuerySets: pages, twins and counts all ask
here, so that a draft claim cannot leak through a road someone forgot.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from .anchoring import OFFER_SCORE
from .models import Actor, Claim, DeletedPassage, Dispute, Passage, Source, Statement, Topic


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
    """Published claims with their status, dispute count and date (when first stated: the
    statement's date, or its source's)."""
    first_stated = (
        Statement.objects.filter(claim=OuterRef("pk"))
        .annotate(
            stated=Coalesce("date", "passage__source__date"),
            stated_precision=Case(
                When(date__isnull=False, then=F("date_precision")),
                default=F("passage__source__date_precision"),
            ),
        )
        .order_by(F("stated").asc(nulls_last=True), "pk")
    )
    dispute_count = (
        Dispute.objects.filter(claim=OuterRef("pk"))
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Claim.objects.public()
        .with_status()
        .annotate(
            first_date=Subquery(first_stated.values("stated")[:1]),
            first_date_precision=Subquery(first_stated.values("stated_precision")[:1]),
            dispute_count=Coalesce(Subquery(dispute_count, output_field=IntegerField()), Value(0)),
        )
    )


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
    """Public actors with how many published claims each made and disputed. The counts are
    subqueries, worked out only for the rows shown, not a join grouped over every actor."""
    return Actor.objects.public().annotate(
        made_count=_claims_counted(Statement),
        disputed_count=_claims_counted(Dispute),
    )


def _claims_counted(model) -> Coalesce:
    counted = (
        model.objects.public()
        .filter(actor=OuterRef("pk"))
        .values("actor")
        .annotate(n=Count("claim", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def actor_get(*, slug: str) -> Actor:
    actor = Actor.objects.public().select_related("affiliation").filter(slug=slug).first()
    if actor is None:
        raise Http404("No actor has this address.")
    actor.statements_public = list(
        _statements().filter(actor=actor).order_by("claim__text", "date")
    )
    actor.disputes_public = list(_disputes().filter(actor=actor).order_by("claim__text", "date"))
    actor.alias_names = [alias.name for alias in actor.aliases.all()]
    return actor


def sources_public() -> QuerySet[Source]:
    return (
        Source.objects.public()
        .select_related("publisher")
        .prefetch_related("authorships__actor")
        .annotate(
            passage_count=Coalesce(
                Subquery(
                    Passage.objects.public()
                    .filter(source=OuterRef("pk"))
                    .values("source")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
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
    source.claims_cited = list(
        claims_public()
        .filter(
            Exists(Statement.objects.filter(claim=OuterRef("pk"), passage__source=source))
            | Exists(Dispute.objects.filter(claim=OuterRef("pk"), passage__source=source))
        )
        .order_by("text")
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
    return Topic.objects.public().annotate(
        claim_count=Count("claims", filter=Q(claims__published=True), distinct=True)
    )


def home_summary() -> dict:
    """The counts and newest disputes the home page shows."""
    return {
        "claim_count": Claim.objects.public().count(),
        "dispute_count": Dispute.objects.public().count(),
        "actor_count": Actor.objects.public().count(),
        "source_count": Source.objects.public().count(),
        "newest_disputes": list(_disputes().order_by("-created_at", "-pk")[:8]),
        "topics": list(topics_public().order_by("name")),
    }

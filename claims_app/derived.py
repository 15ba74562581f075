"""The record's derived columns: what public pages sort, filter and count by, stored so that a
list of 100,000 claims need not work them out for every row on every request.

- a claim's `status`, `dispute_count` and `first_date` (+ precision), from its statements and
  disputes; its `facet_keys`, from those and its topics;
- a passage's `is_public` (a published claim's statement or dispute cites it);
- a source's `passage_count` (passages that published claims cite) and `claim_count` (published
  claims citing it); it is public when it has a public passage;
- an actor's `is_public` (in a published claim, or an author, publisher or speaker of a public
  source), `made_count` and `disputed_count`;
- a topic's `claim_count` (published claims); it is public when it has one.

`derived_refresh()` recomputes them from the rows they follow, in set-based UPDATEs, for the
objects a write touched (and those it reaches: a claim's actors, sources and topics). Signals
(models.py) call it after every save and delete, cascades included; bulk writers call it
themselves. Each refresh also retires every cached page (caching.py). `derived_stale()` lists
whatever disagrees with a fresh computation: the tests run it after every test, so a write path
that forgets to refresh fails loudly.

Functions take `apps` so that a migration can run them on its historical models.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from . import caching, concurrency

# Beyond this many ids, one pass over every row is cheaper than a long `IN (…)` list.
_ALL_ABOVE = 2000


class SubqueryCount(Subquery):
    """The number of rows a subquery returns."""

    template = "(SELECT count(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset.order_by(), **kwargs)  # a default ordering would only cost


def _models(apps) -> SimpleNamespace:
    apps = apps or django_apps
    names = ["Actor", "Authorship", "Claim", "Dispute", "Passage", "Source", "Statement", "Topic"]
    models = {name: apps.get_model("claims_app", name) for name in names}
    try:
        models["Turn"] = apps.get_model("claims_app", "Turn")
    except LookupError:  # a migration before 0019's
        models["Turn"] = None
    return SimpleNamespace(**models)


def claim_values(apps=None) -> dict:
    """The derived columns of a claim, as expressions over its statements and disputes."""
    from .models import ClaimStatus  # here: models.py imports this module

    m = _models(apps)
    retraction = m.Dispute.objects.filter(
        claim=OuterRef("pk"),
        kind="retracts",
        actor__in=m.Statement.objects.filter(claim=OuterRef("claim")).values("actor"),
    )
    first_stated = (
        m.Statement.objects.filter(claim=OuterRef("pk"))
        .annotate(
            stated=Coalesce("date", "passage__source__date"),
            stated_precision=Case(
                When(date__isnull=False, then=F("date_precision")),
                default=F("passage__source__date_precision"),
            ),
        )
        .order_by(F("stated").asc(nulls_last=True), "pk")
    )
    disputed = Exists(m.Dispute.objects.filter(claim=OuterRef("pk")))
    values = {
        "status": Case(
            When(Exists(retraction), then=Value(ClaimStatus.RETRACTED.value)),
            When(disputed, then=Value(ClaimStatus.DISPUTED.value)),
            default=Value(ClaimStatus.UNDISPUTED.value),
            output_field=CharField(),
        ),
        "dispute_count": SubqueryCount(m.Dispute.objects.filter(claim=OuterRef("pk")).values("pk")),
        "first_date": Subquery(first_stated.values("stated")[:1]),
        "first_date_precision": Coalesce(
            Subquery(first_stated.values("stated_precision")[:1]), Value("day")
        ),
    }
    # An earlier migration's historical Claim has no facet keys yet (0014 adds them).
    if any(f.name == "facet_keys" for f in m.Claim._meta.get_fields()):
        values["facet_keys"] = RawSQL(_facet_keys_sql(m), (), output_field=CharField())
    return values


def _facet_keys_sql(m) -> str:
    """A claim's facet keys (models.Claim.facet_keys) in SQL, sorted, over the claim row being
    updated or read (its table unaliased)."""
    claim = f'"{m.Claim._meta.db_table}"."id"'
    topics = m.Claim.topics.through._meta.db_table
    passage = m.Passage._meta.db_table
    statement, dispute = m.Statement._meta.db_table, m.Dispute._meta.db_table
    keys = f"""
        SELECT 't' || topic_id AS k FROM {topics} WHERE claim_id = {claim}
        UNION SELECT 'm' || actor_id FROM {statement} WHERE claim_id = {claim}
        UNION SELECT 'd' || actor_id FROM {dispute} WHERE claim_id = {claim}
        UNION SELECT 's' || p.source_id FROM {statement} s
            JOIN {passage} p ON p.id = s.passage_id WHERE s.claim_id = {claim}
        UNION SELECT 's' || p.source_id FROM {dispute} d
            JOIN {passage} p ON p.id = d.passage_id WHERE d.claim_id = {claim}"""
    if connection.vendor == "postgresql":
        return f"COALESCE((SELECT string_agg(k, ' ' ORDER BY k) FROM ({keys}) keys), '')"
    # SQLite's group_concat takes its rows in the order its subquery gives them.
    return f"COALESCE((SELECT group_concat(k, ' ') FROM (SELECT k FROM ({keys}) ORDER BY k)), '')"


def passage_values(apps=None) -> dict:
    m = _models(apps)
    cited = Q(
        Exists(m.Statement.objects.filter(passage=OuterRef("pk"), claim__published=True))
    ) | Q(Exists(m.Dispute.objects.filter(passage=OuterRef("pk"), claim__published=True)))
    return {
        "is_public": Case(
            When(cited, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    }


def source_values(apps=None) -> dict:
    m = _models(apps)
    cited = Q(
        Exists(m.Statement.objects.filter(passage=OuterRef("pk"), claim__published=True))
    ) | Q(Exists(m.Dispute.objects.filter(passage=OuterRef("pk"), claim__published=True)))

    def claims(model):
        return SubqueryCount(
            model.objects.filter(passage__source=OuterRef("pk"), claim__published=True)
            .values("claim")
            .distinct()
        )

    # Claims citing it by a statement, plus by a dispute, less those citing it both ways: each
    # term is a walk down the source's passages (one filter over every claim per source, the
    # obvious way, takes minutes at 100,000 claims).
    both = Exists(
        m.Dispute.objects.filter(claim=OuterRef("claim"), passage__source=OuterRef(OuterRef("pk")))
    )
    return {
        "passage_count": SubqueryCount(
            m.Passage.objects.filter(cited, source=OuterRef("pk")).values("pk")
        ),
        "claim_count": claims(m.Statement)
        + claims(m.Dispute)
        - SubqueryCount(
            m.Statement.objects.filter(both, passage__source=OuterRef("pk"), claim__published=True)
            .values("claim")
            .distinct()
        ),
    }


def actor_values(apps=None) -> dict:
    """Needs sources' `passage_count` to be current: an author or publisher of a public source
    is public."""
    m = _models(apps)

    def claims(model):
        return SubqueryCount(
            model.objects.filter(actor=OuterRef("pk"), claim__published=True)
            .values("claim")
            .distinct()
        )

    public = (
        Q(Exists(m.Statement.objects.filter(actor=OuterRef("pk"), claim__published=True)))
        | Q(Exists(m.Dispute.objects.filter(actor=OuterRef("pk"), claim__published=True)))
        | Q(Exists(m.Source.objects.filter(publisher=OuterRef("pk"), passage_count__gt=0)))
        | Q(Exists(m.Authorship.objects.filter(actor=OuterRef("pk"), source__passage_count__gt=0)))
    )
    if m.Turn is not None:  # a public transcript's speakers
        public |= Q(
            Exists(m.Turn.objects.filter(speaker=OuterRef("pk"), source__passage_count__gt=0))
        )
    return {
        "is_public": Case(
            When(public, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        "made_count": claims(m.Statement),
        "disputed_count": claims(m.Dispute),
    }


def topic_values(apps=None) -> dict:
    m = _models(apps)
    return {
        "claim_count": SubqueryCount(
            m.Claim.topics.through.objects.filter(
                topic=OuterRef("pk"), claim__published=True
            ).values("pk")
        )
    }


def claim_ids_citing(*, source_ids=(), passage_ids=(), apps=None) -> set[int]:
    """The claims (drafts too) with a statement or dispute in these sources or passages."""
    m = _models(apps)
    where = Q(passage__source__in=source_ids) | Q(passage__in=passage_ids)
    return {
        *m.Statement.objects.filter(where).values_list("claim_id", flat=True),
        *m.Dispute.objects.filter(where).values_list("claim_id", flat=True),
    }


def _ids(values: Iterable | None) -> set[int]:
    return {pk for pk in (values or ()) if pk is not None}


def derived_refresh(
    *,
    claim_ids: Iterable[int] | None = None,
    actor_ids: Iterable[int] | None = None,
    source_ids: Iterable[int] | None = None,
    topic_ids: Iterable[int] | None = None,
    reach: bool = True,
    apps=None,
) -> None:
    """Recompute the derived columns of these objects and of everything they reach: a claim's
    actors, sources and topics (unless not `reach`: a statement or dispute moves only its
    claim, its actor and its source); a source's publisher and authors."""
    m = _models(apps)
    claims, actors = _ids(claim_ids), _ids(actor_ids)
    sources, topics = _ids(source_ids), _ids(topic_ids)
    if len(claims) > _ALL_ABOVE:
        derived_refresh_all(apps=apps)
        return
    # What the write reaches, first: every row whose columns follow from it.
    if claims and reach:
        for model in (m.Statement, m.Dispute):
            for actor, source in model.objects.filter(claim__in=claims).values_list(
                "actor_id", "passage__source_id"
            ):
                actors.add(actor)
                sources.add(source)
        topics |= set(
            m.Claim.topics.through.objects.filter(claim__in=claims).values_list(
                "topic_id", flat=True
            )
        )
    if sources:
        actors |= _ids(
            m.Source.objects.filter(pk__in=sources).values_list("publisher_id", flat=True)
        )
        actors |= set(
            m.Authorship.objects.filter(source__in=sources).values_list("actor_id", flat=True)
        )
        if m.Turn is not None:
            actors |= set(
                m.Turn.objects.filter(source__in=sources).values_list("speaker_id", flat=True)
            )
    with transaction.atomic(savepoint=False):  # a transaction even for a caller in autocommit
        _lock(m, sources, claims, actors, topics)
        if claims:
            m.Claim.objects.filter(pk__in=claims).update(**claim_values(apps))
        if sources:
            m.Passage.objects.filter(source__in=sources).update(**passage_values(apps))
            m.Source.objects.filter(pk__in=sources).update(**source_values(apps))
        for chunk in _chunks(sorted(actors)):
            m.Actor.objects.filter(pk__in=chunk).update(**actor_values(apps))
        if topics:
            m.Topic.objects.filter(pk__in=topics).update(**topic_values(apps))
    _record_changed(apps)


def _lock(m, sources: set[int], claims: set[int], actors: set[int], topics: set[int]) -> None:
    """Lock the rows whose columns are about to be recomputed, in every writer's order (sources,
    claims, then the rest: concurrency.py), each in a statement before the UPDATEs. Two
    transactions that each add a statement by one actor would otherwise both count from a
    snapshot without the other's: PostgreSQL makes the second UPDATE wait for the first's row
    lock, then applies it to the new row with the count it had already taken, one short. Once
    the lock is held, each UPDATE after it starts afresh and sees every committed row. The
    locks are the UPDATE's own kind (FOR NO KEY UPDATE), so rows that refer to these are not
    held up. SQLite has one writer at a time: nothing to do."""
    if not connection.features.has_select_for_update:
        return
    concurrency.ids_lock(m.Source, sources, no_key=True)
    concurrency.ids_lock(m.Claim, claims, no_key=True)
    for chunk in _chunks(sorted(actors)):
        concurrency.ids_lock(m.Actor, chunk, no_key=True)
    concurrency.ids_lock(m.Topic, topics, no_key=True)


def _chunks(ids: list[int], size: int = _ALL_ABOVE):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def derived_refresh_all(*, apps=None) -> None:
    """Recompute every derived column of every row (after a bulk write)."""
    m = _models(apps)
    if connection.vendor == "postgresql":
        # Tables just written in bulk have no statistics yet: without them the planner picks
        # plans fit for empty tables, and these updates take minutes instead of seconds.
        tables = [m.Claim, m.Statement, m.Dispute, m.Passage, m.Source, m.Actor, m.Authorship]
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    m.Claim.objects.update(**claim_values(apps))
    m.Passage.objects.update(**passage_values(apps))
    m.Source.objects.update(**source_values(apps))
    m.Actor.objects.update(**actor_values(apps))
    m.Topic.objects.update(**topic_values(apps))
    _record_changed(apps)


def _record_changed(apps) -> None:
    # Whoever writes in bulk calls derived_refresh: so cached pages go too, in every process.
    # Not in a migration (historical `apps`): the generation's table may not exist yet.
    if apps is None:
        caching.record_changed()


def derived_stale(*, apps=None) -> list[str]:
    """Every stored derived value that disagrees with a fresh computation, named."""
    m = _models(apps)
    stale = []
    for model, values in (
        (m.Claim, claim_values(apps)),
        (m.Passage, passage_values(apps)),
        (m.Source, source_values(apps)),
        (m.Actor, actor_values(apps)),
        (m.Topic, topic_values(apps)),
    ):
        fresh = {f"fresh_{name}": expression for name, expression in values.items()}
        for row in model.objects.annotate(**fresh).values("pk", *values, *fresh):
            for name in values:
                if row[name] != row[f"fresh_{name}"]:
                    stale.append(
                        f"{model.__name__} #{row['pk']}.{name}: stored {row[name]!r}, "
                        f"is {row[f'fresh_{name}']!r}"
                    )
    return stale

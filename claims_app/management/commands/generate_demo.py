"""Synthetic data at scale, for benchmarks and for seeing the site full: deterministic, in the
proportions of a real record, the seed's mix of statuses among them: half the claims undisputed,
1 in 40 retracted by one of its own claimants, the rest disputed, by 1 to 3 actors (so that every
status, facet value and filter is exercised at scale). Per claim: 2 statements, about 1 dispute
(none on half the claims, 2 on average on a disputed one, 1 on a retracted one) and a passage
for each citation (about 3); about one actor and one source of realistic length per 5 claims;
some drafts; some Korean text."""

import functools
import itertools
import json
import random
import re
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from claims_app import anchoring, caching, derived, search
from claims_app.models import Actor, Authorship, Claim, Dispute, Passage, Source, Statement, Topic

from ._progress import TerminalProgress

SEED = Path(__file__).resolve().parents[3] / "fixtures" / "seed.json"
KOREAN = "북한 인권 보고서 정치범 수용소 증언 탈북자 유엔 제재 식량".split()
TOPICS = [
    "political prisoners",
    "UN Commission of Inquiry",
    "defector testimony",
    "food and health",
    "sanctions",
    "human trafficking",
    "UN Security Council",
    "nuclear and missile programmes",
    "sexual violence",
    "labour camps",
    "freedom of movement",
    "public executions",
]
BATCH = 5000


class Command(BaseCommand):
    help = "Make a deterministic synthetic data set of N claims (into an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=1000, metavar="N")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, claims: int, seed: int, **options):
        if claims < 1:
            raise CommandError("--claims must be at least 1.")
        if Claim.objects.exists() or Source.objects.exists():
            raise CommandError("The database already holds claims or sources: use an empty one.")
        started = time.perf_counter()
        progress = TerminalProgress(self.stderr)
        with transaction.atomic():
            counts = _generate(random.Random(seed), claims, progress)
        self.stdout.write(
            f"Made {', '.join(f'{n} {what}' for what, n in counts.items())} "
            f"in {time.perf_counter() - started:.1f} s."
        )


@functools.cache
def _vocabulary() -> tuple[list[str], list[int]]:
    """The words of the seed articles, each with how often they use it: text drawn from it
    has real English's spread of common and rare words, so a search matches as many claims
    as it would in a real record (a few dozen words repeated would make every search match
    a quarter of everything)."""
    counts = Counter(
        word.lower()
        for source in json.loads(SEED.read_text(encoding="utf-8"))["sources"]
        for word in re.findall(r"[A-Za-z][A-Za-z'-]+", source["text"])
    )
    words = sorted(counts)
    return words, list(itertools.accumulate(counts[w] for w in words))


def _sentence(rng: random.Random, n: int, korean: bool) -> str:
    count = rng.randint(8, 18)
    if korean:
        return " ".join(rng.choices(KOREAN, k=count))
    words, weights = _vocabulary()
    return " ".join(rng.choices(words, cum_weights=weights, k=count)).capitalize()


def _disputes_of(rng: random.Random, number: int) -> tuple[str, ...]:
    """The disputes of the claim numbered `number`: a retraction (1 in 40), none (half the
    claims), or 1 to 3 others."""
    if number % 40 == 1:
        return ("retracts",)
    if number % 2 == 0:
        return ()
    return ("dispute",) * rng.randint(1, 3)


def _generate(rng: random.Random, n_claims: int, progress) -> dict:
    n_actors = n_sources = max(2, n_claims // 5)
    kinds = [k for k, _ in Actor.Kind.choices]
    actors = Actor.objects.bulk_create(
        [
            Actor(
                name=f"Actor {i}",
                slug=f"actor-{i}",
                kind=kinds[i % len(kinds)],
                description=f"A synthetic actor, number {i}.",
            )
            for i in range(n_actors)
        ],
        batch_size=BATCH,
    )
    progress("actors", n_actors, n_actors)

    sources, sentences_of = [], []
    for i in range(n_sources):
        korean = i % 25 == 0
        sentences = [f"{i}.{j} " + _sentence(rng, j, korean) for j in range(40)]
        sentences_of.append(sentences)
        sources.append(
            Source(
                title=f"Report {i} on human rights",
                slug=f"report-{i}",
                text=". ".join(sentences) + ".",
                language="ko" if korean else "en",
                date=date(2010, 1, 1) + timedelta(days=rng.randrange(5000)),
                date_precision="day",
                publisher=actors[rng.randrange(n_actors)],
            )
        )
    sources = Source.objects.bulk_create(sources, batch_size=BATCH // 5)
    Authorship.objects.bulk_create(
        [Authorship(source=s, actor=actors[rng.randrange(n_actors)]) for s in sources],
        batch_size=BATCH,
    )
    progress("sources", n_sources, n_sources)

    topics = Topic.objects.bulk_create(
        [Topic(name=name, slug=f"topic-{i}") for i, name in enumerate(TOPICS)]
    )
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        [
            Claim(
                text=f"Claim {i}: " + _sentence(rng, i, i % 50 == 0),
                slug=f"claim-{i}",
                published=rng.random() > 0.03,
                published_at=now - timedelta(minutes=n_claims - i),
                quantity_value=rng.randint(1, 300_000) if i % 4 == 0 else None,
                quantity_unit="people" if i % 4 == 0 else "",
            )
            for i in range(n_claims)
        ],
        batch_size=BATCH,
    )
    Claim.topics.through.objects.bulk_create(
        [Claim.topics.through(claim=c, topic=topics[rng.randrange(len(topics))]) for c in claims],
        batch_size=BATCH,
    )
    progress("claims", n_claims, n_claims)

    passages, citations = [], []
    for number, claim in enumerate(claims):
        s = rng.randrange(n_sources)
        source, sentences = sources[s], sentences_of[s]
        for role in ("statement", "statement") + _disputes_of(rng, number):
            j = rng.randrange(len(sentences))
            start = source.text.index(sentences[j])
            end = start + len(sentences[j])
            passages.append(
                Passage(
                    source=source,
                    start=start,
                    end=end,
                    quote=source.text[start:end],
                    prefix=anchoring.context_before(source.text, start),
                    suffix=anchoring.context_after(source.text, end),
                )
            )
            citations.append((role, claim, len(passages) - 1))
    passages = Passage.objects.bulk_create(passages, batch_size=BATCH)
    progress("passages", len(passages), len(passages))

    statements, disputes = [], []
    dispute_kinds = ["denies", "questions", "qualifies"]
    claimant = {}  # claim -> the actor of its first statement
    for role, claim, index in citations:
        if role == "retracts":  # by one of the claim's own claimants, as a retraction must be
            actor = claimant[claim.pk]
        else:
            actor = actors[rng.randrange(n_actors)]
        if role == "statement":
            claimant.setdefault(claim.pk, actor)
            statements.append(Statement(claim=claim, actor=actor, passage=passages[index]))
        else:
            disputes.append(
                Dispute(
                    claim=claim,
                    actor=actor,
                    passage=passages[index],
                    kind=role if role == "retracts" else rng.choice(dispute_kinds),
                    note="A synthetic dispute.",
                )
            )
    Statement.objects.bulk_create(statements, batch_size=BATCH, ignore_conflicts=True)
    Dispute.objects.bulk_create(disputes, batch_size=BATCH, ignore_conflicts=True)
    search.claims_search_refresh()
    derived.derived_refresh_all()
    caching.record_changed()  # rows written in bulk send no signals
    progress("citations", len(citations), len(citations))
    return {
        "actors": n_actors,
        "sources": n_sources,
        "claims": n_claims,
        "passages": len(passages),
        "statements": len(statements),
        "disputes": len(disputes),
    }

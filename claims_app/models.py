"""The record: who claimed what, who disputed it, and the exact passage each comes from.

Rules the database can hold live in constraints; the rest in `clean()`. Every public read goes
through the `public()` QuerySets here and the selectors built on them (selectors.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_update_with_history

from . import anchoring, dates, derived, search, transcripts
from .addresses import detail_url

SLUG_MAX_LENGTH = 100


def slug_base(instance: models.Model) -> str:
    """The slug an object's name (its `str`) would have before any "-2" that keeps it unique."""
    return slugify(str(instance), allow_unicode=True)[:80].strip("-") or instance._meta.model_name


def _unique_slug(instance: models.Model) -> str:
    """A slug for `instance`, unique among its model ("-2", "-3"… when taken; a claim's not a
    merged claim's either)."""
    base = slug_base(instance)
    model = type(instance)
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exclude(pk=instance.pk).exists() or (
        # A merged claim's address leads to the claim it went into, for good.
        model is Claim and MergedClaim.objects.filter(slug=slug).exists()
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug


class Timestamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Slugged(models.Model):
    """A unique slug, made from the object's name (its `str`) when left blank."""

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = _unique_slug(self)
        super().save(*args, **kwargs)


class PartialDateMixin(models.Model):
    """A date known to the year, the month or the day ("2018-12" is a valid date)."""

    date = models.DateField(
        null=True, blank=True, help_text="The first day of the period if only a year or month."
    )
    date_precision = models.CharField(
        max_length=5, choices=dates.PRECISIONS, default=dates.DAY, blank=True
    )

    class Meta:
        abstract = True

    @property
    def date_iso(self) -> str:
        return dates.partial_date_format(self.date, self.date_precision)

    @property
    def date_display(self) -> str:
        return dates.partial_date_display(self.date, self.date_precision)

    def clean(self):
        super().clean()
        if self.date and self.date_precision in (dates.YEAR, dates.MONTH) and self.date.day != 1:
            raise ValidationError(
                {"date": "A date known only to the month or year is its 1st day."}
            )
        if self.date and self.date_precision == dates.YEAR and self.date.month != 1:
            raise ValidationError({"date": "A date known only to the year is 1 January."})


# ---------------------------------------------------------------------------------------------
# Actors


class ActorQuerySet(models.QuerySet):
    def public(self):
        """Actors that appear in the public record: in a published claim, or as a public
        source's author or publisher (`is_public`, kept by derived.py)."""
        return self.filter(is_public=True)

    def by_name(self, name: str):
        """The actor called `name`, by its name or one of its aliases."""
        return self.filter(Q(name=name) | Q(aliases__name=name)).distinct()


class Actor(Timestamped, Slugged):
    class Kind(models.TextChoices):
        PERSON = "person", "person"
        ORGANIZATION = "organization", "organization"
        GOVERNMENT = "government", "government"
        INTERGOVERNMENTAL = "intergovernmental", "intergovernmental body"
        MEDIA = "media", "media outlet"
        OTHER = "other", "other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    description = models.TextField(blank=True)
    affiliation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="affiliates",
        help_text="The actor this one speaks for or belongs to (an ambassador's government).",
    )
    wikidata = models.CharField(
        "Wikidata id",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id looks like Q42970.")],
    )

    # Derived (derived.py): kept in step with every write, never edited.
    is_public = models.BooleanField(default=False, editable=False)
    made_count = models.PositiveIntegerField("claims made", default=0, editable=False)
    disputed_count = models.PositiveIntegerField("claims disputed", default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["is_public", "made_count", "disputed_count"])
    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["-made_count", "name"], name="actor_made"),
            models.Index(fields=["-disputed_count", "name"], name="actor_disputed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata"], condition=~Q(wikidata=""), name="actor_wikidata_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        renamed = (
            self.pk is not None
            and Actor.objects.filter(pk=self.pk).exclude(name=self.name).exists()
        )
        super().save(*args, **kwargs)
        if renamed:
            search.claims_search_refresh(claim_ids=self.claim_ids())

    def claim_ids(self) -> set[int]:
        """The claims this actor made or disputed."""
        return {
            *self.statements.values_list("claim_id", flat=True),
            *self.disputes.values_list("claim_id", flat=True),
        }

    def clean(self):
        super().clean()
        if self.affiliation_id and self.affiliation_id == self.pk:
            raise ValidationError({"affiliation": "An actor cannot be affiliated to itself."})
        if self.name and Alias.objects.filter(name=self.name).exclude(actor=self.pk).exists():
            raise ValidationError({"name": "Another actor already has this name as an alias."})

    def get_absolute_url(self):
        return detail_url("actor_detail", self.slug)

    @property
    def wikidata_url(self) -> str:
        return f"https://www.wikidata.org/wiki/{self.wikidata}" if self.wikidata else ""


class Alias(models.Model):
    """Another spelling of an actor's name ("Shin Dong Hyuk", "Sin Tong Hyok")."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        search.claims_search_refresh(claim_ids=self.actor.claim_ids())

    def clean(self):
        super().clean()
        if self.name and Actor.objects.filter(name=self.name).exclude(pk=self.actor_id).exists():
            raise ValidationError({"name": "This is already another actor's name."})


# ---------------------------------------------------------------------------------------------
# Sources and passages


ORIGINAL_KINDS = {"pdf": "application/pdf", "html": "text/html"}


def original_path(source, filename: str) -> str:
    """Where an original file is stored: a name of its own (never overwriting another version),
    ending in its kind (.pdf, .html), which the upload decides from its content."""
    kind = filename.rsplit(".", 1)[-1].lower()
    return f"originals/{uuid.uuid4().hex}.{kind if kind in ORIGINAL_KINDS else 'bin'}"


class SourceQuerySet(models.QuerySet):
    def public(self):
        """Sources that hold at least one public passage (`passage_count`, kept by derived.py)."""
        return self.filter(passage_count__gt=0)


class Source(Timestamped, Slugged, PartialDateMixin):
    class Kind(models.TextChoices):
        ARTICLE = "article", "article"
        REPORT = "report", "report"
        STATEMENT = "statement", "statement"
        SPEECH = "speech", "speech"
        RESOLUTION = "resolution", "resolution"
        BOOK = "book", "book"
        WEBPAGE = "webpage", "web page"
        TRANSCRIPT = "transcript", "transcript"
        OTHER = "other", "other"

    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    url = models.URLField("original URL", max_length=1000, blank=True)
    archive_url = models.URLField("archive URL", max_length=1000, blank=True)
    publisher = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.PROTECT, related_name="published_sources"
    )
    authors = models.ManyToManyField(
        Actor, through="Authorship", related_name="authored_sources", blank=True
    )
    language = models.CharField(
        max_length=20, default="en", help_text="A language tag: en, ko, ru…"
    )
    text = models.TextField(help_text="The full text. Passages are spans of it: edit with care.")
    page_breaks = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Where each page after the first begins in the text (code-point offsets, "
        "each just after a line break), for a source read from pages (a PDF, a bundle's "
        "`pages`); empty for one that has none.",
    )
    original = models.FileField(
        "original file",
        upload_to=original_path,
        blank=True,
        editable=False,
        max_length=300,
        help_text="The file its text was read from (a PDF, a saved web page), kept as it came.",
    )
    # Derived (derived.py): passages that published claims cite, and those claims.
    passage_count = models.PositiveIntegerField("public passages", default=0, editable=False)
    claim_count = models.PositiveIntegerField("claims", default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["passage_count", "claim_count"])
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "title"]
        # Public sources, in the orders of the list (newest first, undated last, is a
        # PostgreSQL-only index: see migration 0006).
        indexes = [
            models.Index("date", "title", name="source_oldest", condition=Q(passage_count__gt=0)),
            models.Index(
                F("claim_count").desc(),
                "title",
                name="source_claims",
                condition=Q(passage_count__gt=0),
            ),
        ]

    def __str__(self):
        return self.title

    def page_url(self, number: int) -> str:
        """The address of its page `number` (urls.py: sources/<slug>/pages/<n>/)."""
        return f"{self.get_absolute_url()}pages/{number}/"

    @cached_property
    def speakers(self) -> list[Actor]:
        """A transcript's speakers, each once, in the order they first speak (the text names
        each turn's speaker before its words)."""
        if self.kind != self.Kind.TRANSCRIPT:
            return []
        turns = self.turns.select_related("speaker").order_by("start")
        return list({turn.speaker_id: turn.speaker for turn in turns}.values())

    def original_store(self, kind: str, data: bytes) -> None:
        """Keep `data` (a file of `kind`, "pdf" or "html") as its original file, a new file in
        storage (the one before stays, for its history), unless it holds these bytes already.
        The row's column alone is written: its text is the caller's business."""
        if self.original:
            try:
                with self.original.open("rb") as kept:
                    if kept.read() == data:
                        return
            except OSError:
                pass  # listed but missing: stored again
        self.original.save(f"original.{kind}", ContentFile(data), save=False)
        Source.objects.filter(pk=self.pk).update(original=self.original.name)

    @property
    def original_kind(self) -> str | None:
        """"pdf" or "html": the kind of its original file, if it has one."""
        kind = self.original.name.rsplit(".", 1)[-1] if self.original else None
        return kind if kind in ORIGINAL_KINDS else None

    def original_url(self, page: int | None = None) -> str | None:
        """Our copy of its original file (at `page` of a PDF: `#page=N`, which PDF viewers
        open at), or None."""
        kind = self.original_kind
        if kind is None:
            return None
        fragment = f"#page={page}" if page and kind == "pdf" else ""
        return f"{self.get_absolute_url()}original.{kind}{fragment}"

    @property
    def paginated(self) -> bool:
        return bool(self.page_breaks)

    @property
    def page_count(self) -> int:
        return len(self.page_breaks) + 1 if self.page_breaks else 0

    def clean(self):
        super().clean()
        if self.text is not None and (
            problem := anchoring.page_breaks_problem(self.text, self.page_breaks)
        ):
            raise ValidationError({"text": problem})

    def save(self, *args, **kwargs):
        # The row is locked while its passages follow the text: a passage cannot be made in
        # the old text, nor a reader see the new text with the old offsets.
        with transaction.atomic():
            old_text, old_kind = (
                Source.objects.select_for_update()
                .filter(pk=self.pk)
                .values_list("text", "kind")
                .first()
                if self.pk
                else None
            ) or (None, None)
            super().save(*args, **kwargs)
            # However the text changes (a form, a history revert, code), its passages follow it.
            self.reanchor_report = (
                self.passages_reanchor() if old_text is not None and old_text != self.text else None
            )
            # And a transcript's turns are read again from it.
            if (old_text, old_kind) != (self.text, self.kind):
                self.turns_read(old_text=old_text)

    def turns_read(self, *, old_text: str | None = None) -> int:
        """Read this transcript's turns again from its `SPEAKER: words` lines, in place of the
        ones it had; how many it has now. Turns are never moved: after an edit each is read
        from the text or gone, so none can point at other words than its speaker's. A label
        names the speaker it named in `old_text` (the text its turns were read from), else the
        actor of that name or alias; a label naming nobody makes no turn (its words belong to
        no one). A source that is not a transcript has no turns."""
        if self.kind != self.Kind.TRANSCRIPT:
            gone = set(self.turns.values_list("speaker_id", flat=True))
            if gone:
                self.turns.all().delete()
                derived.derived_refresh(actor_ids=gone)
            return 0
        known: dict[str, Actor | None] = {}
        old = list(self.turns.select_related("speaker"))
        for turn in old if old_text else ():
            # Read in the text the turn was marked on: its offsets are that text's.
            if label := transcripts.label_before(old_text, turn.start):
                known.setdefault(label, turn.speaker)

        def is_speaker(label: str) -> bool:
            if label not in known:
                known[label] = Actor.objects.by_name(label).first()
            return known[label] is not None

        spans = [
            span for span in transcripts.turns_read(self.text, is_speaker) if is_speaker(span.label)
        ]
        self.turns.all().delete()
        Turn.objects.bulk_create(
            Turn(source=self, start=span.start, end=span.end, speaker=known[span.label])
            for span in spans
        )
        derived.derived_refresh(
            actor_ids={*(t.speaker_id for t in old), *(known[s.label].pk for s in spans)}
        )
        return len(spans)

    def passages_reanchor(self) -> ReanchorReport:
        """Find every passage of this source again in its current text (after an edit).

        A passage whose quote still occurs takes its new offsets; one whose quote no longer occurs
        is marked changed, keeps its words as cited, and holds the best current match. Two
        passages never come to hold the same words: the one that kept its place keeps them, the
        other is marked changed. Ids stay; each passage that moves gets a history record.
        """
        report = ReanchorReport()
        fields = ["start", "end", "prefix", "suffix", "changed", "match_score"]
        passages = list(self.passages.all())
        anchors = {
            passage.pk: anchoring.passage_reanchor(
                self.text,
                quote=passage.quote,
                prefix=passage.prefix,
                suffix=passage.suffix,
                start=passage.start,
                end=passage.end,
            )
            for passage in passages
        }
        # Passages whose words stayed in place first, so that they keep them.
        passages.sort(key=lambda p: (anchors[p.pk].span != (p.start, p.end), p.start, p.pk))
        taken: set[anchoring.Span] = set()
        updated = []
        for passage in passages:
            anchor = anchors[passage.pk]
            exact = anchor.exact and anchor.span not in taken
            if exact:
                taken.add(anchor.span)
            before = [getattr(passage, name) for name in fields]
            moved = (anchor.span.start, anchor.span.end) != (passage.start, passage.end)
            passage.start, passage.end = anchor.span.start, anchor.span.end
            passage.match_score = anchor.score
            if exact:
                passage.prefix = anchoring.context_before(self.text, passage.start)
                passage.suffix = anchoring.context_after(self.text, passage.end)
                report.moved += moved
            elif not passage.changed:
                report.changed.append(passage)
            passage.changed = not exact
            if [getattr(passage, name) for name in fields] != before:
                passage.updated_at = timezone.now()
                updated.append(passage)
        bulk_update_with_history(updated, Passage, [*fields, "updated_at"], batch_size=500)
        report.changed.sort(key=lambda p: p.pk)
        return report

    def get_absolute_url(self):
        return detail_url("source_detail", self.slug)


@dataclass
class ReanchorReport:
    moved: int = 0  # passages found exactly at new offsets
    changed: list[Passage] = field(default_factory=list)  # newly marked changed

    def __str__(self) -> str:
        text = f"{self.moved} passage(s) re-anchored"
        if self.changed:
            listed = ", ".join(f"#{p.pk} “{p.quote[:40]}”" for p in self.changed[:10])
            text += f"; {len(self.changed)} marked as changed: {listed}"
        return text


class Authorship(models.Model):
    """An author of a source, in byline order. Deleting an author is refused (PROTECT)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="authorships")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "actor"], name="authorship_unique"),
        ]

    def __str__(self):
        return f"{self.actor} ({self.source})"


class Turn(models.Model):
    """One speaker's turn in a transcript: the span of its text (code-point offsets, end
    exclusive) that holds the speaker's words, after the "SPEAKER: " that names them. A
    transcript's turns do not overlap; an edit of its text reads them again (Source.turns_read).
    Deleting a speaker is refused (PROTECT)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="turns")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    speaker = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="turns")

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="turn_end_after_start"),
            models.UniqueConstraint(fields=["source", "start"], name="turn_start_unique"),
        ]

    def __str__(self):
        return f"{self.speaker}: “{self.words[:60]}”" if self.speaker_id else "turn"

    @property
    def words(self) -> str:
        return self.source.text[self.start : self.end] if self.source_id else ""

    def clean(self):
        super().clean()
        if None in (self.source_id, self.start, self.end):
            return
        if self.source.kind != Source.Kind.TRANSCRIPT:
            raise ValidationError("Only a transcript has speakers' turns.")
        problem = turn_spans_problem(
            self.source.text,
            [
                (self.start, self.end),
                *self.source.turns.exclude(pk=self.pk).values_list("start", "end"),
            ],
        )
        if problem:
            raise ValidationError(problem)


def turn_spans_problem(text: str, spans: list[tuple[int, int]]) -> str | None:
    """What is wrong with these turns' spans in `text`, if anything: each within the text,
    ending after it starts, none overlapping another."""
    for start, end in spans:
        if not 0 <= start < end <= len(text):
            return f"A turn at {start}–{end} is not within the text (0–{len(text)})."
    ordered = sorted(spans)
    for (start, end), (next_start, next_end) in zip(ordered, ordered[1:], strict=False):
        if next_start < end:
            return f"The turns at {start}–{end} and {next_start}–{next_end} overlap."
    return None


class PassageQuerySet(models.QuerySet):
    def holding(self, source, start: int, end: int):
        """The passage that cites exactly these words of `source` (a changed passage cites
        other words than those at its span now, so it is never reused for them)."""
        return self.filter(source=source, start=start, end=end, changed=False)

    def public(self):
        """Passages cited by a statement or dispute of a published claim (`is_public`, kept by
        derived.py)."""
        return self.filter(is_public=True)


class Passage(Timestamped):
    """A span of a source's text, cited by its permanent id.

    `start`/`end` are code-point offsets (end exclusive); `quote` is `source.text[start:end]`,
    unless the text was edited so that the quote no longer occurs (`changed`); `prefix`/`suffix`
    are the words around it. Two passages may come to share a span after an edit; code that makes
    passages reuses an existing span instead of making a copy.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="passages")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    changed = models.BooleanField(
        default=False,
        editable=False,
        help_text="The source's text was edited and the quote no longer occurs in it: `quote` "
        "keeps the words as cited, start and end hold the best current match.",
    )
    match_score = models.FloatField(default=1.0, editable=False)
    # Derived (derived.py): cited by a published claim.
    is_public = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords()
    objects = PassageQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end"]
        indexes = [models.Index(fields=["id"], condition=Q(is_public=True), name="passage_public")]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="passage_start_not_negative"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="passage_end_after_start"),
            models.CheckConstraint(
                condition=Q(match_score__gte=0, match_score__lte=1), name="passage_score_range"
            ),
        ]

    @property
    def page(self) -> int | None:
        """The page it begins on, in a source read from pages (None in one without)."""
        breaks = self.source.page_breaks
        return anchoring.page_of(breaks, self.start) if breaks else None

    @property
    def page_end(self) -> int | None:
        """The page it ends on, when that is a later one than `page`; else None."""
        breaks = self.source.page_breaks
        if not breaks:
            return None
        first, last = anchoring.pages_of(breaks, self.start, self.end)
        return last if last > first else None

    @cached_property
    def speaker(self) -> Actor | None:
        """Who speaks its words: the speaker of the turn it begins in, in a transcript."""
        if self.source.kind != Source.Kind.TRANSCRIPT:
            return None
        turn = (
            Turn.objects.filter(source=self.source_id, start__lte=self.start, end__gt=self.start)
            .select_related("speaker")
            .first()
        )
        return turn.speaker if turn else None

    @property
    def pages_display(self) -> str:
        """ "p. 3", "pp. 3–4", or "" in a source without pages."""
        if self.page is None:
            return ""
        return f"pp. {self.page}–{self.page_end}" if self.page_end else f"p. {self.page}"

    def __str__(self):
        quote = self.quote if len(self.quote) <= 80 else self.quote[:79] + "…"
        return f"“{quote}” ({self.source})" if self.source_id else f"“{quote}”"

    def _check_quote(self, text: str | None = None):
        text = self.source.text if text is None else text
        if self.end > len(text):
            raise ValidationError({"end": "The passage ends after its source's text."})
        if not self.changed and text[self.start : self.end] != self.quote:
            raise ValidationError(
                {"quote": f"The quote is not the text of the source at {self.start}–{self.end}."}
            )

    def clean(self):
        super().clean()
        # A saved passage's words are fixed; its source re-anchors it when the text is edited.
        # Only a passage being made is checked here (save() checks every time).
        if self._state.adding and None not in (self.source_id, self.start, self.end):
            self._check_quote()

    def save(self, *args, **kwargs):
        with transaction.atomic():
            # The text as stored, its row locked until the passage is saved: an in-memory
            # source may be older than an edit another curator has made since.
            text = (
                Source.objects.select_for_update()
                .values_list("text", flat=True)
                .get(pk=self.source_id)
            )
            self._check_quote(text)
            if not self.changed:
                self.prefix = anchoring.context_before(text, self.start)
                self.suffix = anchoring.context_after(text, self.end)
            super().save(*args, **kwargs)

    @property
    def current_words(self) -> str:
        """What the source says at this passage now (the quote itself unless changed)."""
        return self.source.text[self.start : self.end]

    @cached_property
    def text_fragment_url(self) -> str:
        """The original document's URL, scrolled to these words ("" without an original URL).
        Kept on the instance: proving a fragment in a long text takes a while, and a passage's
        page, its twin and its citations each ask."""
        if self.changed and not self.offers_match:
            return ""
        return anchoring.text_fragment_url(self.source.url, self.source.text, self.start, self.end)

    @property
    def offers_match(self) -> bool:
        """A changed passage whose best current match is close enough to show."""
        return self.changed and self.match_score >= anchoring.OFFER_SCORE

    def get_absolute_url(self):
        return detail_url("passage_detail", self.pk)

    @property
    def in_context_url(self) -> str:
        """Where its words are read among the words around them: its source's page (the page
        it begins on, in a source read from pages), at the passage."""
        if self.page is not None:
            return f"{self.source.page_url(self.page)}#passage-{self.pk}"
        return f"{self.source.get_absolute_url()}#passage-{self.pk}"


class DeletedPassage(models.Model):
    """What a deleted passage was, so that its URL answers 410 Gone and names it. Passage ids
    are never reused (the database's sequences only grow), so a tombstone never shadows one."""

    id = models.BigIntegerField(primary_key=True)  # the deleted passage's id
    quote = models.TextField(blank=True)
    source_title = models.CharField(max_length=500, blank=True)
    source_slug = models.CharField(max_length=SLUG_MAX_LENGTH, blank=True)
    deleted_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Deleted passage #{self.pk}"


@receiver(post_delete, sender=Passage)
def _passage_tombstone(sender, instance: Passage, **kwargs):
    # A signal, not Passage.delete(): deleting a source or a queryset never calls delete() on
    # each passage, and every way a passage goes must leave its tombstone. Its words are kept
    # only if a published claim ever cited it (so says the history); a passage only drafts
    # cited tells nothing.
    citing = [
        *Statement.history.filter(passage_id=instance.pk).values_list("claim_id", flat=True),
        *Dispute.history.filter(passage_id=instance.pk).values_list("claim_id", flat=True),
    ]
    was_public = Claim.history.filter(id__in=citing, published=True).exists()
    source = Source.objects.filter(pk=instance.source_id).first() if was_public else None
    DeletedPassage.objects.update_or_create(
        pk=instance.pk,
        defaults={
            "quote": instance.quote if was_public else "",
            "source_title": source.title if source else "",
            "source_slug": source.slug if source else "",
        },
    )


# ---------------------------------------------------------------------------------------------
# Topics and claims


class TopicQuerySet(models.QuerySet):
    def public(self):
        """Topics of at least one published claim (`claim_count`, kept by derived.py)."""
        return self.filter(claim_count__gt=0)


class Topic(Slugged):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    # Derived (derived.py): its published claims.
    claim_count = models.PositiveIntegerField("claims", default=0, editable=False)

    # (Not excluded from the history: simple_history's record of a claim's topics, changed
    # from the topic's side, copies every field of the topic.)
    history = HistoricalRecords()
    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("topic_detail", self.slug)


class ClaimStatus(models.TextChoices):
    UNDISPUTED = "undisputed", "undisputed"
    DISPUTED = "disputed", "disputed"
    RETRACTED = "retracted", "retracted"


class ClaimQuerySet(models.QuerySet):
    def public(self):
        return self.filter(published=True)


class Claim(Timestamped, Slugged):
    """A proposition in the curator's neutral words, with an optional numeric quantity."""

    class Qualifier(models.TextChoices):
        EXACTLY = "", "exactly"
        ABOUT = "about", "about"
        AT_LEAST = "at least", "at least"
        MORE_THAN = "more than", "more than"
        UP_TO = "up to", "up to"
        AT_MOST = "at most", "at most"
        FEWER_THAN = "fewer than", "fewer than"

    text = models.TextField(help_text="The proposition, in neutral words.")
    title = models.CharField(max_length=200, blank=True, help_text="Optional short title.")
    topics = models.ManyToManyField(Topic, related_name="claims", blank=True)
    quantity_value = models.DecimalField(
        "value", max_digits=24, decimal_places=6, null=True, blank=True
    )
    quantity_value_max = models.DecimalField(
        "maximum",
        max_digits=24,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="For a range: its upper end.",
    )
    quantity_unit = models.CharField("unit", max_length=100, blank=True)
    quantity_qualifier = models.CharField(
        "qualifier", max_length=20, choices=Qualifier.choices, blank=True, default=""
    )
    published = models.BooleanField(default=False, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by search.claims_search_refresh (PostgreSQL only); GIN-indexed by a migration.
    search_vector = SearchVectorField(null=True, editable=False)
    # Derived (derived.py) from its statements and disputes: retracted if one of its own
    # claimants retracted it, disputed if anyone disputed it, undisputed otherwise; and when it
    # was first stated (the statement's date, or its source's).
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.UNDISPUTED, editable=False
    )
    dispute_count = models.PositiveIntegerField("disputes", default=0, editable=False)
    first_date = models.DateField("first stated", null=True, editable=False)
    first_date_precision = models.CharField(
        max_length=5, choices=dates.PRECISIONS, default=dates.DAY, editable=False
    )
    # Derived too: what a list's facets count the claim under, as words ("m12 s40 t3"): "t"
    # and a topic's id, "m" a claimant's, "d" a disputant's, "s" a cited source's. A search's
    # facets then read the matching claims' rows once (selectors.claims_facets), rather than
    # join four tables for each facet.
    # Null until a claim's first save is refreshed: a column that may be null is added to a
    # large SQLite table in place, where one that may not is a copy of the whole table.
    facet_keys = models.TextField(null=True, editable=False)  # noqa: DJ001 (see above)

    history = HistoricalRecords(
        m2m_fields=[topics],
        excluded_fields=[
            "search_vector",
            "status",
            "dispute_count",
            "first_date",
            "first_date_precision",
            "facet_keys",
        ],
    )
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("publish_claim", "Can publish and unpublish claims"),
            # A merge keeps every statement and dispute (and the history, and a 301 from the
            # merged claim's address): a curator's work, not a deletion that Editors may not do.
            ("merge_claim", "Can merge a claim into another"),
        ]
        # The public orderings and filters, each served by an index of published claims (ties
        # broken by id: a claim's text may be too long for an index entry). The two orders by
        # date (undated last; carrying the status) are each database's own indexes, written in
        # SQL: PostgreSQL's in migration 0006 (NULLS LAST, INCLUDE), SQLite's in 0011.
        indexes = [
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                name="claim_newest",
                condition=Q(published=True),
            ),
            models.Index("dispute_count", "id", name="claim_disputes", condition=Q(published=True)),
            models.Index("status", name="claim_status", condition=Q(published=True)),
            # A status chosen, newest first: 25 entries read, not every claim of the status
            # sorted (SQLite: 28 ms for 47,500 disputed claims, then 0.1).
            models.Index(
                "status",
                F("published_at").desc(),
                F("id").desc(),
                name="claim_status_newest",
                condition=Q(published=True),
            ),
            # The drafts, counted in a moment (search.claims_surely_more_than).
            models.Index("id", name="claim_drafts", condition=Q(published=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_value_max__isnull=True)
                | Q(quantity_value__isnull=False, quantity_value_max__gte=F("quantity_value")),
                name="claim_quantity_range_ordered",
            ),
        ]

    def __str__(self):
        return self.title or self.text

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        search.claims_search_refresh(claim_ids=[self.pk])

    def clean(self):
        super().clean()
        if self.quantity_value_max is not None:
            if self.quantity_value is None:
                raise ValidationError({"quantity_value": "A range needs its lower value too."})
            if self.quantity_value_max < self.quantity_value:
                raise ValidationError(
                    {"quantity_value_max": "The upper end of a range cannot be below its value."}
                )
        if (self.quantity_unit or self.quantity_qualifier) and self.quantity_value is None:
            raise ValidationError({"quantity_value": "A unit or qualifier needs a value."})

    def get_absolute_url(self):
        return detail_url("claim_detail", self.slug)

    @property
    def first_date_iso(self) -> str:
        """When the claim was first stated, as YYYY, YYYY-MM or YYYY-MM-DD."""
        return dates.partial_date_format(self.first_date, self.first_date_precision)

    @property
    def first_date_display(self) -> str:
        """When the claim was first stated, at the precision known."""
        return dates.partial_date_display(self.first_date, self.first_date_precision)

    @property
    def claimants(self) -> list[Actor]:
        """The actors who made this claim, each once, in the order of their statements."""
        return list({s.actor_id: s.actor for s in self.statements.all()}.values())

    @property
    def quantity_display(self) -> str:
        if self.quantity_value is None:
            return ""
        value = _number_display(self.quantity_value)
        if self.quantity_value_max is not None:
            value = f"{value}–{_number_display(self.quantity_value_max)}"
        return " ".join(p for p in [self.quantity_qualifier, value, self.quantity_unit] if p)

    def publish(self):
        self.published = True
        self.published_at = self.published_at or timezone.now()
        self.save(update_fields=["published", "published_at", "updated_at"])

    def unpublish(self):
        self.published = False
        self.save(update_fields=["published", "updated_at"])


class MergedClaim(models.Model):
    """A public address of a claim merged into another (merging.claim_merge): the claim is gone,
    its address answers 301 to the claim it went into, for good (a merge into a claim later
    merged again follows it there). Site state, not the record: bundles do not carry it."""

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="merged_slugs")
    merged_claim_id = models.BigIntegerField(help_text="The id the merged claim had.")
    merged_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    def __str__(self):
        return f"{self.slug} → {self.claim_id}"


class _FullTextMatch(models.Lookup):
    """`<FTS5 table's own column> MATCH <query>`: SQLite full-text search (search.py)."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class _FullTextField(models.TextField):
    """The column an FTS5 table has under its own name, which a MATCH query is put to."""


_FullTextField.register_lookup(_FullTextMatch)


class ClaimSearchIndex(models.Model):
    """SQLite's full-text index of claims (an FTS5 table that search.py makes and keeps; none on
    PostgreSQL, which keeps `Claim.search_vector`), joined to the claims it finds:
    `Claim.objects.filter(search_index__match=…)` (search.claims_ranked ranks them by bm25)."""

    claim = models.OneToOneField(
        Claim,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        related_name="search_index",
    )
    match = _FullTextField(db_column=search.FTS)

    class Meta:
        managed = False
        db_table = search.FTS

    def __str__(self):
        return f"the index of claim #{self.claim_id}"


def _number_display(value) -> str:
    normalized = Decimal(str(value)).normalize()
    if normalized == normalized.to_integral_value():
        return f"{int(normalized):,}"
    return f"{normalized:,f}"


# ---------------------------------------------------------------------------------------------
# Statements and disputes


class RefreshesClaimSearch(models.Model):
    """A statement or dispute: its actor, quote and note are words its claim is found by (kept
    by `_citation_changed` on every save and delete, a queryset's delete included)."""

    class Meta:
        abstract = True


class Reportable(models.Model):
    """A statement or dispute whose words may be reported: its actor is neither an author nor
    the publisher of its passage's source, nor affiliated to one (Asmolov's article reports
    Amnesty International's figure); a transcript's speaker says the words of her own turn.
    Derived when read (`selectors.reporting_fill`), unless a
    curator says otherwise here."""

    reported = models.BooleanField(
        "reported",
        null=True,
        blank=True,
        default=None,
        choices=[(None, "as derived"), (True, "reported"), (False, "direct")],
        help_text=(
            "Whether these are the actor's words as someone else reports them. As derived: "
            "reported when the actor is neither an author nor the publisher of the source, nor "
            "affiliated to one, nor the speaker of the transcript's turn. Choose “direct” for, "
            "say, a spokesperson quoted in her own "
            "ministry's statement."
        ),
    )

    class Meta:
        abstract = True


class PublicThroughClaimQuerySet(models.QuerySet):
    def public(self):
        return self.filter(claim__published=True)


class Statement(RefreshesClaimSearch, Reportable, Timestamped, PartialDateMixin):
    """An actor makes, repeats or endorses a claim, in a passage (of any actor's source)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="statements")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="statements")
    passage = models.ForeignKey(Passage, on_delete=models.PROTECT, related_name="statements")
    note = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = PublicThroughClaimQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "actor", "passage"], name="statement_unique"),
        ]

    def __str__(self):
        return f"{self.actor} states “{self.claim}”"


class Dispute(RefreshesClaimSearch, Reportable, Timestamped, PartialDateMixin):
    """An actor disputes a claim, in a passage, optionally resting on a counterclaim."""

    class Kind(models.TextChoices):
        DENIES = "denies", "denies"
        QUESTIONS = "questions", "questions"
        QUALIFIES = "qualifies", "qualifies"
        RETRACTS = "retracts", "retracts"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="disputes")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="disputes")
    passage = models.ForeignKey(Passage, on_delete=models.PROTECT, related_name="disputes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DENIES)
    note = models.TextField(blank=True)
    counterclaim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="countered_disputes",
        help_text="Another claim this dispute rests on.",
    )

    history = HistoricalRecords()
    objects = PublicThroughClaimQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        indexes = [models.Index(F("created_at").desc(), F("id").desc(), name="dispute_newest")]
        constraints = [
            models.UniqueConstraint(fields=["claim", "actor", "passage"], name="dispute_unique"),
            models.CheckConstraint(
                condition=~Q(counterclaim=F("claim")), name="dispute_counterclaim_not_itself"
            ),
        ]

    def __str__(self):
        return f"{self.actor} {self.kind} “{self.claim}”"

    def clean(self):
        super().clean()
        if self.counterclaim_id and self.counterclaim_id == self.claim_id:
            raise ValidationError({"counterclaim": "A claim cannot be its own counterclaim."})
        if (
            self.kind == self.Kind.RETRACTS
            and self.claim_id
            and self.actor_id
            and not Statement.objects.filter(claim=self.claim_id, actor=self.actor_id).exists()
        ):
            raise ValidationError({"kind": "Only one of the claim's own claimants can retract it."})


# ---------------------------------------------------------------------------------------------
# Derived columns (derived.py) follow every write. Signals rather than save() and delete():
# a cascade deletes statements and disputes without calling their delete(). Bulk writers
# (bundles, generate_demo) refresh for themselves.


def _before(sender, instance, raw: bool, *fields: str) -> tuple | None:
    """What the row being saved holds in the database before the save (None if new)."""
    if raw or instance.pk is None:
        return None
    return sender.objects.filter(pk=instance.pk).values_list(*fields).first()


@receiver(pre_save, sender=Statement)
@receiver(pre_save, sender=Dispute)
def _citation_before(sender, instance, raw=False, **kwargs):
    instance._derived_before = _before(
        sender, instance, raw, "claim_id", "actor_id", "passage__source_id"
    )


@receiver(post_save, sender=Statement)
@receiver(post_save, sender=Dispute)
@receiver(post_delete, sender=Statement)
@receiver(post_delete, sender=Dispute)
def _citation_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    refs = [(instance.claim_id, instance.actor_id, instance.passage.source_id)]
    if getattr(instance, "_derived_before", None):
        refs.append(instance._derived_before)
    derived.derived_refresh(
        claim_ids=[claim for claim, _, _ in refs],
        actor_ids=[actor for _, actor, _ in refs],
        source_ids=[source for _, _, source in refs],
        reach=False,
    )
    # PostgreSQL's search vector (SQLite's triggers have done it): a signal, not delete(), so
    # that a queryset's delete, which calls no delete() of each row, is followed too.
    search.claims_search_refresh(claim_ids={claim for claim, _, _ in refs})


@receiver(post_save, sender=Claim)
def _claim_saved(sender, instance, raw=False, **kwargs):
    # Also puts back what a save of a stale in-memory copy wrote over.
    if not raw:
        derived.derived_refresh(claim_ids=[instance.pk])


@receiver(pre_delete, sender=Claim)
def _claim_deleting(sender, instance, **kwargs):
    # Its topic links go without signals of their own.
    instance._derived_topics = list(instance.topics.values_list("pk", flat=True))


@receiver(post_delete, sender=Claim)
def _claim_deleted(sender, instance, **kwargs):
    derived.derived_refresh(topic_ids=getattr(instance, "_derived_topics", ()))


@receiver(m2m_changed, sender=Claim.topics.through)
def _claim_topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    # The topics' counts move, and the claims' facet keys.
    if reverse:  # topic.claims.add(…)
        if action == "pre_clear":
            instance._derived_claims = list(instance.claims.values_list("pk", flat=True))
        elif action == "post_clear":
            claims = getattr(instance, "_derived_claims", ())
            derived.derived_refresh(topic_ids=[instance.pk], claim_ids=claims, reach=False)
        elif action in ("post_add", "post_remove"):
            derived.derived_refresh(topic_ids=[instance.pk], claim_ids=pk_set, reach=False)
    elif action == "pre_clear":
        instance._derived_topics = list(instance.topics.values_list("pk", flat=True))
    elif action == "post_clear":
        topics = getattr(instance, "_derived_topics", ())
        derived.derived_refresh(topic_ids=topics, claim_ids=[instance.pk], reach=False)
    elif action in ("post_add", "post_remove"):
        derived.derived_refresh(topic_ids=pk_set, claim_ids=[instance.pk], reach=False)


@receiver(pre_delete, sender=Topic)
def _topic_deleting(sender, instance, **kwargs):
    # Its claim links go without signals of their own: its claims' facet keys name it.
    instance._derived_claims = list(instance.claims.values_list("pk", flat=True))


@receiver(post_delete, sender=Topic)
def _topic_deleted(sender, instance, **kwargs):
    derived.derived_refresh(claim_ids=getattr(instance, "_derived_claims", ()), reach=False)


@receiver(pre_save, sender=Source)
def _source_before(sender, instance, raw=False, **kwargs):
    instance._derived_before = _before(
        sender, instance, raw, "publisher_id", "date", "date_precision"
    )


@receiver(post_save, sender=Source)
def _source_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    before = instance._derived_before
    # Its date is the first-stated date of claims whose statements give none of their own.
    dated = before is not None and before[1:] != (instance.date, instance.date_precision)
    derived.derived_refresh(
        source_ids=[instance.pk],
        actor_ids=[before[0]] if before else [],
        claim_ids=derived.claim_ids_citing(source_ids=[instance.pk]) if dated else [],
        reach=False,
    )


@receiver(m2m_changed, sender=Source.authors.through)
def _authors_changed(sender, instance, action, reverse, pk_set, **kwargs):
    # source.authors.add(…) writes Authorship rows in bulk, without their own signals.
    if reverse:  # actor.authored_sources.add(…)
        if action.startswith("post_"):
            derived.derived_refresh(actor_ids=[instance.pk])
    elif action == "pre_clear":
        instance._derived_authors = list(instance.authors.values_list("pk", flat=True))
    elif action.startswith("post_"):
        derived.derived_refresh(
            actor_ids=[*(pk_set or ()), *getattr(instance, "_derived_authors", ())],
            source_ids=[instance.pk],
        )


# An author of a public source, and a speaker in a public transcript, are public actors: a row
# that names one (or named another before) refreshes them.
_NAMES_AN_ACTOR = {Authorship: "actor_id", Turn: "speaker_id"}


@receiver(pre_save, sender=Authorship)
@receiver(pre_save, sender=Turn)
def _actor_named_before(sender, instance, raw=False, **kwargs):
    instance._derived_before = _before(sender, instance, raw, _NAMES_AN_ACTOR[sender])


@receiver(post_save, sender=Authorship)
@receiver(post_delete, sender=Authorship)
@receiver(post_save, sender=Turn)
@receiver(post_delete, sender=Turn)
def _actor_named_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        named = getattr(instance, _NAMES_AN_ACTOR[sender])
        derived.derived_refresh(
            actor_ids=[named, *(getattr(instance, "_derived_before", None) or ())]
        )


@receiver(pre_save, sender=Passage)
def _passage_before(sender, instance, raw=False, **kwargs):
    instance._derived_before = _before(sender, instance, raw, "source_id")


@receiver(post_save, sender=Passage)
def _passage_saved(sender, instance, raw=False, **kwargs):
    # A passage that moves to another source (a history revert can) moves its citations.
    (before,) = getattr(instance, "_derived_before", None) or (None,)
    if not raw and before is not None and before != instance.source_id:
        derived.derived_refresh(
            source_ids=[before, instance.source_id],
            claim_ids=derived.claim_ids_citing(passage_ids=[instance.pk]),
            reach=False,
        )


@receiver(post_save, sender=Actor)
@receiver(post_save, sender=Topic)
def _counted_saved(sender, instance, raw=False, **kwargs):
    # A save writes the in-memory copy's counts, which may be stale: put the true ones back.
    if not raw:
        key = "actor_ids" if sender is Actor else "topic_ids"
        derived.derived_refresh(**{key: [instance.pk]})


class RecordGeneration(models.Model):
    """The record's generation: one row, which every process reads and which grows after every
    committed write to the record; cached pages are keyed by it (caching.py)."""

    value = models.BigIntegerField()
    # On PostgreSQL, the primary's WAL position (bytes from its start) when `value` last grew: past
    # the commit of every write it stands for. A read replica that has replayed this far shows
    # the record as of this generation (replicas.py). Null on SQLite.
    wal = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="record_generation_one_row")]

    def __str__(self):
        return f"generation {self.value}"

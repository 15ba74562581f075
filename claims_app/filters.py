"""FilterSets for the public lists: they validate the query string and narrow a selector's rows.

An invalid value makes the FilterSet invalid; the view answers 400 with its errors, never an
unfiltered list.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q

from . import search, selectors
from .cursors import Keyset
from .models import (
    Actor,
    Alias,
    Authorship,
    Claim,
    ClaimStatus,
    Dispute,
    Source,
    Statement,
    Topic,
)

MAX_QUERY_LENGTH = 200
_SLUG = re.compile(r"[-\w]{1,100}")


class _SlugChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        # Refuse what cannot be a slug before it reaches the database (a NUL byte is an error
        # in PostgreSQL, not a miss).
        if value not in self.empty_values and not _SLUG.fullmatch(str(value)):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class _SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """A public object named by its slug; an unknown slug is an error that names it."""

    field_class = _SlugChoiceField

    def __init__(self, *args, what: str, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("method", "filter_related")
        kwargs.setdefault(
            "error_messages", {"invalid_choice": f"There is no {what} “%(value)s” in the record."}
        )
        super().__init__(*args, **kwargs)


# The pages of a broad search that are "near the start" (search.claims_search).
NEAR_START_PAGES = 3


# An actor's claims are a list of ids ("id IN (SELECT claim_id ...)"), read from the index of
# that actor's statements or disputes, not an EXISTS tested against every claim in turn:
# PostgreSQL plans the two alike (a semi-join), but SQLite runs EXISTS as written, a probe a
# claim (56 ms to count the 14 claims an actor made, at 100,000 claims; 0.2 ms as a list). A
# topic holds a twelfth of the record: there EXISTS along the newest-first index finds a page
# sooner than sorting the whole list, and made_by with topic reads the actor's short list first.
def _stated_by(actor):
    return Q(pk__in=Statement.objects.filter(actor=actor).values("claim_id"))


def _disputed_by(actor):
    return Q(pk__in=Dispute.objects.filter(actor=actor).values("claim_id"))


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        max_length=MAX_QUERY_LENGTH,
    )
    made_by = _SlugChoiceFilter(queryset=Actor.objects.public(), label="made by", what="actor")
    disputed_by = _SlugChoiceFilter(
        queryset=Actor.objects.public(), label="disputed by", what="actor"
    )
    actor = _SlugChoiceFilter(queryset=Actor.objects.public(), label="actor", what="actor")
    status = django_filters.ChoiceFilter(
        choices=ClaimStatus.choices, field_name="status", empty_label="any status"
    )
    topic = _SlugChoiceFilter(queryset=Topic.objects.public(), label="topic", what="topic")
    source = _SlugChoiceFilter(queryset=Source.objects.public(), label="source", what="source")
    since = django_filters.DateFilter(
        field_name="first_date", lookup_expr="gte", input_formats=["%Y-%m-%d"], label="since"
    )
    until = django_filters.DateFilter(
        field_name="first_date", lookup_expr="lte", input_formats=["%Y-%m-%d"], label="until"
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        label="order",
        empty_label="newest first",
        choices=[
            ("date", "date stated, oldest first"),
            ("-date", "date stated, newest first"),
            ("disputes", "fewest disputes first"),
            ("-disputes", "most disputes first"),
        ],
    )

    # The orderings a keyset cursor can follow (cursors.py), by `ordering` ("": newest first).
    # The two by date may meet undated claims, which a keyset of non-null columns cannot pass.
    KEYSETS = {
        "": Keyset((("published_at", True), ("pk", True))),
        "disputes": Keyset((("dispute_count", False), ("pk", False))),
        "-disputes": Keyset((("dispute_count", True), ("pk", True))),
    }

    class Meta:
        model = Claim
        fields: list[str] = []

    # The public object each parameter names, found by its name (slugs_for_names).
    NAMED = {
        **dict.fromkeys(
            ("made_by", "disputed_by", "actor"),
            lambda name: Actor.objects.public().filter(
                Q(name__iexact=name) | Q(aliases__name__iexact=name)
            ),
        ),
        "topic": lambda name: Topic.objects.public().filter(name__iexact=name),
        "source": lambda name: Source.objects.public().filter(title__iexact=name),
    }

    index_matches: int | None = None  # a search's matches in SQLite's index (filter_search)

    def filter_related(self, queryset, name, value):
        if name == "made_by":
            return queryset.filter(_stated_by(value))
        if name == "disputed_by":
            return queryset.filter(_disputed_by(value))
        if name == "actor":
            return queryset.filter(pk__in=selectors.claim_ids_citing(actor=value))
        if name == "topic":
            return queryset.filter(
                Exists(Claim.topics.through.objects.filter(claim=OuterRef("pk"), topic=value))
            )
        if name == "source":
            return queryset.filter(pk__in=selectors.claim_ids_citing(source=value))
        raise ValueError(name)

    def slugs_for_names(self) -> dict[str, str] | None:
        """When the form's only errors are actors, topics or sources given by their name (an
        actor's by one of its aliases too), as a reader types them into the filter's boxes
        rather than choosing from the list: each such parameter's slug. Else None."""
        named = {}
        for param in self.form.errors:
            value = " ".join(str(self.data.get(param, "")).split())
            if (
                param not in self.NAMED
                or not value
                or len(value) > MAX_QUERY_LENGTH
                or "\x00" in value  # an error in PostgreSQL, not a miss
            ):
                return None
            slugs = list(self.NAMED[param](value).values_list("slug", flat=True).distinct()[:2])
            if len(slugs) != 1:
                return None
            named[param] = slugs[0]
        return named or None

    def filter_search(self, queryset, name, value):
        # Ranked best first unless an ordering was asked for: when a page is fetched
        # (selectors.claims_page_fetch), since whether it can be depends on how many match.
        page = self.data.get("page") or "1"
        near_start = "cursor" in self.data or (page.isdigit() and int(page) <= NEAR_START_PAGES)
        self.index_matches = search.index_matches(value)
        return search.claims_search(
            queryset, value, near_start=near_start, matches=self.index_matches
        )

    def filter_ordering(self, queryset, name, value):
        order = {
            "date": ["first_date", "pk"],
            "-date": [F("first_date").desc(nulls_last=True), "-pk"],
            "disputes": ["dispute_count", "pk"],
            "-disputes": ["-dispute_count", "-pk"],
        }[value]
        return queryset.order_by(*order)

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data
        if not data.get("ordering"):
            queryset = queryset.order_by("-published_at", "-pk")
        return queryset


class _OrderedFilterSet(django_filters.FilterSet):
    """A list with a search box and a choice of orderings (ORDERINGS: value -> order_by)."""

    ORDERINGS: dict[str, list] = {}
    DEFAULT_ORDERING: list = []

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*self.ORDERINGS[value])

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by(*self.DEFAULT_ORDERING)
        return queryset


class ActorFilter(_OrderedFilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Name", max_length=MAX_QUERY_LENGTH)
    kind = django_filters.ChoiceFilter(choices=Actor.Kind.choices, empty_label="any kind")
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        label="order",
        empty_label="by name",
        choices=[
            ("-name", "by name, Z–A"),
            ("-made", "most claims made first"),
            ("-disputed", "most claims disputed first"),
        ],
    )
    ORDERINGS = {
        "-name": ["-name"],
        "-made": ["-made_count", "name"],
        "-disputed": ["-disputed_count", "name"],
    }
    DEFAULT_ORDERING = ["name"]

    class Meta:
        model = Actor
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        # By its name or any other spelling of it: one list of ids, each part read from its own
        # (trigram) index, rather than an OR that tests every actor in turn.
        named = Actor.objects.filter(name__icontains=value).order_by().values("pk")
        aliased = Alias.objects.filter(name__icontains=value).order_by().values("actor_id")
        return queryset.filter(pk__in=named.union(aliased))


class SourceFilter(_OrderedFilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label="Title or author", max_length=MAX_QUERY_LENGTH
    )
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices, empty_label="any kind")
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        label="order",
        empty_label="newest first",
        choices=[
            ("date", "oldest first"),
            ("title", "by title"),
            ("-claims", "most claims cited first"),
        ],
    )
    ORDERINGS = {
        "date": [F("date").asc(nulls_last=True), "title"],
        "title": ["title", "pk"],
        "-claims": ["-claim_count", "title"],
    }
    DEFAULT_ORDERING = [F("date").desc(nulls_last=True), "title"]

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        # One list of ids, each part read from its own (trigram) index, rather than an OR
        # across a join that tests every source in turn.
        actors = Actor.objects.filter(name__icontains=value).order_by().values("pk")
        titled = Source.objects.filter(title__icontains=value).order_by().values("pk")
        published = Source.objects.filter(publisher__in=actors).order_by().values("pk")
        written = Authorship.objects.filter(actor__in=actors).order_by().values("source_id")
        return queryset.filter(pk__in=titled.union(published, written))


class PageForm(forms.Form):
    """A page number, under the parameter a list pages by."""

    def __init__(self, data, *, param: str = "page"):
        super().__init__(data)
        self.fields[param] = forms.IntegerField(min_value=1, max_value=10**9, required=False)

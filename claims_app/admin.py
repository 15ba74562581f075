"""Curation: the Django admin, for a curator's whole working day (PRODUCT.md §4)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import anchoring
from .models import (
    Actor,
    Alias,
    Authorship,
    Claim,
    ClaimStatus,
    Dispute,
    Passage,
    Source,
    Statement,
    Topic,
)

admin.site.site_header = "Claim tracker curation"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "The record"


def _as_in(text: str, pasted: str) -> str:
    """Pasted words with their line breaks as the source's text has them (browsers send a
    textarea's line breaks as CRLF)."""
    return pasted if "\r\n" in text else pasted.replace("\r\n", "\n")


def _locate_error(error: Exception, source: Source) -> str:
    if isinstance(error, anchoring.QuoteNotFound):
        message = f"This quote is not in “{source}”"
        return message + (f". The closest text is: “{error.closest}”" if error.closest else ".")
    return f"This quote {error}"


# ---------------------------------------------------------------------------------------------
# Actors


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "affiliation", "wikidata", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "description", "wikidata"]
    autocomplete_fields = ["affiliation"]
    inlines = [AliasInline]
    fields = ["name", "slug", "kind", "description", "affiliation", "wikidata"]


# ---------------------------------------------------------------------------------------------
# Sources and passages


class PassageForm(forms.ModelForm):
    """A passage made by pasting its quote: the offsets are found in the source's text.

    A quote that occurs more than once needs the words just before or after it, or its start
    offset (which selecting the words in the source fills in). A saved passage's words are fixed:
    its URL must keep showing them.
    """

    class Meta:
        model = Passage
        fields = ["source", "quote", "prefix", "suffix", "start"]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "prefix": forms.TextInput(attrs={"size": 30}),
            "suffix": forms.TextInput(attrs={"size": 30}),
        }
        labels = {
            "prefix": "Words just before",
            "suffix": "Words just after",
            "start": "Start offset",
        }
        help_texts = {
            "quote": "Paste the exact words from the source's text.",
            "prefix": "Only if the quote occurs more than once.",
            "start": "Optional: where the quote starts (a code-point offset); if the quote "
            "occurs more than once, the occurrence nearest to it is taken.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].required = False
        # The words around a quote may begin or end with a space: keep it.
        self.fields["prefix"].strip = self.fields["suffix"].strip = False
        if self.instance.pk:
            for name in ("source", "quote", "prefix", "suffix", "start"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = ""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            return cleaned
        source = cleaned.get("source") or getattr(self.instance, "source", None)
        quote = cleaned.get("quote")
        if source is None or not quote:
            return cleaned
        try:
            span = anchoring.quote_locate(
                source.text,
                _as_in(source.text, quote),
                prefix=_as_in(source.text, cleaned.get("prefix") or ""),
                suffix=_as_in(source.text, cleaned.get("suffix") or ""),
                near=cleaned.get("start"),
            )
        except (anchoring.QuoteNotFound, anchoring.QuoteAmbiguous) as error:
            self.add_error("quote", _locate_error(error, source))
            return cleaned
        cleaned["start"] = span.start
        cleaned["quote"] = source.text[span.start : span.end]  # as the source has the words
        self.instance.start, self.instance.end = span.start, span.end
        if source.pk is not None and Passage.objects.holding(source, span.start, span.end).exists():
            self.add_error("quote", "This passage already exists: use it rather than a copy.")
        return cleaned


def _https_urls(field, **kwargs):
    """Form fields for a model's fields, URLs assuming https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SourceForm(forms.ModelForm):
    """The source's text exactly as pasted: passages are offsets into it."""

    class Meta:
        model = Source
        formfield_callback = _https_urls
        fields = [
            "title",
            "slug",
            "kind",
            "publisher",
            "date",
            "date_precision",
            "language",
            "url",
            "archive_url",
            "text",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "text" in self.fields:
            self.fields["text"].strip = False  # leading and trailing blanks are text too

    def clean_text(self):
        text = self.cleaned_data["text"]
        # Browsers send a textarea's line breaks as CRLF: a text stored with LF must not turn
        # into CRLF (moving every passage) just by being saved.
        if "\r\n" not in (self.instance.text or ""):
            text = text.replace("\r\n", "\n")
        return text


class PassageInline(admin.StackedInline):
    model = Passage
    form = PassageForm
    extra = 0
    fields = ["quote", "prefix", "suffix", "start", "passage_link"]
    readonly_fields = ["passage_link"]
    show_change_link = True

    @admin.display(description="Passage")
    def passage_link(self, obj):
        return f"#{obj.pk}, offsets {obj.start}–{obj.end}" if obj.pk else "(made on save)"


class AuthorshipInline(admin.StackedInline):
    # Stacked, not tabular: a tabular row's fields (and its delete box) have no <label>.
    model = Authorship
    extra = 1
    autocomplete_fields = ["actor"]
    fields = ["actor", "position"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    form = SourceForm
    # The admin builds its own copy of the form, with this in place of the Meta callback.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "kind", "publisher", "date", "language", "passage_count"]
    list_filter = ["kind", "language", "date_precision"]
    search_fields = ["title", "slug", "url", "publisher__name", "authorships__actor__name"]
    autocomplete_fields = ["publisher"]
    inlines = [AuthorshipInline, PassageInline]
    date_hierarchy = "date"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "kind",
                    "publisher",
                    ("date", "date_precision"),
                    "language",
                ]
            },
        ),
        ("Where it is", {"fields": ["url", "archive_url"]}),
        ("Full text", {"fields": ["text"]}),
        (
            "Make a passage by selecting words",
            {"fields": ["text_selector"], "classes": ["collapse"]},
        ),
    ]
    readonly_fields = ["text_selector"]

    class Media:
        js = ["admin/claims/passage_select.js"]
        css = {"all": ["admin/claims/passage_select.css"]}

    @admin.display(description="Select words")
    def text_selector(self, obj):
        if obj is None or not obj.pk:
            return "Save the source first: then select words in its text to make a passage."
        # The text alone in its box, one text node, so that the selection's offsets are exact.
        return format_html(
            '<div id="source-text-select" class="source-text-select" tabindex="0" role="region" '
            'aria-label="The text, to select words in">{}</div>'
            '<p><button type="button" id="make-passage" class="button" hidden>'
            "Make a passage of the selected words</button>"
            '<span id="make-passage-status" role="status"></span></p>',
            obj.text,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_passages=Count("passages"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        report = obj.reanchor_report  # set when the save changed the text
        if report is not None:
            level = messages.WARNING if report.changed else messages.INFO
            self.message_user(request, f"The text changed: {report}.", level)

    @admin.display(description="passages", ordering="_passages")
    def passage_count(self, obj):
        return obj._passages


@admin.register(Passage)
class PassageAdmin(SimpleHistoryAdmin):
    form = PassageForm
    list_display = ["__str__", "source", "start", "end"]
    list_filter = ["source"]
    search_fields = ["quote", "source__title", "source__slug"]
    autocomplete_fields = ["source"]
    list_select_related = ["source"]


# ---------------------------------------------------------------------------------------------
# Claims, statements and disputes


class CitationForm(forms.ModelForm):
    """A statement or dispute: pick its passage, or name the source and paste the quote, and
    the passage is found (or made, when the whole form saves)."""

    source = forms.ModelChoiceField(
        Source.objects.all(),
        required=False,
        widget=AutocompleteSelect(Passage._meta.get_field("source"), admin.site),
        help_text="Or, instead of a passage: the source…",
    )
    quote = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="…and the exact words, pasted from it.",
    )
    quote_start = forms.IntegerField(
        required=False,
        min_value=0,
        label="Quote starts at",
        help_text="Only if the quote occurs more than once: the occurrence nearest to it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passage"].required = False
        self.fields["note"].widget = forms.Textarea(attrs={"rows": 2, "cols": 60})
        self._new_passage: Passage | None = None

    def clean(self):
        cleaned = super().clean()
        passage, source, quote = cleaned.get("passage"), cleaned.get("source"), cleaned.get("quote")
        if passage and (source or quote):
            raise forms.ValidationError("Choose a passage, or give a source and a quote: not both.")
        if passage:
            return cleaned
        if not (source and quote):
            if source or quote:
                raise forms.ValidationError("Give both the source and the quote.")
            raise forms.ValidationError("Choose a passage, or give a source and paste the quote.")
        try:
            span = anchoring.quote_locate(
                source.text, _as_in(source.text, quote), near=cleaned.get("quote_start")
            )
        except (anchoring.QuoteNotFound, anchoring.QuoteAmbiguous) as error:
            self.add_error("quote", _locate_error(error, source))
            return cleaned
        existing = Passage.objects.holding(source, span.start, span.end).first()
        if existing:
            cleaned["passage"] = self.instance.passage = existing
        else:
            self._new_passage = Passage(
                source=source,
                start=span.start,
                end=span.end,
                quote=source.text[span.start : span.end],
            )
        return cleaned

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        if self._new_passage is not None:
            exclusions.add("passage")
        return exclusions

    def save(self, commit=True):
        if self._new_passage is not None:
            # Another inline of the same form may have just made this very span.
            new = self._new_passage
            existing = Passage.objects.holding(new.source, new.start, new.end).first()
            if existing is None:
                new.save()
            self.instance.passage = existing or new
            self._new_passage = None
        return super().save(commit=commit)


class StatementForm(CitationForm):
    class Meta:
        model = Statement
        fields = [
            "actor",
            "passage",
            "source",
            "quote",
            "quote_start",
            "date",
            "date_precision",
            "note",
        ]


class DisputeForm(CitationForm):
    class Meta:
        model = Dispute
        fields = [
            "actor",
            "kind",
            "passage",
            "source",
            "quote",
            "quote_start",
            "date",
            "date_precision",
            "note",
            "counterclaim",
        ]


class StatementInline(admin.StackedInline):
    model = Statement
    form = StatementForm
    fk_name = "claim"
    extra = 0
    autocomplete_fields = ["actor", "passage"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "actor",
                    "passage",
                    ("source", "quote_start"),
                    "quote",
                    ("date", "date_precision"),
                    "note",
                ]
            },
        ),
    ]


class DisputeInline(admin.StackedInline):
    model = Dispute
    form = DisputeForm
    fk_name = "claim"
    extra = 0
    autocomplete_fields = ["actor", "passage", "counterclaim"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "actor",
                    "kind",
                    "passage",
                    ("source", "quote_start"),
                    "quote",
                    ("date", "date_precision"),
                    "note",
                    "counterclaim",
                ]
            },
        ),
    ]


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ClaimStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ClaimStatus.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "status_display",
        "published",
        "statement_count",
        "dispute_count",
        "updated_at",
    ]
    list_filter = ["published", StatusFilter, "topics"]
    search_fields = ["text", "title", "slug", "statements__actor__name", "disputes__actor__name"]
    autocomplete_fields = ["topics"]
    readonly_fields = ["published", "published_at"]
    inlines = [StatementInline, DisputeInline]
    actions = ["publish_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["text", "title", "slug", "topics"]}),
        (
            "Quantity",
            {
                "fields": [
                    ("quantity_qualifier", "quantity_value", "quantity_value_max", "quantity_unit")
                ],
                "description": "For numeric estimates, so that they can be compared.",
            },
        ),
        (
            "Publication",
            {
                "fields": ["published", "published_at"],
                "description": "A new claim is a draft, seen only here. Publish it with the "
                "button below or the list's action.",
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(_statements=Count("statements", distinct=True))
        )

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        return obj.status

    @admin.display(description="statements", ordering="_statements")
    def statement_count(self, obj):
        return obj._statements

    def has_publish_permission(self, request):
        return request.user.has_perm("claims_app.publish_claim")

    @admin.action(description="Publish the selected claims", permissions=["publish"])
    def publish_selected(self, request, queryset):
        claims = [claim for claim in queryset if not claim.published]
        for claim in claims:
            claim.publish()
        self.message_user(request, f"Published {len(claims)} claim(s).", messages.SUCCESS)

    @admin.action(
        description="Unpublish the selected claims (back to draft)", permissions=["publish"]
    )
    def unpublish_selected(self, request, queryset):
        claims = [claim for claim in queryset if claim.published]
        for claim in claims:
            claim.unpublish()
        self.message_user(request, f"Unpublished {len(claims)} claim(s).", messages.SUCCESS)

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_publish"] = self.has_publish_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def _publish_from_form(self, request, obj):
        wants = "_publish" in request.POST or "_unpublish" in request.POST
        if not wants:
            return
        if not self.has_publish_permission(request):
            raise PermissionDenied
        if "_publish" in request.POST:
            obj.publish()
            self.message_user(request, f"“{obj}” is published.", messages.SUCCESS)
        else:
            obj.unpublish()
            self.message_user(request, f"“{obj}” is back to draft.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if change:
            # Publication changes only by its explicit action, never as a side effect of an edit
            # or of reverting to an old version in the history.
            obj.published, obj.published_at = (
                Claim.objects.filter(pk=obj.pk).values_list("published", "published_at").get()
            )
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        self._publish_from_form(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._publish_from_form(request, obj)
        return super().response_change(request, obj)


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    form = StatementForm
    list_display = ["actor", "claim", "passage", "date"]
    list_filter = ["claim__published"]
    search_fields = ["actor__name", "claim__text", "passage__quote"]
    autocomplete_fields = ["claim", "actor", "passage"]
    list_select_related = ["actor", "claim", "passage__source"]
    fields = ["claim", *StatementForm.Meta.fields]


@admin.register(Dispute)
class DisputeAdmin(SimpleHistoryAdmin):
    form = DisputeForm
    list_display = ["actor", "kind", "claim", "passage", "date"]
    list_filter = ["kind", "claim__published"]
    search_fields = ["actor__name", "claim__text", "passage__quote", "note"]
    autocomplete_fields = ["claim", "actor", "passage", "counterclaim"]
    list_select_related = ["actor", "claim", "passage__source"]
    fields = ["claim", *DisputeForm.Meta.fields]


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]

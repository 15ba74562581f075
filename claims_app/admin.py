"""Curation: the Django admin, for a curator's whole working day (PRODUCT.md §4)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from simple_history.admin import SimpleHistoryAdmin

from . import admin_duplicates, anchoring, annotate, concurrency, extraction, selectors, widgets
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
    Turn,
    turn_spans_problem,
)
from .slug_preview import SlugPreviewed


def _as_in(text: str, pasted: str) -> str:
    """Pasted words with their line breaks as the source's text has them (browsers send a
    textarea's line breaks as CRLF)."""
    return pasted if "\r\n" in text else pasted.replace("\r\n", "\n")


def _locate_error(error: Exception, source: Source, start: forms.BoundField) -> str:
    """The form error for a quote not found, or found in several places: then the places to
    choose from, each with its offset for `start` (the form's bound start field)."""
    if isinstance(error, anchoring.QuoteNotFound):
        message = f"This quote is not in “{source}”"
        return message + (f". The closest text is: “{error.closest}”" if error.closest else ".")
    return widgets.occurrences_choice(error, source.text, start)


def view_on_site(request, content_type_id: str, object_id: str):
    """The admin's "view on site" (`/admin/r/<type>/<id>/`), for staff who may see the object:
    its public address names it (a draft claim's slug is its title)."""
    content_type_id = _id(content_type_id)
    content_type = (
        ContentType.objects.filter(pk=content_type_id).first() if content_type_id else None
    )
    model = content_type.model_class() if content_type else None
    if model is None or not any(
        request.user.has_perm(
            f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"
        )
        for action in ("view", "change")
    ):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)


# ---------------------------------------------------------------------------------------------
# Curators at work at once


def _id(value) -> int | None:
    """An id as a browser may send it, or None (not digits: "²" is a digit to str.isdigit)."""
    value = str(value)
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 19 else None


def _ids_named(post, name: str) -> set[int]:
    """The ids a POST gives in fields called `name` (`source`, `statements-0-source`, …)."""
    ids = set()
    for key, values in post.lists():
        if key == name or key.endswith(f"-{name}"):
            ids.update(_id(value) for value in values)
    return ids - {None}


class CurationAdmin(SimpleHistoryAdmin):
    """The admin of every object of the record, safe for several curators at once.

    - Each write (a change form, a history revert, a list action) is one transaction that first
      locks the rows it will write, in the one order every writer uses (concurrency.rows_lock),
      and is run again if the database breaks a deadlock by aborting it.
    - A change form carries the version of the object (and of its inline rows) it was opened
      on. A save from a form opened before someone else's save is refused with a form error
      that says who changed what since, shows the current values, and keeps the curator's
      input; saving again then overrides, knowingly.
    """

    object_history_form_template = "admin/claims_app/object_history_form.html"

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, obj):
        """When it last changed, short enough for a list at 1280 pixels ("2026-12-02 13:28")."""
        return date_format(localtime(obj.updated_at), "Y-m-d H:i")

    def version_children(self) -> concurrency.Children:
        """The inline rows a change form shows: {inline name: (model, foreign key)}."""
        return {
            inline.model._meta.model_name: (
                inline.model,
                inline.fk_name or self.model._meta.model_name,
            )
            for inline in self.inlines
        }

    def rows_to_lock(self, request, object_id) -> dict:
        """The rows a POST to this object's form may write (concurrency.rows_lock's arguments):
        the sources it names or whose passages it names (a quote is found in, and a passage
        made in, a source's current text), the claims it names, and the object itself."""
        post = request.POST
        passages = _ids_named(post, "passage")
        claims = _ids_named(post, "claim")
        sources = _ids_named(post, "source")
        others = []
        pk = _id(unquote(object_id)) if object_id else None
        if pk is not None:
            if self.model is Source:
                sources.add(pk)
            elif self.model is Passage:
                passages.add(pk)
            elif self.model is Claim:
                claims.add(pk)
            else:
                others.append((self.model, [pk]))
        sources |= set(Passage.objects.filter(pk__in=passages).values_list("source_id", flat=True))
        return {"source_ids": sources, "claim_ids": claims, "others": others}

    def _locked(self, request, object_id, write):
        def locked():
            concurrency.rows_lock(**self.rows_to_lock(request, object_id))
            return write()

        return concurrency.write_retried(locked)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            # The version is read before the object the form is built from: a save landing in
            # between then makes a needless conflict, never a lost update.
            request.seen_version = self._version_token(object_id) if object_id else None
            return super().changeform_view(request, object_id, form_url, extra_context)
        # What Django's changeform_view does for a POST, in a transaction of our own.
        return self._locked(
            request,
            object_id,
            lambda: self._changeform_view(request, object_id, form_url, extra_context),
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        context = {**(extra_context or {}), "seen_version": self._version_token(object_id)}
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, context)
        return self._locked(
            request,
            object_id,
            lambda: super(CurationAdmin, self).history_form_view(
                request, object_id, version_id, context
            ),
        )

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        return self._locked(
            request,
            object_id,
            lambda: self._delete_view(request, object_id, extra_context),
        )

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        return concurrency.write_retried(
            lambda: super(CurationAdmin, self).changelist_view(request, extra_context)
        )

    def _version_token(self, object_id) -> str:
        pk = _id(unquote(str(object_id)))
        obj = self.model._default_manager.filter(pk=pk).first() if pk is not None else None
        if obj is None:
            return ""
        return concurrency.version_token(concurrency.version_of(obj, self.version_children()))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and obj.pk:
            # Read before the form's object (GET), or fresh under the row locks (a refused
            # POST, whose `obj` holds the curator's input).
            context["seen_version"] = getattr(request, "seen_version", None) or (
                self._version_token(obj.pk)
            )
        else:  # a new object has no version; the time says which texts its quotes were in
            context["seen_version"] = concurrency.version_token(concurrency.version_opened())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if request.method != "POST" or obj is None or obj.pk is None:
            return form
        model_admin = self

        class VersionChecked(form):
            def clean(self):
                cleaned = super().clean()
                conflict = model_admin.version_conflict(self, obj)
                if conflict:
                    raise forms.ValidationError(conflict, code="stale")
                return cleaned

        return VersionChecked

    def version_conflict(self, form, obj) -> str:
        """What changed since `form` was opened, as a message for the curator ("" if nothing
        did). Runs under the row locks, so nothing can change between this check and the save."""
        seen = concurrency.version_read(form.data.get("_seen_version"))
        if seen is None:
            return ""  # not a form of ours (a script posting its own data takes its chances)
        children = self.version_children()
        current = self.model._default_manager.get(pk=obj.pk)
        now = concurrency.version_of(current, children)
        fields, rows = concurrency.version_changes(seen, now)
        if not fields and not rows:
            return ""
        who = concurrency.changes_since(current, children, seen["t"])[:5] or ["someone"]
        values = []
        for name in fields:
            field = self.model._meta.get_field(name)
            if field.many_to_many:
                value = ", ".join(str(item) for item in getattr(current, name).all())
            else:
                value = str(getattr(current, name) or "")
                theirs = _as_in(value, str(form.data.get(name, "")))  # a browser's CRLFs
                value = concurrency.value_excerpt(value, theirs)
            values.append(f"{field.verbose_name}: “{value}”")
        if rows:
            counted = Counter(row.partition(":")[0] for row in rows)
            names = {
                name: (model._meta.verbose_name, model._meta.verbose_name_plural)
                for name, (model, _) in children.items()
            }
            values.append(
                ", ".join(f"{n} {names[name][n > 1]}" for name, n in counted.items())
                + " below changed or gone"
            )
        return (
            f"Someone saved this {self.model._meta.verbose_name} after you opened this form, so "
            f"your changes are not saved yet. Changed since: {'; '.join(who)}. "
            f"Now: {'; '.join(values)}. Your input is kept below: check it against these, then "
            "save again to keep yours."
        )


# ---------------------------------------------------------------------------------------------
# Actors


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(Actor)
class ActorAdmin(SlugPreviewed, CurationAdmin):
    slug_from = ["name"]
    list_display = ["name", "kind", "affiliation", "wikidata", "updated"]
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
    offset (which selecting the words in the source fills in, and the error offers). A saved
    passage's words are fixed, its URL must keep showing them: they are shown, line breaks and
    all, not edited.
    """

    # Whether a start offset is into the text posted with this form (a source's own form: its
    # version check refuses a save from a stale text), not into the text as stored.
    offsets_in_posted_text = False

    class Media:
        js = ["admin/claims/passage_words.js"]
        css = {"all": ["admin/claims/passage_words.css"]}

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
            for name in ("quote", "prefix", "suffix"):
                self.fields[name].widget = widgets.WordsDisplay()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_kept_words()
            return cleaned
        source = cleaned.get("source") or getattr(self.instance, "source", None)
        quote = cleaned.get("quote")
        if source is None or not quote:
            return cleaned
        if (
            cleaned.get("start") is not None
            and not self.offsets_in_posted_text
            and _text_changed_since(source, self.data)
        ):
            self.add_error("start", _offset_stale(source))
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
            self.add_error("quote", _locate_error(error, source, self["start"]))
            return cleaned
        cleaned["start"] = span.start
        cleaned["quote"] = source.text[span.start : span.end]  # as the source has the words
        self.instance.start, self.instance.end = span.start, span.end
        if source.pk is not None and Passage.objects.holding(source, span.start, span.end).exists():
            self.add_error("quote", "This passage already exists: use it rather than a copy.")
        return cleaned

    def _check_kept_words(self):
        """A saved passage keeps its words; a version restored from its history must hold
        them at its offsets in the source's current text (else its URL would show other
        words)."""
        passage = self.instance
        kept = ("source_id", "start", "end", "quote", "changed")
        stored = Passage.objects.filter(pk=passage.pk).values_list(*kept).first()
        if passage.changed or stored == tuple(getattr(passage, name) for name in kept):
            return  # nothing is being restored (a source's form shows its passages as they are)
        current = Source.objects.filter(pk=passage.source_id).values_list("text", flat=True).first()
        try:
            passage._check_quote(current)
        except ValidationError:
            raise forms.ValidationError(
                f"This version cannot be restored: its words, “{passage.quote[:200]}”, are not "
                f"at {passage.start}–{passage.end} in the source's current text. The passage "
                "follows its source's text by itself: nothing needs restoring.",
                code="words_moved",
            ) from None


def _https_urls(field, **kwargs):
    """Form fields for a model's fields, URLs assuming https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


def title_from_text(text: str, longest: int) -> str:
    """A text's first line that holds words, as a title (cut at a word, with "…", if long)."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(line) <= longest:
        return line
    return line[: longest - 1].rsplit(" ", 1)[0].rstrip() + "…"


class SourceForm(forms.ModelForm):
    """The source's text exactly as pasted, or read from a file (a PDF, page by page, or a saved
    web page): passages are offsets into it."""

    document = forms.FileField(
        label="Or read it from a file",
        required=False,
        help_text="A PDF, or a web page saved as HTML. Its text replaces the text above (a PDF's "
        "page by page: passages then know their page), and its title, date and address fill "
        "those left blank. The file is kept, for readers to open at a passage's page.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.html,.htm,application/pdf"}),
    )

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
        widgets = {
            "text": widgets.SelectableText(
                attrs={"rows": 16, "cols": 90, "class": "vLargeTextField source-text"}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "text" in self.fields:
            self.fields["text"].strip = False  # leading and trailing blanks are text too
            if "\r\n" in (self.instance.text or ""):
                # Kept so when saved (clean_text), while the field's value has LFs: a start
                # offset selected in it counts each line break as two.
                self.fields["text"].widget.attrs["data-line-breaks"] = "crlf"
        if "title" in self.fields and "text" in self.fields:
            # A pasted article begins with its headline: a title left blank is taken from it.
            self.fields["title"].required = False
            self.fields["title"].help_text = "Left blank: the text's first line."
        if "text" in self.fields:
            self.fields["text"].required = False  # when a file gives it (clean)
        self.read: extraction.Extracted | None = None
        self.read_bytes = b""

    def _document_given(self) -> bool:
        return bool(self.files.get(self.add_prefix("document")))

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if not document:
            return document
        limit = settings.SOURCE_UPLOAD_MAX_BYTES
        if document.size > limit:
            raise forms.ValidationError(
                f"This file is {document.size:,} bytes: files of up to {limit:,} are read."
            )
        data = document.read()
        try:
            self.read = extraction.document_extract(data, max_bytes=limit)
        except extraction.ExtractionError as error:
            raise forms.ValidationError(str(error)) from None
        self.read_bytes = data
        return document

    def clean(self):
        cleaned = super().clean()
        read = self.read
        if read is not None:
            text, breaks = anchoring.pages_join(read.pages)
            cleaned["text"], self.instance.page_breaks = text, breaks
            for name, value in (("title", read.title), ("url", read.url)):
                if name in self.fields and not cleaned.get(name) and value:
                    limit = Source._meta.get_field(name).max_length
                    cleaned[name] = value[:limit]
            if "date" in self.fields and not cleaned.get("date") and read.date:
                cleaned["date"], cleaned["date_precision"] = read.date, read.date_precision
        elif "text" in self.fields and not cleaned.get("text") and "text" not in self.errors:
            self.add_error("text", "Paste its text, or read it from a file.")
        if "title" in self.fields and not cleaned.get("title") and cleaned.get("text"):
            cleaned["title"] = self.instance.title = title_from_text(
                cleaned["text"], Source._meta.get_field("title").max_length
            )
        return cleaned

    def clean_text(self):
        text = self.cleaned_data["text"]
        # Browsers send a textarea's line breaks as CRLF: a text stored with LF must not turn
        # into CRLF (moving every passage) just by being saved.
        if "\r\n" not in (self.instance.text or ""):
            text = text.replace("\r\n", "\n")
        if self.instance.paginated and text != self.instance.text and not self._document_given():
            # Its pages would no longer begin where it says.
            raise forms.ValidationError(
                "This source's text was read from its pages (a PDF, a bundle's pages), page by "
                "page: it cannot be edited here. Bring in its new version instead; its passages "
                "follow the words to their new pages."
            )
        return text


class SourcePassageForm(PassageForm):
    """A passage in its source's form: its start offset is into the text saved with it."""

    offsets_in_posted_text = True


class PassageInline(admin.StackedInline):
    model = Passage
    form = SourcePassageForm
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


class TurnFormSet(forms.BaseInlineFormSet):
    """A transcript's turns, checked together: within its text and none overlapping another."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        text = self.instance.text or ""
        spans = [
            (form.cleaned_data["start"], form.cleaned_data["end"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and None not in (form.cleaned_data.get("start"), form.cleaned_data.get("end"))
        ]
        stored = Source.objects.filter(pk=self.instance.pk).values_list("text", flat=True).first()
        if stored != text and any(form.has_changed() for form in self.forms):
            # Its turns are read again from the new text on save: rows marked on the old one
            # would point at other words.
            raise ValidationError(
                "The text changed: save it first (its turns are read again from its "
                "“SPEAKER: words” lines), then mark turns on the new text."
            )
        if spans and self.instance.kind != Source.Kind.TRANSCRIPT:
            raise ValidationError(
                "Only a transcript has speakers' turns: choose kind “transcript”."
            )
        if problem := turn_spans_problem(text, spans):
            raise ValidationError(problem)


class TurnInline(admin.TabularInline):
    """A transcript's speakers' turns, for a curator marking them by hand (an edit of the text
    reads them again from its `SPEAKER: words` lines)."""

    model = Turn
    formset = TurnFormSet
    extra = 0
    autocomplete_fields = ["speaker"]
    fields = ["speaker", "start", "end", "words"]
    readonly_fields = ["words"]

    @admin.display(description="words")
    def words(self, obj):
        return obj.words[:120] if obj.pk else ""


@admin.register(Source)
class SourceAdmin(SlugPreviewed, CurationAdmin):
    slug_from = ["title"]
    form = SourceForm
    # The admin builds its own copy of the form, with this in place of the Meta callback.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "title",
        "kind",
        "publisher",
        "date",
        "language",
        "passage_count",
    ]
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
        (
            "Full text",
            {
                "fields": ["text", "document"],
                "description": "To make a passage, select its words in the text and press "
                "“Make a passage of the selected words”: it is saved with the source.",
            },
        ),
    ]

    class Media:
        js = ["admin/claims/passage_select.js"]
        css = {"all": ["admin/claims/passage_select.css"]}

    def get_inlines(self, request, obj):
        # A transcript's turns, once it is one (saved as kind "transcript").
        if obj is not None and obj.kind == Source.Kind.TRANSCRIPT:
            return [AuthorshipInline, TurnInline, PassageInline]
        return self.inlines

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_passages=Count("passages"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.read is not None:
            self._original_keep(request, obj, form.read, form.read_bytes)
        report = obj.reanchor_report  # set when the save changed the text
        if report is not None:
            level = messages.WARNING if report.changed else messages.INFO
            self.message_user(request, f"The text changed: {report}.", level)

    def _original_keep(self, request, obj, read, data: bytes) -> None:
        """Keep the file the text was read from, and name who the file says wrote and
        published it: those the record knows by that name are linked, if the source names
        nobody yet; the others are for the curator to add."""
        obj.original_store(read.kind, data)
        unknown = []
        if read.authors and not obj.authorships.exists():
            for position, name in enumerate(read.authors):
                actor = Actor.objects.by_name(name).first()
                if actor is None:
                    unknown.append(name)
                else:
                    Authorship.objects.get_or_create(
                        source=obj, actor=actor, defaults={"position": position}
                    )
        if read.publisher and obj.publisher_id is None:
            actor = Actor.objects.by_name(read.publisher).first()
            if actor is None:
                unknown.append(read.publisher)
            else:
                Source.objects.filter(pk=obj.pk).update(publisher=actor)
        if read.kind == extraction.PDF:
            said = f"Read its text from the PDF, {len(read.pages)} page(s)."
        else:
            said = "Read its text from the saved web page."
        if unknown:
            said += f" The file also names {', '.join(unknown)}, not in the record: add them."
        self.message_user(request, said, messages.INFO)

    @admin.display(description="passages", ordering="_passages")
    def passage_count(self, obj):
        # With the link to make more: one column, so that the list fits 1280 pixels.
        return format_html(
            '{} · <a href="{}">annotate<span class="visually-hidden"> “{}”</span></a>',
            obj._passages,
            reverse("admin:claims_app_source_annotate", args=[obj.pk]),
            obj.title,
        )

    def get_urls(self):
        return [*annotate.urls(self), *super().get_urls()]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        # A new source: the article pasted first (its title, then its text), the rest after.
        (_, first), *rest = fieldsets
        text = next(o for _, o in rest if "text" in o["fields"])
        rest = [(name, o) for name, o in rest if o is not text]
        fields = ["title", "text", "document", *first["fields"][1:]]
        return [(None, {**text, **first, "fields": fields}), *rest]

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_annotate"] = annotate.allowed(request.user)
        return super().render_change_form(request, context, *args, **kwargs)

    def _annotate_after_save(self, request, obj, response):
        if (
            "_annotate" in request.POST
            and response.status_code == 302
            and annotate.allowed(request.user)
        ):
            return redirect("admin:claims_app_source_annotate", obj.pk)
        return response

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        return self._annotate_after_save(request, obj, response)

    def response_change(self, request, obj):
        return self._annotate_after_save(request, obj, super().response_change(request, obj))


@admin.register(Passage)
class PassageAdmin(CurationAdmin):
    form = PassageForm
    list_display = ["__str__", "source", "start", "end"]
    list_filter = ["source"]
    search_fields = ["quote", "source__title", "source__slug"]
    autocomplete_fields = ["source"]
    list_select_related = ["source"]


# ---------------------------------------------------------------------------------------------
# Claims, statements and disputes


# A save stamps its history when it starts, not when it commits: one still under way when a
# form was opened (a long text re-anchored, an import) was not seen by the form.
_SAVE_UNDER_WAY = timedelta(minutes=1)


def _text_changed_since(source: Source, data) -> bool:
    """Whether `source`'s text may have changed since the form that posted `data` was opened
    (as its version token says; a form without one is taken as current): a change recorded
    from a minute before it was opened on counts, as it may not have been committed then."""
    seen = concurrency.version_read(data.get("_seen_version")) if data else None
    if seen is None:
        return False
    since = seen["t"] - _SAVE_UNDER_WAY
    history = source.history.values_list("text", flat=True)
    texts = [
        *history.filter(history_date__gt=since),
        *history.filter(history_date__lte=since).order_by("-history_date")[:1],
    ]
    return any(text != source.text for text in texts)


def _offset_stale(source: Source) -> str:
    return (
        f"The text of “{source}” changed around or after the time you opened this form: this "
        "offset may point at other words now. Look the quote up again in its current text."
    )


class CitationForm(forms.ModelForm):
    """A statement or dispute: pick its passage, or name the source and paste the quote, and
    the passage is found (or made, when the whole form saves). The form shows the two ways
    as two headed groups (`citation_fieldsets`)."""

    source = forms.ModelChoiceField(
        Source.objects.all(),
        required=False,
        widget=AutocompleteSelect(Passage._meta.get_field("source"), admin.site),
    )
    quote = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text="The exact words, pasted from the source.",
    )
    quote_start = forms.IntegerField(
        required=False,
        min_value=0,
        label="Starts at",
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
        help_text="Only if they occur more than once.",
    )

    class Media:
        js = ["admin/claims/passage_words.js"]
        css = {"all": ["admin/claims/passage_words.css"]}

    def __init__(self, *args, derived: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passage"].required = False
        self.fields["note"].widget = forms.Textarea(attrs={"rows": 2, "cols": 60})
        self._new_passage: Passage | None = None
        if "reported" in self.fields:  # the model's help, in one line
            self.fields["reported"].help_text = (
                "As derived: reported if the actor is neither the source's author nor its "
                "publisher, nor affiliated to one."
            )
        if "reported" in self.fields and self.instance.pk and self.instance.actor_id:
            # What "as derived" gives for this row as saved: the curator overrides knowingly.
            # An inline's rows are derived together (`CitationFormSet`), a lone form alone.
            if derived is None:
                derived = selectors.reported_derived([self.instance])
            reporters = derived.get(self.instance.pk, [])
            field = self.fields["reported"]
            field.choices = [
                (
                    "",
                    "as derived: "
                    + (
                        "reported by " + ", ".join(actor.name for actor in reporters)
                        if reporters
                        else "direct"
                    ),
                ),
                *(choice for choice in field.choices if choice[0] not in ("", None)),
            ]

    def clean(self):
        cleaned = self._clean_passage()
        passage = cleaned.get("passage") or self._new_passage
        if cleaned.get("reported") is True and passage is not None:
            source = passage.source
            if source.publisher_id is None and not source.authorships.exists():
                self.add_error(
                    "reported",
                    "Its source names neither an author nor a publisher to report these words: "
                    "name one on the source first, or leave this as derived.",
                )
        return cleaned

    def _clean_passage(self):
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
        if cleaned.get("quote_start") is not None and _text_changed_since(source, self.data):
            self.add_error("quote_start", _offset_stale(source))
            return cleaned
        try:
            span = anchoring.quote_locate(
                source.text, _as_in(source.text, quote), near=cleaned.get("quote_start")
            )
        except (anchoring.QuoteNotFound, anchoring.QuoteAmbiguous) as error:
            self.add_error("quote", _locate_error(error, source, self["quote_start"]))
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
            "reported",
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
            "reported",
            "counterclaim",
        ]


def citation_fieldsets(first: list, last: list) -> list:
    """A statement's or dispute's form: `first` (who, and how), then its words, chosen one of
    two ways under a heading each, then `last`."""
    return [
        (None, {"fields": first}),
        ("An existing passage", {"fields": ["passage"]}),
        (
            "Or a source and its words",
            {
                "fields": ["source", ("quote", "quote_start")],
                "description": "Instead of a passage: the passage is found in the source's text, "
                "and made when you save if it is new.",
            },
        ),
        (None, {"fields": last}),
    ]


_STATEMENT = (["actor", ("date", "date_precision")], ["note", "reported"])
_DISPUTE = ([("actor", "kind"), ("date", "date_precision")], ["note", "counterclaim", "reported"])


class CitationFormSet(forms.BaseInlineFormSet):
    """A claim's statements or disputes: what "as derived" gives for each saved row, worked
    out for all of them at once (a few queries, not a few a row)."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if not hasattr(self, "_derived"):
            self._derived = selectors.reported_derived(self.get_queryset())
        return {**kwargs, "derived": self._derived}

    def clean(self):
        super().clean()
        admin_duplicates.attach_rows_clean(self)  # rows added to an existing claim


class StatementInline(admin.StackedInline):
    model = Statement
    form = StatementForm
    formset = CitationFormSet
    fk_name = "claim"
    extra = 0
    autocomplete_fields = ["actor", "passage"]
    fieldsets = citation_fieldsets(*_STATEMENT)


class DisputeInline(admin.StackedInline):
    model = Dispute
    form = DisputeForm
    formset = CitationFormSet
    fk_name = "claim"
    extra = 0
    autocomplete_fields = ["actor", "passage", "counterclaim"]
    fieldsets = citation_fieldsets(*_DISPUTE)


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
class ClaimAdmin(SlugPreviewed, CurationAdmin):
    slug_from = ["title", "text"]
    form = admin_duplicates.ClaimForm
    list_display = [
        "__str__",
        "status_display",
        "published",
        "statement_count",
        "dispute_count",
        "updated",
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

    class Media:
        js = ["admin/claims/similar.js"]
        css = {"all": ["admin/claims/similar.css"]}

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(lambda request: function(self, request))

        return [
            path(
                "similar/",
                view(admin_duplicates.claim_similar_view),
                name="claims_app_claim_similar",
            ),
            path(
                "duplicates/",
                view(admin_duplicates.claim_duplicates_view),
                name="claims_app_claim_duplicates",
            ),
            path("merge/", view(admin_duplicates.claim_merge_view), name="claims_app_claim_merge"),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "attach_to"]}), *rest]

    def rows_to_lock(self, request, object_id) -> dict:
        rows = super().rows_to_lock(request, object_id)
        attach = _id(request.POST.get("attach_to", ""))
        return {**rows, "claim_ids": {*rows["claim_ids"], attach} - {None}}

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
        """Publish or unpublish `obj` if the form's button asked to; a response that stays on
        its change page, saying so (with the public link once published), or None."""
        wants = "_publish" in request.POST or "_unpublish" in request.POST
        if not wants:
            return None
        if not self.has_publish_permission(request):
            raise PermissionDenied
        if "_publish" in request.POST:
            obj.publish()
            url = request.build_absolute_uri(obj.get_absolute_url())
            message = format_html(
                '“{}” is saved and published: its public page is <a href="{}">{}</a>',
                obj,
                url,
                url,
            )
        else:
            obj.unpublish()
            message = format_html("“{}” is saved and back to draft, seen only here.", obj)
        self.message_user(request, message, messages.SUCCESS)
        if IS_POPUP_VAR in request.POST:
            return None  # a pop-up window answers its opener as Django's save does
        # Like "Save and continue editing": the curator stays where they are.
        opts = self.opts
        change_url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=(obj.pk,),
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(
            add_preserved_filters(
                {"preserved_filters": self.get_preserved_filters(request), "opts": opts},
                change_url,
            )
        )

    def save_model(self, request, obj, form, change):
        if getattr(form, "attach_claim", None) is not None:
            admin_duplicates.attach_become(obj, form.attach_claim)
            return
        if change:
            # Publication changes only by its explicit action, never as a side effect of an edit
            # or of reverting to an old version in the history.
            obj.published, obj.published_at = (
                Claim.objects.filter(pk=obj.pk).values_list("published", "published_at").get()
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if getattr(form, "attach_claim", None) is None:
            return super().save_related(request, form, formsets, change)
        form.instance.topics.add(*form.cleaned_data.get("topics", ()))
        form.instance.attach_skipped = sum(
            admin_duplicates.attach_rows(formset, form.instance) for formset in formsets
        )

    def log_addition(self, request, obj, message):
        if hasattr(obj, "attach_skipped"):
            return self.log_change(request, obj, message)
        return super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        staying = self._publish_from_form(request, obj)  # on the claim's page, if published
        if hasattr(obj, "attach_skipped"):
            skipped = obj.attach_skipped
            self.message_user(
                request,
                f"Added to the existing claim “{obj}” rather than made a second claim worded "
                f"“{request.POST.get('text', '').strip()}”"
                + (
                    f"; {skipped} statement(s) or dispute(s) it already had were not doubled."
                    if skipped
                    else "."
                ),
                messages.SUCCESS,
            )
            return staying or HttpResponseRedirect(
                reverse("admin:claims_app_claim_change", args=[obj.pk])
            )
        return staying or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._publish_from_form(request, obj) or super().response_change(request, obj)


@admin.register(Statement)
class StatementAdmin(CurationAdmin):
    form = StatementForm
    list_display = ["actor", "claim", "passage", "date"]
    list_filter = ["claim__published"]
    search_fields = ["actor__name", "claim__text", "passage__quote"]
    autocomplete_fields = ["claim", "actor", "passage"]
    list_select_related = ["actor", "claim", "passage__source"]
    fieldsets = citation_fieldsets(["claim", *_STATEMENT[0]], _STATEMENT[1])


@admin.register(Dispute)
class DisputeAdmin(CurationAdmin):
    form = DisputeForm
    list_display = ["actor", "kind", "claim", "passage", "date"]
    list_filter = ["kind", "claim__published"]
    search_fields = ["actor__name", "claim__text", "passage__quote", "note"]
    autocomplete_fields = ["claim", "actor", "passage", "counterclaim"]
    list_select_related = ["actor", "claim", "passage__source"]
    fieldsets = citation_fieldsets(["claim", *_DISPUTE[0]], _DISPUTE[1])


@admin.register(Topic)
class TopicAdmin(SlugPreviewed, CurationAdmin):
    slug_from = ["name"]
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]

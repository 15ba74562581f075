"""Annotating a source in one sitting (issue 17): its text with its passages marked, words
selected, and one press saves the passage, the claim if new, the actor if new, and the statement
or dispute, in one transaction.

The page is drawn by `static/admin/claims/annotate.js` from the JSON this module gives (the text
as stored, so that offsets are code points of exactly these characters); each write answers
with the page's data again, so the script redraws what was saved.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from . import concurrency, dates
from .admin_duplicates import claim_json
from .models import Actor, Claim, Dispute, Passage, Source, Statement

# Seeing the page and saving a statement or dispute in it: what an Editor may do.
PERMISSIONS = [
    "claims_app.change_source",
    "claims_app.add_passage",
    "claims_app.add_statement",
    "claims_app.add_dispute",
]
STATES = "states"
HOW = [(STATES, "states"), *Dispute.Kind.choices]
ACTORS_SUGGESTED = 12


def urls(model_admin) -> list:
    """The annotation view's addresses, under the source admin's."""

    def view(function: Callable):
        return model_admin.admin_site.admin_view(
            lambda request, *args, **kwargs: function(request, model_admin, *args, **kwargs)
        )

    return [
        path("annotate/actors/", view(annotate_actors), name="claims_app_source_annotate_actors"),
        path(
            "<path:object_id>/annotate/", view(source_annotate), name="claims_app_source_annotate"
        ),
        path(
            "<path:object_id>/annotate/save/",
            view(source_annotate_save),
            name="claims_app_source_annotate_save",
        ),
        path(
            "<path:object_id>/annotate/publish/",
            view(source_annotate_publish),
            name="claims_app_source_annotate_publish",
        ),
    ]


def allowed(user) -> bool:
    """Whether `user` may annotate sources (make passages, statements and disputes there)."""
    return user.has_perms(PERMISSIONS)


def _check_allowed(request) -> None:
    if not allowed(request.user):
        raise PermissionDenied


def _source(object_id: str) -> Source:
    pk = unquote(object_id)
    if not (pk.isascii() and pk.isdecimal() and len(pk) < 19):
        raise Http404("No such source.")
    return get_object_or_404(Source, pk=int(pk))


# ---------------------------------------------------------------------------------------------
# Reads


def annotate_data(source: Source) -> dict:
    """What the page draws: the text as stored, each passage (its offsets and who says what in
    it) and the claims they cite. Four queries, however many passages."""
    citations = [
        Prefetch(name, model.objects.select_related("actor", "claim").order_by("pk"))
        for name, model in (("statements", Statement), ("disputes", Dispute))
    ]
    passages = list(source.passages.order_by("start", "end", "pk").prefetch_related(*citations))
    claims = {}
    rows = []
    for passage in passages:
        cited = sorted(
            [*passage.statements.all(), *passage.disputes.all()], key=lambda row: row.created_at
        )
        for row in cited:
            claims.setdefault(row.claim_id, claim_json(row.claim))
        rows.append(
            {
                "id": passage.pk,
                "start": passage.start,
                "end": passage.end,
                "quote": passage.quote,
                "changed": passage.changed,
                "change_url": reverse("admin:claims_app_passage_change", args=[passage.pk]),
                "citations": [
                    {
                        "actor": row.actor.name,
                        "how": getattr(row, "kind", STATES),
                        "claim": row.claim_id,
                    }
                    for row in cited
                ],
            }
        )
    return {
        "text": source.text,
        "page_breaks": source.page_breaks,  # a source read from pages: where 2, 3, … begin
        "passages": rows,
        "claims": list(claims.values()),
    }


def source_annotate(request, model_admin, object_id: str):
    _check_allowed(request)
    source = _source(object_id)
    opts = Source._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Annotate “{source}”",
        "subtitle": None,
        "opts": opts,
        "source": source,
        "original": source,
        "data": annotate_data(source),
        "how_choices": HOW,
        "actor_kinds": Actor.Kind.choices,
        "can_publish": request.user.has_perm("claims_app.publish_claim"),
        "urls": {
            "save": reverse("admin:claims_app_source_annotate_save", args=[source.pk]),
            "publish": reverse("admin:claims_app_source_annotate_publish", args=[source.pk]),
            "actors": reverse("admin:claims_app_source_annotate_actors"),
            "similar": reverse("admin:claims_app_claim_similar"),
        },
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/claims_app/source/annotate.html", context)


@require_GET
def annotate_actors(request, model_admin):
    """Actors whose name or alias holds the typed words: `{"actors": [{id, name, kind,
    aliases}]}`, names starting with them first."""
    _check_allowed(request)
    typed = request.GET.get("q", "").strip()[:200]
    if not typed:
        return JsonResponse({"actors": []})
    actors = (
        Actor.objects.filter(Q(name__icontains=typed) | Q(aliases__name__icontains=typed))
        .distinct()
        .prefetch_related("aliases")
        .order_by("name")[:50]
    )
    ranked = sorted(actors, key=lambda actor: not actor.name.lower().startswith(typed.lower()))
    return JsonResponse(
        {
            "actors": [
                {
                    "id": actor.pk,
                    "name": actor.name,
                    "kind": actor.get_kind_display(),
                    "aliases": [alias.name for alias in actor.aliases.all()],
                }
                for actor in ranked[:ACTORS_SUGGESTED]
            ]
        }
    )


# ---------------------------------------------------------------------------------------------
# Writes


# The largest id or offset a database integer holds: a larger one is a form error, not a 500.
_LARGEST = 2**63 - 1


class AnnotationForm(forms.Form):
    """One press of the panel: the words (as offsets and the quote the browser saw), who, how,
    which claim (an existing one, or a new one's text), a note and a date."""

    start = forms.IntegerField(min_value=0, max_value=_LARGEST)
    end = forms.IntegerField(min_value=1, max_value=_LARGEST)
    quote = forms.CharField(strip=False, error_messages={"required": "Select some words first."})
    actor = forms.IntegerField(required=False, min_value=1, max_value=_LARGEST)
    actor_name = forms.CharField(required=False, max_length=200)
    actor_kind = forms.ChoiceField(required=False, choices=[("", "—"), *Actor.Kind.choices])
    how = forms.ChoiceField(choices=HOW)
    claim = forms.IntegerField(required=False, min_value=1, max_value=_LARGEST)
    claim_text = forms.CharField(required=False)
    note = forms.CharField(required=False)
    date = forms.CharField(required=False, max_length=10)
    publish = forms.BooleanField(required=False)  # "Save and publish": the claim too, at once

    def clean_date(self):
        value = self.cleaned_data["date"].strip()
        if not value:
            return None
        try:
            return dates.partial_date_parse(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("quote", "Select some words first.")
        if not cleaned.get("actor") and not cleaned.get("actor_name"):
            self.add_error("actor_name", "Say who: an actor's name.")
        if not cleaned.get("claim") and not cleaned.get("claim_text", "").strip():
            self.add_error("claim_text", "Choose a claim, or write a new claim's text.")
        return cleaned


class _Refused(Exception):
    """A write refused after its transaction began: rolled back, answered with `status`."""

    def __init__(self, status: int, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.status, self.errors = status, errors


def _refused(status: int, errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


def _messages(error: ValidationError, field: str | None = None) -> dict[str, list[str]]:
    """A model's validation errors as the panel's field messages; `field` for all of them
    when the model's own field names are not the panel's."""
    if hasattr(error, "error_dict") and field is None:
        return {name: list(messages) for name, messages in error.message_dict.items()}
    return {field or "__all__": list(error.messages)}


def _checked(obj, field: str | None = None, exclude: list[str] | None = None):
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise _Refused(400, _messages(error, field)) from None
    return obj


def _actor(request, data: dict) -> tuple[Actor, bool]:
    """The actor the panel named (by id, or by name or alias), or a new one of that name and
    kind."""
    if data.get("actor"):
        actor = Actor.objects.filter(pk=data["actor"]).first()
        if actor is None:
            raise _Refused(400, {"actor_name": ["No such actor: choose one from the list."]})
        return actor, False
    name = data["actor_name"].strip()
    found = list(Actor.objects.by_name(name)[:2]) or list(
        Actor.objects.filter(Q(name__iexact=name) | Q(aliases__name__iexact=name)).distinct()[:2]
    )
    if len(found) == 1:
        return found[0], False
    if len(found) > 1:
        raise _Refused(400, {"actor_name": [f"Several actors are called “{name}”: pick one."]})
    if not data.get("actor_kind"):
        raise _Refused(
            400, {"actor_kind": [f"No actor is called “{name}” yet: choose its kind to add it."]}
        )
    if not request.user.has_perm("claims_app.add_actor"):
        raise PermissionDenied
    actor = _checked(Actor(name=name, kind=data["actor_kind"]), "actor_name", exclude=["slug"])
    actor.save()
    return actor, True


def _claim(request, data: dict) -> tuple[Claim, bool]:
    if data.get("claim"):
        claim = Claim.objects.filter(pk=data["claim"]).first()
        if claim is None:
            raise _Refused(400, {"claim_text": ["That claim is gone: choose another."]})
        return claim, False
    if not request.user.has_perm("claims_app.add_claim"):
        raise PermissionDenied
    claim = _checked(Claim(text=data["claim_text"].strip()), "claim_text", exclude=["slug"])
    claim.save()
    return claim, True


def _passage(source: Source, start: int, end: int) -> tuple[Passage, bool]:
    existing = Passage.objects.holding(source, start, end).first()
    if existing:
        return existing, False
    passage = Passage(source=source, start=start, end=end, quote=source.text[start:end])
    _checked(passage, "quote")
    passage.save()
    return passage, True


def _annotation_save(request, source_id: int, data: dict) -> dict:
    """The passage, claim, actor and statement or dispute, under the locks of the source and
    of the claim; the words checked against the source's text as it is now."""
    concurrency.rows_lock(
        source_ids=[source_id], claim_ids=[data["claim"]] if data["claim"] else []
    )
    source = Source.objects.get(pk=source_id)
    start, end = data["start"], data["end"]
    if end > len(source.text):
        raise _Refused(
            400, {"quote": ["These words are past the end of the text: select them again."]}
        )
    if source.text[start:end] != data["quote"]:
        raise _Refused(
            409,
            {
                "quote": [
                    "The source's text changed since this page was opened: these words are not "
                    "there any more. Reload the page and select them again."
                ]
            },
        )
    passage, new_passage = _passage(source, start, end)
    actor, new_actor = _actor(request, data)
    claim, new_claim = _claim(request, data)
    date, precision = data["date"] or (None, dates.DAY)
    fields = {
        "claim": claim,
        "actor": actor,
        "passage": passage,
        "note": data["note"].strip(),
        "date": date,
        "date_precision": precision,
    }
    if data["how"] == STATES:
        citation = Statement(**fields)
    else:
        citation = Dispute(**fields, kind=data["how"])
    try:
        citation.full_clean()
    except ValidationError as error:
        messages = _messages(error)
        if "__all__" in messages:  # the unique constraint: this actor, claim and passage
            messages["__all__"] = [
                f"{actor} already {data['how']} this claim in these words."
                if "already exists" in message
                else message
                for message in messages["__all__"]
            ]
        raise _Refused(400, messages) from None
    citation.save()
    if data["publish"] and not claim.published:
        claim.publish()
    made = [
        what
        for what, new in (
            ("passage", new_passage),
            ("claim (a draft)", new_claim),
            (f"actor ({actor.get_kind_display()})", new_actor),
        )
        if new
    ]
    return {
        "saved": f"Saved: {actor} {data['how']} “{claim}” in passage #{passage.pk}"
        + (f"; new {', '.join(made)}" if made else "")
        + ("; the claim is published." if data["publish"] else "."),
        "passage": passage.pk,
        "claim": claim_json(claim),
        "data": annotate_data(source),
    }


@require_POST
def source_annotate_save(request, model_admin, object_id: str):
    _check_allowed(request)
    source_id = _source(object_id).pk
    form = AnnotationForm(request.POST)
    if form.data.get("publish") and not request.user.has_perm("claims_app.publish_claim"):
        raise PermissionDenied
    if not form.is_valid():
        return _refused(400, {name: list(messages) for name, messages in form.errors.items()})
    try:
        answer = concurrency.write_retried(
            lambda: _annotation_save(request, source_id, form.cleaned_data)
        )
    except _Refused as refused:
        return _refused(refused.status, refused.errors)
    except IntegrityError:
        # Another curator saved the same actor, or the same statement, between our checks
        # and our write (checked by full_clean, kept by the database): nothing of ours is saved.
        return _refused(
            409, {"__all__": ["Someone saved the same thing a moment ago: press Save again."]}
        )
    return JsonResponse(answer)


@require_POST
def source_annotate_publish(request, model_admin, object_id: str):
    """Publish a draft claim from the page: for curators who may publish."""
    _check_allowed(request)
    if not request.user.has_perm("claims_app.publish_claim"):
        raise PermissionDenied
    source_id = _source(object_id).pk
    claim_id = request.POST.get("claim", "")
    if not (claim_id.isascii() and claim_id.isdecimal() and len(claim_id) < 19):
        return _refused(400, {"claim": ["Which claim? Its id is missing."]})

    def publish():
        concurrency.rows_lock(claim_ids=[int(claim_id)])
        claim = Claim.objects.filter(pk=int(claim_id)).first()
        if claim is None:
            raise _Refused(404, {"claim": ["That claim is gone."]})
        if not claim.published:
            claim.publish()
        return claim

    try:
        claim = concurrency.write_retried(publish)
    except _Refused as refused:
        return _refused(refused.status, refused.errors)
    return JsonResponse(
        {
            "saved": f"Published: “{claim}”.",
            "claim": claim_json(claim),
            "data": annotate_data(Source.objects.get(pk=source_id)),
        }
    )

"""The admin's screens for claims found before they are duplicated (issue 17): the closest
claims to a text being typed, as JSON (the claim form's list, the annotation view's claim
field), the likely duplicates, and merging two claims (`ClaimAdmin.get_urls` routes here);
and the claim form, whose new claim can be added to an existing one instead."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from . import merging, similar
from .models import Claim

_LIMIT_MAX = 20
_QUANTITY = ["quantity_value", "quantity_value_max", "quantity_unit", "quantity_qualifier"]


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 19 else None


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def claim_similar_view(model_admin, request):
    """`?q=<claim text>[&exclude=<id>][&limit=<n>]` → {"claims": [...]}, best first; a q
    without words gives none; an exclude or limit that is not a number, or a q past
    similar.TEXT_MAX characters, is a 400 that says so."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    q = request.GET.get("q", "")
    if len(q) > similar.TEXT_MAX:
        return _bad(f"q is a claim's text: at most {similar.TEXT_MAX:,} characters.")
    exclude = request.GET.get("exclude") or None
    if exclude is not None and _id(exclude) is None:
        return _bad("exclude is a claim's id: a whole number.")
    limit = request.GET.get("limit") or "5"
    if _id(limit) is None or not 1 <= int(limit) <= _LIMIT_MAX:
        return _bad(f"limit is a number from 1 to {_LIMIT_MAX}.")
    claims = similar.claims_similar(q, limit=int(limit), exclude=_id(exclude))
    return JsonResponse({"claims": [_claim_json(claim) for claim in claims]})


def claim_json(claim: Claim) -> dict:
    """A claim as the curation screens' scripts get it: what it says, its status, whether it is
    public, and its two addresses (its public one only once published)."""
    return {
        "id": claim.pk,
        "text": claim.text,
        "status": claim.status,
        "published": claim.published,
        "change_url": reverse("admin:claims_app_claim_change", args=[claim.pk]),
        "public_url": claim.get_absolute_url() if claim.published else None,
    }


def _claim_json(claim: Claim) -> dict:
    """A closest claim: with its title and claimants, to recognise it by."""
    return {**claim_json(claim), "title": claim.title, "claimants": claim.claimant_names}


def claim_duplicates_view(model_admin, request):
    """The likely duplicates (similar.claim_pairs_similar), each pair with a merge link."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Likely duplicate claims",
        "pairs": [((a, b), score) for a, b, score in similar.claim_pairs_similar()],
        "checked": similar.DUPLICATES_CHECKED,
        "threshold": similar.DUPLICATE_SCORE,
        "can_merge": _can_merge(model_admin, request),
    }
    return TemplateResponse(request, "admin/claims_app/claim/duplicates.html", context)


def _can_merge(model_admin, request) -> bool:
    return model_admin.has_change_permission(request) and request.user.has_perm(
        "claims_app.merge_claim"
    )


class MergeForm(forms.Form):
    """Which of two claims stays; the other goes into it."""

    keep = forms.TypedChoiceField(
        coerce=int, widget=forms.RadioSelect, label="The claim that stays"
    )

    def __init__(self, *args, claims: list[Claim], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(claim.pk, f"#{claim.pk}: {claim.text}") for claim in claims]


def claim_merge_view(model_admin, request):
    """`?a=<id>&b=<id>`: the two claims side by side, and which stays; POST merges them."""
    if not _can_merge(model_admin, request):
        raise PermissionDenied
    ids = [_id(request.GET.get(name)) for name in ("a", "b")]
    claims = Claim.objects.in_bulk([pk for pk in ids if pk is not None])
    if None in ids or ids[0] == ids[1] or len(claims) < 2:
        messages.error(request, "Choose two different claims that still exist to merge.")
        return HttpResponseRedirect(reverse("admin:claims_app_claim_duplicates"))
    pair = [claims[pk] for pk in ids]
    similar._claimant_names_fill(pair)
    counts = {claim.pk: (claim.statements.count(), claim.disputes.count()) for claim in pair}
    # Offered to stay: the published one, else the one more cited, else the older.
    likely = max(pair, key=lambda claim: (claim.published, sum(counts[claim.pk]), -claim.pk))
    form = MergeForm(request.POST or None, claims=pair, initial={"keep": likely.pk})
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["keep"]
        merged = ids[1] if keep == ids[0] else ids[0]
        try:
            kept = merging.claim_merge(
                keep_id=keep,
                merged_id=merged,
                may_publish=request.user.has_perm("claims_app.publish_claim"),
            )
        except merging.MergeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                f"Claim #{merged} is merged into “{kept}”: its statements and disputes are "
                "here now, and its address leads here.",
            )
            return HttpResponseRedirect(reverse("admin:claims_app_claim_change", args=[kept.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Claim._meta,
        "title": "Merge two claims",
        "pair": [(claim, *counts[claim.pk]) for claim in pair],
        "form": form,
    }
    return TemplateResponse(request, "admin/claims_app/claim/merge.html", context)


# ---------------------------------------------------------------------------------------------
# The claim form: adding to an existing claim instead of making a second one


class ClaimForm(forms.ModelForm):
    """A claim; while its text is typed, the closest existing claims are listed under it
    (static/admin/claims/similar.js asks admin_duplicates.claim_similar_view). On the add form,
    choosing one sets `attach_to`: the save then adds the statements, disputes and topics in the
    form to that claim instead of making a second one."""

    attach_to = forms.IntegerField(required=False, widget=forms.HiddenInput, label="Add to claim")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attach_claim: Claim | None = None
        if "text" in self.fields:
            self.fields["text"].widget.attrs.update(
                {
                    "data-similar-url": reverse("admin:claims_app_claim_similar"),
                    "data-similar-exclude": self.instance.pk or "",
                }
            )

    def clean(self):
        cleaned = super().clean()
        pk = cleaned.get("attach_to")
        if pk is not None and self.instance.pk is None:
            self.attach_claim = Claim.objects.filter(pk=pk).first()
            # The inlines' rows are checked against it (attach_rows_clean): the admin validates
            # this form before them, and they share its instance.
            self.instance.attach_claim = self.attach_claim
            if self.attach_claim is None:
                # Not the hidden field's error: the curator would not see it.
                self.add_error(
                    None,
                    f"The claim #{pk} you chose to add these to is gone (merged or deleted): "
                    "choose another, or save this as a new claim.",
                )
        return cleaned


def attach_become(obj: Claim, claim: Claim) -> None:
    """The add form's new claim becomes the existing `claim` it is added to: the inlines' rows
    are saved with it. Its figure is kept where the existing claim has none."""
    typed = {name: getattr(obj, name) for name in _QUANTITY}
    for field in Claim._meta.concrete_fields:
        setattr(obj, field.attname, getattr(claim, field.attname))
    obj._state.adding, obj._state.db = False, claim._state.db
    if obj.quantity_value is None and typed["quantity_value"] is not None:
        for name, value in typed.items():
            setattr(obj, name, value)
        obj._change_reason = "figure added from a claim form that was added to this claim"
        obj.save()


def attach_rows_clean(formset) -> None:
    """On the add form, each statement or dispute to be added to an existing claim (the claim
    form's `attach_to`) is checked as a row of that claim, before anything is saved: a dispute
    resting on the very claim, or retracting it by an actor who never stated it, is a form
    error. (One the claim already has, which attach_rows leaves out, is not checked.)"""
    claim = getattr(formset.instance, "attach_claim", None)
    if claim is None:
        return
    held = set(formset.model.objects.filter(claim=claim).values_list("actor_id", "passage_id"))
    for form in formset.forms:
        if not form.has_changed() or formset._should_delete_form(form) or form.errors:
            continue
        row = form.instance
        if (row.actor_id, row.passage_id) in held:
            continue
        new_claim, row.claim = row.claim, claim
        try:
            row.clean()
        except ValidationError as error:
            form.add_error(None, error)
        finally:
            row.claim = new_claim


def attach_rows(formset, claim: Claim) -> int:
    """Save an add form's statements or disputes to the existing `claim`; one whose actor and
    passage the claim already has is not doubled. Returns how many were not."""
    held = set(formset.model.objects.filter(claim=claim).values_list("actor_id", "passage_id"))
    skipped = 0
    for row in formset.save(commit=False):  # makes a pasted quote's passage
        if (row.actor_id, row.passage_id) in held:
            skipped += 1
            continue
        held.add((row.actor_id, row.passage_id))
        row.claim = claim
        row.save()
    return skipped

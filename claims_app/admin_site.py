"""The admin's front page for a curator: the record first, where to start, and the drafts this
curator has open, one click away (issue 17, item 1)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Subquery

# The record in the order a curator's work goes: an article, its passages, the claims they
# make, who made or disputed them; then the names and themes they are filed under.
RECORD_ORDER = ["source", "passage", "claim", "statement", "dispute", "actor", "topic"]
DRAFTS_SHOWN = 5


def _record_first(app: dict) -> tuple:
    return (app["app_label"] != "claims_app",)


def _in_work_order(model: dict) -> tuple:
    name = model["object_name"].lower()
    return (RECORD_ORDER.index(name) if name in RECORD_ORDER else len(RECORD_ORDER), name)


def drafts_opened_by(user, *, limit: int = DRAFTS_SHOWN) -> list:
    """The unpublished claims `user` created or changed (as the claims' history records it),
    the one they touched last first: one query."""
    from .models import Claim

    touched = (
        Claim.history.filter(id=OuterRef("pk"), history_user=user)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return list(
        Claim.objects.filter(published=False)
        .annotate(touched_at=Subquery(touched))
        .filter(touched_at__isnull=False)
        .order_by("-touched_at", "-pk")
        .only("pk", "text", "title")[:limit]
    )


class CurationSite(admin.AdminSite):
    """Django's admin site, with the record before Django's and django-axes' apps, in the
    order of a curator's work (on the index and in every page's side menu)."""

    site_header = "Claim tracker curation"
    site_title = "Claim tracker"
    index_title = "The record"
    index_template = "admin/claims_app/index.html"

    def get_app_list(self, request, app_label=None):
        apps = sorted(super().get_app_list(request, app_label), key=_record_first)  # stable
        for app in apps:
            if app["app_label"] == "claims_app":
                app["models"].sort(key=_in_work_order)
        return apps

    def index(self, request, extra_context=None):
        user = request.user
        drafts = drafts_opened_by(user) if user.has_perm("claims_app.change_claim") else []
        return super().index(request, {"drafts": drafts, **(extra_context or {})})

"""Public pages: each view parses its input, asks a selector, and renders."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .filters import ClaimFilter, PageForm


def _page(request, rows, per_page: int):
    """The requested page of `rows`; (None, errors) for a malformed page number. A page past
    the end is a 404."""
    form = PageForm(request.GET)
    if not form.is_valid():
        return None, form.errors
    try:
        return Paginator(rows, per_page).page(form.cleaned_data["page"] or 1), None
    except EmptyPage:
        raise Http404("There is no such page.") from None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def home(request):
    return render(request, "home.html", selectors.home_summary())


def claim_list(request):
    filterset = ClaimFilter(request.GET, queryset=selectors.claims_public())
    context = {"filter": filterset, "query": _query_without_page(request)}
    if not filterset.is_valid():
        return render(
            request, "claims/list.html", {**context, "errors": filterset.errors}, status=400
        )
    page, errors = _page(request, filterset.qs, settings.CLAIMS_PAGE_SIZE)
    if errors:
        return render(request, "claims/list.html", {**context, "errors": errors}, status=400)
    page.object_list = selectors.claims_for_list(page.object_list)
    return render(request, "claims/list.html", {**context, "page": page})


def claim_detail(request, slug):
    return render(request, "claims/detail.html", {"claim": selectors.claim_get(slug=slug)})


def actor_list(request):
    page, errors = _page(request, selectors.actors_public().order_by("name"), 50)
    if errors:
        return render(request, "actors/list.html", {"errors": errors}, status=400)
    return render(request, "actors/list.html", {"page": page})


def actor_detail(request, slug):
    return render(request, "actors/detail.html", {"actor": selectors.actor_get(slug=slug)})


def source_list(request):
    page, errors = _page(request, selectors.sources_public().order_by("-date", "title"), 50)
    if errors:
        return render(request, "sources/list.html", {"errors": errors}, status=400)
    return render(request, "sources/list.html", {"page": page})


def source_detail(request, slug):
    return render(request, "sources/detail.html", {"source": selectors.source_get(slug=slug)})


def passage_detail(request, pk):
    return render(request, "passages/detail.html", {"passage": selectors.passage_get(pk=pk)})


def topic_detail(request, slug):
    return render(request, "topics/detail.html", {"topic": selectors.topic_get(slug=slug)})

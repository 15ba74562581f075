"""Public pages: each view parses its input, asks a selector, and renders."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render

from . import selectors, twins
from .filters import ClaimFilter, PageForm
from .models import Actor, Claim, Source, Topic


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


def _detail(request, slug, *, model, get, template, name):
    """A page by slug; an old slug answers 301 to the object's current address."""
    try:
        obj = get(slug=slug)
    except Http404:
        moved = selectors.renamed_url(model=model, slug=slug)
        if moved:
            return HttpResponsePermanentRedirect(moved)
        raise
    return render(request, template, {name: obj})


def claim_detail(request, slug):
    return _detail(
        request,
        slug,
        model=Claim,
        get=selectors.claim_get,
        template="claims/detail.html",
        name="claim",
    )


def actor_list(request):
    page, errors = _page(request, selectors.actors_public().order_by("name"), 50)
    if errors:
        return render(request, "actors/list.html", {"errors": errors}, status=400)
    return render(request, "actors/list.html", {"page": page})


def actor_detail(request, slug):
    return _detail(
        request,
        slug,
        model=Actor,
        get=selectors.actor_get,
        template="actors/detail.html",
        name="actor",
    )


def source_list(request):
    page, errors = _page(request, selectors.sources_public().order_by("-date", "title"), 50)
    if errors:
        return render(request, "sources/list.html", {"errors": errors}, status=400)
    return render(request, "sources/list.html", {"page": page})


def source_detail(request, slug):
    return _detail(
        request,
        slug,
        model=Source,
        get=selectors.source_get,
        template="sources/detail.html",
        name="source",
    )


def passage_detail(request, pk):
    try:
        passage = selectors.passage_get(pk=pk)
    except Http404:
        deleted = selectors.passage_deleted(pk=pk)
        if deleted is None:
            raise
        return render(request, "passages/gone.html", {"deleted": deleted}, status=410)
    return render(request, "passages/detail.html", {"passage": passage})


def passage_json(request, pk):
    try:
        passage = selectors.passage_get(pk=pk)
    except Http404:
        deleted = selectors.passage_deleted(pk=pk)
        if deleted is None:
            return JsonResponse({"error": f"There is no passage #{pk}."}, status=404)
        return JsonResponse(twins.passage_deleted(deleted), status=410)
    return JsonResponse(twins.passage(request, passage), json_dumps_params={"ensure_ascii": False})


def topic_detail(request, slug):
    return _detail(
        request,
        slug,
        model=Topic,
        get=selectors.topic_get,
        template="topics/detail.html",
        name="topic",
    )

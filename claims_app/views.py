"""Public pages and their twins: each view parses its input, asks a selector, and answers in the
format asked for (HTML, or the JSON and CSV twins at the same path with a suffix)."""

from __future__ import annotations

import csv

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render

from . import selectors, twins
from .filters import ClaimFilter, PageForm
from .models import Actor, Claim, Source, Topic

LIST_PAGE_SIZE = 50


class _BadRequest(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _page(request, rows, per_page: int):
    """The requested page of `rows`. A malformed page number is a _BadRequest; a page past the
    end is a 404."""
    form = PageForm(request.GET)
    if not form.is_valid():
        raise _BadRequest(form.errors)
    try:
        return Paginator(rows, per_page).page(form.cleaned_data["page"] or 1)
    except EmptyPage:
        raise Http404("There is no such page.") from None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _csv(rows: list[list], filename: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8", status=status)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _error(fmt: str, status: int, errors: dict):
    if fmt == "csv":
        return _csv(
            [["parameter", "error"], *[[k, " ".join(v)] for k, v in errors.items()]],
            "error.csv",
            status=status,
        )
    return _json({"errors": {k: list(v) for k, v in errors.items()}}, status=status)


def _list(request, fmt, *, rows, template, context, per_page, to_json, to_csv, name):
    """A list page and its twins, from the same rows."""
    try:
        page = _page(request, rows, per_page)
    except _BadRequest as bad:
        if fmt != "html":
            return _error(fmt, 400, bad.errors)
        return render(request, template, {**context, "errors": bad.errors}, status=400)
    except Http404:
        if fmt != "html":
            return _error(fmt, 404, {"page": ["There is no such page."]})
        raise
    if fmt == "json":
        return _json(twins.page(request, page, [to_json(request, row) for row in page]))
    if fmt == "csv":
        return _csv(to_csv(request, page.object_list), f"{name}.csv")
    return render(request, template, {**context, "page": page})


def home(request, fmt="html"):
    summary = selectors.home_summary()
    if fmt == "json":
        return _json(twins.home(request, summary))
    return render(request, "home.html", summary)


def claim_list(request, fmt="html"):
    filterset = ClaimFilter(request.GET, queryset=selectors.claims_public())
    context = {"filter": filterset, "query": _query_without_page(request)}
    if not filterset.is_valid():
        if fmt != "html":
            return _error(fmt, 400, filterset.errors)
        return render(
            request, "claims/list.html", {**context, "errors": filterset.errors}, status=400
        )
    return _list(
        request,
        fmt,
        rows=selectors.claims_for_list(filterset.qs),
        template="claims/list.html",
        context=context,
        per_page=settings.CLAIMS_PAGE_SIZE,
        to_json=twins.claim_row,
        to_csv=twins.claims_csv,
        name="claims",
    )


def actor_list(request, fmt="html"):
    return _list(
        request,
        fmt,
        rows=selectors.actors_public().order_by("name"),
        template="actors/list.html",
        context={},
        per_page=LIST_PAGE_SIZE,
        to_json=twins.actor_row,
        to_csv=twins.actors_csv,
        name="actors",
    )


def source_list(request, fmt="html"):
    return _list(
        request,
        fmt,
        rows=selectors.sources_public().order_by("-date", "title"),
        template="sources/list.html",
        context={},
        per_page=LIST_PAGE_SIZE,
        to_json=twins.source_row,
        to_csv=twins.sources_csv,
        name="sources",
    )


def _detail(request, slug, fmt, *, model, get, template, name, to_json):
    """A page by slug, or its JSON twin; an old slug answers 301 to the current address."""
    try:
        obj = get(slug=slug)
    except Http404:
        moved = selectors.renamed_url(model=model, slug=slug)
        if moved:
            twin = moved.rstrip("/") + ".json"  # /claims/<slug>/ -> /claims/<slug>.json
            return HttpResponsePermanentRedirect(twin if fmt == "json" else moved)
        if fmt == "json":
            return _error("json", 404, {name: [f"There is no {name} “{slug}”."]})
        raise
    if fmt == "json":
        return _json(to_json(request, obj))
    return render(request, template, {name: obj})


def claim_detail(request, slug, fmt="html"):
    return _detail(
        request,
        slug,
        fmt,
        model=Claim,
        get=selectors.claim_get,
        template="claims/detail.html",
        name="claim",
        to_json=twins.claim,
    )


def actor_detail(request, slug, fmt="html"):
    return _detail(
        request,
        slug,
        fmt,
        model=Actor,
        get=selectors.actor_get,
        template="actors/detail.html",
        name="actor",
        to_json=twins.actor,
    )


def source_detail(request, slug, fmt="html"):
    return _detail(
        request,
        slug,
        fmt,
        model=Source,
        get=selectors.source_get,
        template="sources/detail.html",
        name="source",
        to_json=twins.source,
    )


def topic_detail(request, slug, fmt="html"):
    def topic_with_page(*, slug):
        topic = selectors.topic_get(slug=slug)
        topic.page = _page(request, topic.claims_public, settings.CLAIMS_PAGE_SIZE)
        return topic

    try:
        return _detail(
            request,
            slug,
            fmt,
            model=Topic,
            get=topic_with_page,
            template="topics/detail.html",
            name="topic",
            to_json=twins.topic,
        )
    except _BadRequest as bad:
        if fmt != "html":
            return _error(fmt, 400, bad.errors)
        return render(request, "400.html", {"errors": bad.errors}, status=400)


def passage_detail(request, pk, fmt="html"):
    try:
        passage = selectors.passage_get(pk=pk)
    except Http404:
        deleted = selectors.passage_deleted(pk=pk)
        if fmt == "json":
            if deleted is None:
                return _error("json", 404, {"passage": [f"There is no passage #{pk}."]})
            return _json(twins.passage_deleted(deleted), status=410)
        if deleted is None:
            raise
        return render(request, "passages/gone.html", {"deleted": deleted}, status=410)
    if fmt == "json":
        return _json(twins.passage(request, passage))
    return render(request, "passages/detail.html", {"passage": passage})

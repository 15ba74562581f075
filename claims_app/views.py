"""Public pages and their twins: each view parses its input, asks a selector, and answers in the
format asked for (HTML, or the JSON and CSV twins at the same path with a suffix)."""

from __future__ import annotations

import csv
import json
from collections import Counter

from django.conf import settings
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse

from . import citations, cursors, jsonld, pictures, search, selectors, twins
from .filters import ActorFilter, ClaimFilter, PageForm, SourceFilter
from .models import ORIGINAL_KINDS, Actor, Claim, ClaimStatus, Source, Topic


class _NoSuchPage(Http404):
    """A page number past the end of a list (of a list page, or of a list on a detail page)."""


class _BadRequest(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


class _UncountedPaginator(Paginator):
    """The pages of a list of more than `more_than` rows, which are not counted (a broad search:
    counting every match would take longer than a page may, as Datasette's counts have a time
    limit): each page fetches one row more than it shows, to know whether another follows."""

    def __init__(self, object_list, per_page, *, more_than: int):
        super().__init__(object_list, per_page)
        self.more_than = more_than

    count = None
    num_pages = None

    def validate_number(self, number):
        return int(number)  # a whole number of at least 1 (PageForm checked it)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return _UncountedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class _UncountedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more

    def start_index(self):
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self):
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


def _paginator(rows, per_page: int, count: int | None) -> Paginator:
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # a cached property: no COUNT query
    return paginator


def _page(
    request,
    rows,
    per_page: int,
    param: str = "page",
    count: int | None = None,
    more_than: int | None = None,
):
    """The requested page of `rows` (its number in `param`; `count` if already known, or that
    there are `more_than` so many, not counted). A malformed page number is a _BadRequest; a
    page past the end is a 404."""
    form = PageForm(request.GET, param=param)
    if not form.is_valid():
        raise _BadRequest(form.errors)
    if more_than is not None:
        paginator = _UncountedPaginator(rows, per_page, more_than=more_than)
    else:
        paginator = _paginator(rows, per_page, count)
    try:
        return paginator.page(form.cleaned_data[param] or 1)
    except EmptyPage:
        raise _NoSuchPage("There is no such page.") from None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    return query.urlencode()


def _page_after(request, rows, per_page: int, keyset, count: int | None = None):
    """The page a keyset cursor opens (cursors.py): the rows after its key, not past an offset.
    A cursor this list cannot follow is a _BadRequest; a page past the end a 404."""
    if keyset is None:
        raise _BadRequest({"cursor": ["This list pages by number alone: use `page`."]})
    form = PageForm(request.GET)
    if not form.is_valid():
        raise _BadRequest(form.errors)
    try:
        number, key = cursors.cursor_read(request.GET["cursor"], query=request.GET, keyset=keyset)
        after = keyset.after(rows, key)
    except cursors.CursorError as error:
        raise _BadRequest({"cursor": [str(error)]}) from None
    if form.cleaned_data["page"] not in (None, number):
        raise _BadRequest({"cursor": [f"This cursor opens page {number}, not another."]})
    paginator = _paginator(rows, per_page, count)
    if number > paginator.num_pages:
        raise _NoSuchPage("There is no such page.")
    return Page(list(after[:per_page]), number, paginator)


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


# The citation downloads of a source or a passage: fmt -> (suffix, content type, writer).
CITATION_FORMATS = {
    "csl": (
        ".csl.json",
        "application/vnd.citationstyles.csl+json",
        lambda ref: json.dumps([citations.csl_item(ref)], ensure_ascii=False, indent=2) + "\n",
    ),
    "bib": (".bib", "application/x-bibtex", citations.bibtex),
    "ris": (".ris", "application/x-research-info-systems", citations.ris),
}


def _citation_download(fmt: str, ref: citations.Reference) -> HttpResponse:
    suffix, content_type, write = CITATION_FORMATS[fmt]
    response = HttpResponse(write(ref), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ref.key}{suffix}"'
    return response


def _error(fmt: str, status: int, errors: dict):
    if fmt == "csv":
        return _csv(
            [["parameter", "error"], *[[k, " ".join(v)] for k, v in errors.items()]],
            "error.csv",
            status=status,
        )
    return _json({"errors": {k: list(v) for k, v in errors.items()}}, status=status)


def _list(
    request,
    fmt,
    *,
    rows,
    template,
    context,
    per_page,
    to_json,
    to_csv,
    name,
    extra_json=None,
    count=None,
    more_than=None,
    evaluate=None,
    keyset=None,
):
    """A list page and its twins, from the same rows (`count` of them, if known; `evaluate`
    fetches a page's rows, if they need more care than a plain query; in the ordering `keyset`,
    if a cursor can follow it: cursors.py)."""
    try:
        if "cursor" in request.GET:
            page = _page_after(request, rows, per_page, keyset, count=count)
        else:
            page = _page(request, rows, per_page, count=count, more_than=more_than)
        if evaluate:
            evaluate(page)
    except _BadRequest as bad:
        if fmt != "html":
            return _error(fmt, 400, bad.errors)
        return render(request, template, {**context, "errors": bad.errors}, status=400)
    except Http404:
        if fmt != "html":
            return _error(fmt, 404, {"page": ["There is no such page."]})
        raise
    if fmt == "json":
        key = keyset.key(page[len(page) - 1]) if keyset and page.has_next() else None
        cursor = key and cursors.cursor_make(query=request.GET, number=page.number + 1, key=key)
        data = twins.page(request, page, [to_json(request, row) for row in page], cursor=cursor)
        return _json({**data, **(extra_json() if extra_json else {})})
    if fmt == "csv":
        return _csv(to_csv(request, page.object_list), f"{name}.csv")
    return render(request, template, {**context, "page": page})


def home(request, fmt="html"):
    summary = selectors.home_summary()
    if fmt == "json":
        return _json(twins.home(request, summary))
    return render(request, "home.html", summary)


def _filter_named(request, filterset) -> HttpResponseRedirect | None:
    """The same page with slugs, for a filter given an actor's, topic's or source's name (as
    a reader types it into the form's box): the address keeps to slugs."""
    slugs = filterset.slugs_for_names()
    if slugs is None:
        return None
    query = request.GET.copy()
    for param, slug in slugs.items():
        query[param] = slug
    query.pop("page", None)
    query.pop("cursor", None)
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


def claim_list(request, fmt="html"):
    filterset = ClaimFilter(request.GET, queryset=selectors.claims_public())
    context = {"filter": filterset, "query": _query_without_page(request)}
    if fmt == "html":
        context["choices"] = selectors.claim_filter_choices()
    if not filterset.is_valid():
        if fmt != "html":
            return _error(fmt, 400, filterset.errors)
        if redirect := _filter_named(request, filterset):
            return redirect
        return render(
            request, "claims/list.html", {**context, "errors": filterset.errors}, status=400
        )
    data = filterset.form.cleaned_data
    ranked = bool(data.get("q")) and not data.get("ordering")
    count = more_than = ranked_ids = None
    if fmt != "csv":
        context["facets"], count, more_than, ranked_ids = _facets(filterset, ranked=ranked)
    rows = filterset.qs

    def evaluate(page):
        if not (
            ranked
            and selectors.claims_page_fetch(
                page=page, rows=rows, q=data["q"], ranked_ids=ranked_ids
            )
        ):
            context["unranked"] = ranked
            page.object_list = selectors.claims_rows(page.object_list)
        if data.get("q") and fmt == "html":
            search.headlines(page.object_list, data["q"])

    return _list(
        request,
        fmt,
        rows=rows,
        template="claims/list.html",
        context=context,
        per_page=settings.CLAIMS_PAGE_SIZE,
        to_json=twins.claim_row,
        to_csv=twins.claims_csv,
        name="claims",
        extra_json=lambda: {
            "ranked": ranked and not context.get("unranked"),
            "facets": twins.facets(request, context["facets"]),
        },
        count=count,
        more_than=more_than,
        evaluate=evaluate,
        keyset=None if ranked else ClaimFilter.KEYSETS.get(data.get("ordering") or ""),
    )


def _facets(
    filterset, *, ranked: bool
) -> tuple[list[selectors.Facet], int | None, int | None, list[int] | None]:
    """The facets of the filtered claims, the values chosen marked; how many claims there are
    (the claims of each status add up to all of them), if the status facet was counted; for a
    search that matches more than settings.RANK_MAX_MATCHES claims, that number: such a list
    is neither counted nor faceted (it takes longer than a page may), only paged; and, for a
    search `ranked` by relevance, the ids of its claims best first, if they came with the rest."""
    data = filterset.form.cleaned_data
    narrowed = any(value not in (None, "") for name, value in data.items() if name != "ordering")
    more_than = statuses = keys = ranked_ids = None
    searched_only = not any(
        value not in (None, "") for name, value in data.items() if name not in ("q", "ordering")
    )
    claims = filterset.qs  # a search finds its matches in SQLite's index here (index_matches)
    if (
        data.get("q")
        and searched_only
        and search.claims_surely_more_than(filterset.index_matches, settings.RANK_MAX_MATCHES)
    ):
        more_than = settings.RANK_MAX_MATCHES
    elif data.get("q"):
        # A search's claims are read once, for their count, all their facets and (ranked) the
        # order of its pages; if there are too many to facet, counted up to the limit.
        found = None
        up_to = min(settings.FACET_MAX_CLAIMS, settings.RANK_MAX_MATCHES)
        too_many = searched_only and search.claims_surely_more_than(filterset.index_matches, up_to)
        if ranked and not too_many:
            found = selectors.claims_ranked_keys(claims, data["q"], up_to)
        if found is not None:
            statuses = Counter(status for _, status, _ in found)
            keys = [facet_keys for _, _, facet_keys in found]
            ranked_ids = [pk for pk, _, _ in found]
        else:
            statuses, keys = selectors.claims_statuses_up_to(
                claims, settings.RANK_MAX_MATCHES, keys_up_to=settings.FACET_MAX_CLAIMS
            )
            if statuses is None:
                more_than = settings.RANK_MAX_MATCHES
    if more_than is None:
        facets = selectors.claims_facets(claims, narrowed=narrowed, statuses=statuses, keys=keys)
    else:
        facets = selectors.claims_facets_uncounted()
    status = facets[0]
    total = None if status.timed_out else sum(value.count for value in status.values)
    for facet in facets:
        chosen = data.get(facet.param)
        if chosen in (None, ""):
            continue
        value = chosen if facet.param == "status" else chosen.slug
        listed = [v for v in facet.values if v.value == value]
        if not listed:  # chosen, but not among the largest: still shown, to be removed
            if facet.param == "status":
                label = ClaimStatus(chosen).label
            else:  # a topic or an actor (its name), or a source (its title)
                label = getattr(chosen, "name", None) or chosen.title
            listed = [selectors.FacetValue(value, label, total)]
            facet.values.insert(0, listed[0])
        listed[0].selected = True
    return facets, total, more_than, ranked_ids


def actor_list(request, fmt="html"):
    return _filtered_list(
        request,
        fmt,
        filterset=ActorFilter(request.GET, queryset=selectors.actors_public()),
        template="actors/list.html",
        to_json=twins.actor_row,
        to_csv=twins.actors_csv,
        name="actors",
    )


def source_list(request, fmt="html"):
    return _filtered_list(
        request,
        fmt,
        filterset=SourceFilter(request.GET, queryset=selectors.sources_public()),
        template="sources/list.html",
        to_json=twins.source_row,
        to_csv=twins.sources_csv,
        name="sources",
    )


def _filtered_list(request, fmt, *, filterset, template, to_json, to_csv, name):
    context = {"filter": filterset, "query": _query_without_page(request)}
    if not filterset.is_valid():
        if fmt != "html":
            return _error(fmt, 400, filterset.errors)
        return render(request, template, {**context, "errors": filterset.errors}, status=400)
    return _list(
        request,
        fmt,
        rows=filterset.qs,
        template=template,
        context=context,
        per_page=settings.LIST_PAGE_SIZE,
        to_json=to_json,
        to_csv=to_csv,
        name=name,
    )


def _detail(request, slug, fmt, *, model, get, template, name, to_json):
    """A page by slug, or its JSON twin; an old slug answers 301 to the current address. A bad
    page number of a list on it is a 400."""
    try:
        obj = get(slug=slug)
    except _BadRequest as bad:
        if fmt != "html":
            return _error(fmt, 400, bad.errors)
        return render(request, "400.html", {"errors": bad.errors}, status=400)
    except _NoSuchPage:
        if fmt != "html":
            return _error(fmt, 404, {"page": ["There is no such page."]})
        raise
    except Http404:
        moved = selectors.renamed_url(model=model, slug=slug)
        if moved:
            if fmt == "html":
                return HttpResponsePermanentRedirect(moved)
            # /claims/<slug>/ -> /claims/<slug>.json (or .csl.json, .bib, .ris)
            suffix = CITATION_FORMATS[fmt][0] if fmt in CITATION_FORMATS else ".json"
            return HttpResponsePermanentRedirect(moved.rstrip("/") + suffix)
        if fmt != "html":
            return _error("json", 404, {name: [f"There is no {name} “{slug}”."]})
        raise
    if fmt == "json":
        return _json(to_json(request, obj))
    if fmt in CITATION_FORMATS:
        return _citation_download(fmt, obj.reference)
    return render(request, template, {name: obj})


def claim_detail(request, slug, fmt="html"):
    def claim_with_pictures(*, slug):
        claim = selectors.claim_get(slug=slug)
        if fmt == "html":
            claim.jsonld = jsonld.script(jsonld.claim_graph(request, claim))
            claim.dispute_map = pictures.dispute_map(claim)
            claim.dispute_map_stacked = pictures.dispute_map_stacked(claim)
            claim.has_counterclaims = any(d.counterclaim for d in claim.disputes.all())
            claim.preview = _claim_preview(claim)
        return claim

    return _detail(
        request,
        slug,
        fmt,
        model=Claim,
        get=claim_with_pictures,
        template="claims/detail.html",
        name="claim",
        to_json=twins.claim,
    )


def _claim_preview(claim) -> str:
    """What a shared link to a claim says: who made it, who disputed it."""
    made = ", ".join(actor.name for actor in claim.claimants)
    disputed = ", ".join(dict.fromkeys(d.actor.name for d in claim.disputes.all()))
    parts = [f"Made by {made}." if made else "", f"Disputed by {disputed}." if disputed else ""]
    return " ".join(p for p in parts if p) or claim.text


def actor_detail(request, slug, fmt="html"):
    def actor_with_pages(*, slug):
        actor = selectors.actor_get(slug=slug)
        actor.made_page = _page(
            request, actor.statements_public, settings.LIST_PAGE_SIZE, "made_page"
        )
        actor.disputed_page = _page(
            request, actor.disputes_public, settings.LIST_PAGE_SIZE, "disputed_page"
        )
        for page in (actor.made_page, actor.disputed_page):
            page.object_list = selectors.reporting_fill(page.object_list)
        if fmt == "html":
            timeline = selectors.actor_timeline(actor=actor)
            actor.timeline = pictures.actor_timeline_svg(actor, timeline)
            actor.preview = (f"{actor.description} " if actor.description else "") + (
                f"Claims made: {actor.made_page.paginator.count}. "
                f"Claims disputed: {actor.disputed_page.paginator.count}."
            )
        return actor

    return _detail(
        request,
        slug,
        fmt,
        model=Actor,
        get=actor_with_pages,
        template="actors/detail.html",
        name="actor",
        to_json=twins.actor,
    )


def source_detail(request, slug, fmt="html"):
    def source_with_page(*, slug):
        source = selectors.source_get(slug=slug)
        if fmt in ("html", "json"):
            source.claims_page = _page(request, source.claims_cited, settings.LIST_PAGE_SIZE)
        source.reference = citations.reference(
            source=source, permalink=request.build_absolute_uri(source.get_absolute_url())
        )
        if fmt == "html":
            source.preview = _source_preview(source)
            if source.paginated:
                source.pages = selectors.source_pages_passages(source)
        return source

    return _detail(
        request,
        slug,
        fmt,
        model=Source,
        get=source_with_page,
        template="sources/detail.html",
        name="source",
        to_json=twins.source,
    )


def source_original(request, slug, kind):
    """Our copy of a public source's original file, as it came. A PDF is shown in the browser
    (inline: its viewer opens `#page=N`); a saved web page is a download, never a page of this
    site (its scripts would run as ours)."""
    source = selectors.source_with_original(slug=slug, kind=kind)
    try:
        data = source.original.open("rb")
    except OSError:  # listed, but not in storage (a restore without its files)
        raise Http404("The original file is missing.") from None
    response = FileResponse(
        data,
        content_type=ORIGINAL_KINDS[kind],
        as_attachment=kind != "pdf",
        filename=f"{source.slug}.{kind}",
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


def source_page(request, slug, number, fmt="html"):
    """One page of a source read from pages (a report's page 123), its passages marked; or its
    twin. A source without pages, or a page it does not have, is a 404."""
    try:
        page = selectors.source_page_get(slug=slug, number=number)
    except Http404:
        if fmt != "html":
            return _error("json", 404, {"page": [f"The source “{slug}” has no page {number}."]})
        raise
    if fmt == "json":
        return _json(twins.source_page(request, page))
    return render(request, "sources/page.html", {"page": page, "source": page.source})


def topic_detail(request, slug, fmt="html"):
    def topic_with_page(*, slug):
        topic = selectors.topic_get(slug=slug)
        topic.page = _page(  # the stored count of its published claims: no COUNT query
            request, topic.claims_public, settings.CLAIMS_PAGE_SIZE, count=topic.claim_count
        )
        topic.page.object_list = selectors.claims_rows(topic.page.object_list)
        if fmt == "html":
            estimates, more = selectors.topic_estimates(topic=topic)
            topic.charted_only = selectors.CHART_MAX if more else None
            topic.charts, topic.undated_estimates = pictures.estimates_charts(estimates)
        return topic

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


def passage_detail(request, pk, fmt="html"):
    try:
        passage = selectors.passage_get(pk=pk)
    except Http404:
        deleted = selectors.passage_deleted(pk=pk)
        if fmt != "html":  # the JSON twin and the citation downloads alike
            if deleted is None:
                return _error("json", 404, {"passage": [f"There is no passage #{pk}."]})
            return _json(twins.passage_deleted(deleted), status=410)
        if deleted is None:
            raise
        return render(request, "passages/gone.html", {"deleted": deleted}, status=410)
    if fmt == "json":
        return _json(twins.passage(request, passage))
    passage.reference = citations.reference(
        source=passage.source,
        passage=passage,
        authors=passage.authors,
        permalink=request.build_absolute_uri(passage.get_absolute_url()),
    )
    if fmt in CITATION_FORMATS:
        return _citation_download(fmt, passage.reference)
    # A shared passage link previews its words, and where they are from.
    passage.preview_title = f"“{passage.quote}”"
    passage.preview = _source_preview(passage.source, authors=passage.authors)
    return render(request, "passages/detail.html", {"passage": passage})


def _source_preview(source, authors=None) -> str:
    """Where a source is from, in a line: its title, authors, publisher and date."""
    if authors is None:
        authors = [authorship.actor for authorship in source.authorships.all()]
    parts = [source.title, ", ".join(author.name for author in authors)]
    if source.publisher:
        parts.append(source.publisher.name)
    parts.append(source.date_display)
    return ". ".join(part for part in parts if part) + "."


def claim_map(request):
    """The claims of one page of the claims list (filtered as it is), drawn as a graph."""
    filterset = ClaimFilter(request.GET, queryset=selectors.claims_public())
    context = {"filter": filterset, "query": _query_without_page(request)}
    context["choices"] = selectors.claim_filter_choices()
    if not filterset.is_valid():
        if redirect := _filter_named(request, filterset):
            return redirect
        return render(request, "map.html", {**context, "errors": filterset.errors}, status=400)
    data = filterset.form.cleaned_data
    rows = filterset.qs
    try:
        page = _page(request, rows, settings.CLAIMS_PAGE_SIZE)
        if not (
            data.get("q")
            and not data.get("ordering")
            and selectors.claims_page_fetch(page=page, rows=rows, q=data["q"])
        ):
            page.object_list = selectors.claims_rows(page.object_list)
    except _BadRequest as bad:
        return render(request, "map.html", {**context, "errors": bad.errors}, status=400)
    claims = page.object_list
    picture = pictures.claims_map(claims) if claims else None
    stacked = pictures.claims_map_stacked(claims) if claims else None
    return render(
        request,
        "map.html",
        {**context, "page": page, "picture": picture, "picture_stacked": stacked},
    )


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")

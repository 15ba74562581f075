"""The machine-readable twins of the public pages (PRODUCT.md §3): plain dicts, ready for JSON.

Each object carries `url`, its absolute HTML address. They are built from what the selectors
return, so a twin shows exactly what its page shows.
"""

from __future__ import annotations

from .anchoring import PAGE_SEPARATOR
from .models import Actor, Claim, DeletedPassage, Dispute, Passage, Source, Statement, Topic


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def _actor(actor) -> dict:
    return {"name": actor.name, "slug": actor.slug}


def _claim_ref(request, claim) -> dict:
    return {
        "slug": claim.slug,
        "text": claim.text,
        "url": _absolute(request, claim.get_absolute_url()),
    }


def _reported_by(item) -> list[dict]:
    """Whose report of the actor's words a statement or dispute is (selectors.reporting_fill):
    the source's authors, or its publisher; [] when the words are the actor's own."""
    return [_actor(actor) for actor in item.reported_by]


def _statement(request, statement: Statement) -> dict:
    return {
        "actor": _actor(statement.actor),
        "reported_by": _reported_by(statement),
        "claim": _claim_ref(request, statement.claim),
        "date": statement.date_iso or None,
        "note": statement.note,
    }


def _dispute(request, dispute: Dispute) -> dict:
    return {
        "actor": _actor(dispute.actor),
        "reported_by": _reported_by(dispute),
        "claim": _claim_ref(request, dispute.claim),
        "kind": dispute.kind,
        "date": dispute.date_iso or None,
        "note": dispute.note,
        "counterclaim": dispute.counterclaim.slug if dispute.counterclaim else None,
    }


def passage(request, passage: Passage) -> dict:
    """A passage, with the claims made and disputed in it, and itself as a W3C Web Annotation."""
    url = _absolute(request, passage.get_absolute_url())
    source = passage.source
    source_url = _absolute(request, source.get_absolute_url())
    return {
        "id": passage.pk,
        "url": url,
        "quote": passage.quote,
        "start": passage.start,
        "end": passage.end,
        "prefix": passage.prefix,
        "suffix": passage.suffix,
        "changed": passage.changed,
        "current_words": passage.current_words if passage.offers_match else None,
        # In a source read from pages (else null); page_end only when it crosses a break.
        "page": passage.page,
        "page_end": passage.page_end,
        "source": {
            "slug": source.slug,
            "title": source.title,
            "url": source_url,
            "original_url": source.url or None,
            # Our copy of the file its text was read from (a PDF at the passage's page).
            "original_file": (
                _absolute(request, source.original_url(passage.page))
                if source.original
                else None
            ),
        },
        "text_fragment_url": passage.text_fragment_url or None,
        "speaker": _actor(passage.speaker) if passage.speaker else None,
        "statements": [_statement(request, s) for s in passage.statements_public],
        "disputes": [_dispute(request, d) for d in passage.disputes_public],
        "annotation": _annotation(url, source_url, passage),
    }


def _annotation(url: str, source_url: str, passage: Passage) -> dict:
    """The passage as a W3C Web Annotation of our copy of the source (the offsets count into
    its text). A changed passage's cited words are no longer at any position: it has none.
    In a source read from pages, the words are selected within their page: a FragmentSelector
    of the page, refined by the text selectors, whose offsets and context are the page's."""
    prefix, suffix, origin = passage.prefix, passage.suffix, 0
    page = passage.page
    if page and not passage.changed:
        breaks, text = passage.source.page_breaks, passage.source.text
        origin = breaks[page - 2] if page > 1 else 0
        last = passage.page_end or page
        last_ends = breaks[last - 1] - len(PAGE_SEPARATOR) if last <= len(breaks) else len(text)
        prefix = prefix[max(0, len(prefix) - (passage.start - origin)) :]
        suffix = suffix[: max(0, last_ends - passage.end)]
    selectors = [
        {"type": "TextQuoteSelector", "exact": passage.quote, "prefix": prefix, "suffix": suffix},
    ]
    if not passage.changed:
        # Offsets in Unicode code points, end exclusive.
        selectors.append(
            {
                "type": "TextPositionSelector",
                "start": passage.start - origin,
                "end": passage.end - origin,
            }
        )
    if page:
        # The page as a PDF's fragment names it (RFC 3778); a passage that crosses a break is
        # refined from its first page on.
        selectors = [
            {
                "type": "FragmentSelector",
                "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
                "value": f"page={page}",
                "refinedBy": selectors,
            }
        ]
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": url,
        "type": "Annotation",
        "motivation": "highlighting",
        "target": {"source": source_url, "selector": selectors},
    }


def passage_deleted(deleted: DeletedPassage) -> dict:
    return {
        "error": "gone",
        "id": deleted.pk,
        "quote": deleted.quote or None,
        "source": {"slug": deleted.source_slug, "title": deleted.source_title}
        if deleted.source_slug
        else None,
        "deleted_at": deleted.deleted_at.isoformat(),
    }


def page(request, page, results: list, param: str = "page", cursor: str | None = None) -> dict:
    """A list twin: {"count", "next", "previous", "results"}, the links absolute (the page
    number in `param`; the next page's keyset `cursor` too, if it has one: cursors.py)."""

    def link(number: int, cursor: str | None = None) -> str:
        query = request.GET.copy()
        query.pop("cursor", None)
        query[param] = number
        if cursor:
            query["cursor"] = cursor
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    counted = {"count": page.paginator.count}
    if page.paginator.count is None:  # a broad search: more than this many, not counted
        counted["count_more_than"] = page.paginator.more_than
    return {
        **counted,
        "next": link(page.next_page_number(), cursor) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": results,
    }


def facets(request, facets) -> list[dict]:
    """The claims list's facets, each value with the address of this twin narrowed to it (or,
    if chosen already, widened again)."""

    def toggled(param: str, value: str) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("cursor", None)
        if query.get(param) == value:
            query.pop(param)
        else:
            query[param] = value
        return request.build_absolute_uri(
            f"{request.path}?{query.urlencode()}" if query else request.path
        )

    return [
        {
            "param": facet.param,
            "title": facet.title,
            "timed_out": facet.timed_out,
            "values": [
                {
                    "value": v.value,
                    "label": v.label,
                    "count": v.count,
                    "selected": v.selected,
                    "url": toggled(facet.param, v.value),
                }
                for v in facet.values
            ],
        }
        for facet in facets
    ]


def _passage_ref(request, passage: Passage, *, pages: bool = False) -> dict:
    """A passage cited in another twin; with `pages` (its source read already), its pages."""
    ref = {
        "id": passage.pk,
        "url": _absolute(request, passage.get_absolute_url()),
        "quote": passage.quote,
        "changed": passage.changed,
    }
    if pages:
        ref["page"], ref["page_end"] = passage.page, passage.page_end
    return ref


def _quantity(claim: Claim) -> dict | None:
    if claim.quantity_value is None:
        return None
    return {
        "value": float(claim.quantity_value),
        "value_max": float(claim.quantity_value_max)
        if claim.quantity_value_max is not None
        else None,
        "unit": claim.quantity_unit,
        "qualifier": claim.quantity_qualifier,
    }


def claim_row(request, claim: Claim) -> dict:
    """A claim in a list: who made it, who disputed it, how."""
    return {
        "slug": claim.slug,
        "url": _absolute(request, claim.get_absolute_url()),
        "text": claim.text,
        "title": claim.title,
        "status": claim.status,
        "first_stated": claim.first_date_iso or None,
        "topics": [topic.name for topic in claim.topics.all()],
        "quantity": _quantity(claim),
        "made_by": [_actor(actor) for actor in claim.claimants],
        "disputed_by": [
            {**_actor(dispute.actor), "kind": dispute.kind} for dispute in claim.disputes.all()
        ],
    }


def claims_csv(request, claims) -> list[list]:
    rows = [
        [
            "slug",
            "url",
            "text",
            "status",
            "first_stated",
            "disputes",
            "made_by",
            "disputed_by",
            "topics",
        ]
    ]
    for claim in claims:
        rows.append(
            [
                claim.slug,
                _absolute(request, claim.get_absolute_url()),
                claim.text,
                claim.status,
                claim.first_date_iso,
                claim.dispute_count,
                "; ".join(actor.name for actor in claim.claimants),
                "; ".join(f"{d.actor.name} ({d.kind})" for d in claim.disputes.all()),
                "; ".join(topic.name for topic in claim.topics.all()),
            ]
        )
    return rows


def claim(request, claim: Claim) -> dict:
    """One claim: its status, every statement and every dispute, each with its passage."""

    def citation(item) -> dict:
        return {
            "actor": _actor(item.actor),
            "reported_by": _reported_by(item),
            "passage": _passage_ref(request, item.passage, pages=True),
            "source": {"slug": item.passage.source.slug, "title": item.passage.source.title},
            "date": item.date_iso or None,
            "note": item.note,
        }

    return {
        **claim_row(request, claim),
        "statements": [citation(s) for s in claim.statements.all()],
        "disputes": [
            {
                **citation(d),
                "kind": d.kind,
                "counterclaim": d.counterclaim.slug if d.counterclaim else None,
            }
            for d in claim.disputes.all()
        ],
        "countered": [
            {"claim": d.claim.slug, "actor": _actor(d.actor), "kind": d.kind}
            for d in claim.countered
        ],
    }


def actor_row(request, actor: Actor) -> dict:
    return {
        **_actor(actor),
        "url": _absolute(request, actor.get_absolute_url()),
        "kind": actor.kind,
        "claims_made": actor.made_count,
        "claims_disputed": actor.disputed_count,
    }


def actors_csv(request, actors) -> list[list]:
    rows = [["slug", "url", "name", "kind", "claims_made", "claims_disputed"]]
    for actor in actors:
        rows.append(
            [
                actor.slug,
                _absolute(request, actor.get_absolute_url()),
                actor.name,
                actor.kind,
                actor.made_count,
                actor.disputed_count,
            ]
        )
    return rows


def actor(request, actor: Actor) -> dict:
    def claims(items, **extra) -> list[dict]:
        return [
            {
                "claim": _claim_ref(request, item.claim),
                "passage": _passage_ref(request, item.passage),
                "reported_by": _reported_by(item),
                **{key: getattr(item, key) for key in extra},
            }
            for item in items
        ]

    return {
        **_actor(actor),
        "url": _absolute(request, actor.get_absolute_url()),
        "kind": actor.kind,
        "description": actor.description,
        "aliases": actor.alias_names,
        "affiliation": _actor(actor.affiliation) if actor.affiliation else None,
        "wikidata": actor.wikidata or None,
        "claims_made": page(request, actor.made_page, claims(actor.made_page), param="made_page"),
        "claims_disputed": page(
            request,
            actor.disputed_page,
            claims(actor.disputed_page, kind=True),
            param="disputed_page",
        ),
    }


def _authors(source: Source) -> list[dict]:
    return [_actor(authorship.actor) for authorship in source.authorships.all()]


def source_row(request, source: Source) -> dict:
    return {
        "slug": source.slug,
        "url": _absolute(request, source.get_absolute_url()),
        "title": source.title,
        "kind": source.kind,
        "date": source.date_iso or None,
        "publisher": _actor(source.publisher) if source.publisher else None,
        "authors": _authors(source),
        "original_url": source.url or None,
        "passages": source.passage_count,
    }


def sources_csv(request, sources) -> list[list]:
    rows = [
        ["slug", "url", "title", "kind", "date", "publisher", "authors", "original_url", "passages"]
    ]
    for source in sources:
        rows.append(
            [
                source.slug,
                _absolute(request, source.get_absolute_url()),
                source.title,
                source.kind,
                source.date_iso,
                source.publisher.name if source.publisher else "",
                "; ".join(a["name"] for a in _authors(source)),
                source.url,
                source.passage_count,
            ]
        )
    return rows


def source(request, source: Source) -> dict:
    return {
        **source_row(request, source),
        "archive_url": source.archive_url or None,
        "language": source.language,
        "text": source.text,
        "pages": [_absolute(request, source.page_url(n)) for n in range(1, source.page_count + 1)],
        "passages": [
            {**_passage_ref(request, p, pages=True), "start": p.start, "end": p.end}
            for p in source.passages_public
        ],
        "claims": page(
            request, source.claims_page, [_claim_ref(request, c) for c in source.claims_page]
        ),
    }


def source_page(request, page) -> dict:
    """One page of a source read from pages: its text, and the public passages on it, their
    offsets in the source's whole text (as everywhere) and in this page's."""
    source = page.source
    return {
        "source": {"slug": source.slug, "title": source.title},
        "url": _absolute(request, source.page_url(page.number)),
        "page": page.number,
        "page_count": source.page_count,
        "previous": page.previous and _absolute(request, source.page_url(page.previous)),
        "next": page.next and _absolute(request, source.page_url(page.next)),
        "text": page.text,
        "passages": [
            {
                **_passage_ref(request, p),
                "start": p.start,
                "end": p.end,
                "start_on_page": max(p.start - page.start, 0),
                "end_on_page": min(p.end - page.start, len(page.text)),
            }
            for p in page.passages
        ],
    }


def topic(request, topic: Topic) -> dict:
    return {
        "slug": topic.slug,
        "url": _absolute(request, topic.get_absolute_url()),
        "name": topic.name,
        "description": topic.description,
        "claims": page(request, topic.page, [claim_row(request, c) for c in topic.page]),
    }


def home(request, summary: dict) -> dict:
    return {
        "url": _absolute(request, "/"),
        "counts": {
            key: summary[key]
            for key in ("claim_count", "dispute_count", "actor_count", "source_count")
        },
        "newest_disputes": [
            {
                "actor": _actor(d.actor),
                "reported_by": _reported_by(d),
                "kind": d.kind,
                "claim": _claim_ref(request, d.claim),
                "passage": _passage_ref(request, d.passage),
            }
            for d in summary["newest_disputes"]
        ],
        "topics": [
            {
                "slug": t.slug,
                "name": t.name,
                "claims": t.claim_count,
                "url": _absolute(request, t.get_absolute_url()),
            }
            for t in summary["topics"]
        ],
    }

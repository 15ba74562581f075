"""The machine-readable twins of the public pages (PRODUCT.md §3): plain dicts, ready for JSON.

Each object carries `url`, its absolute HTML address. They are built from what the selectors
return, so a twin shows exactly what its page shows.
"""

from __future__ import annotations

from .models import DeletedPassage, Dispute, Passage, Statement


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


def _statement(request, statement: Statement) -> dict:
    return {
        "actor": _actor(statement.actor),
        "claim": _claim_ref(request, statement.claim),
        "date": statement.date_iso or None,
        "note": statement.note,
    }


def _dispute(request, dispute: Dispute) -> dict:
    return {
        "actor": _actor(dispute.actor),
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
        "source": {
            "slug": source.slug,
            "title": source.title,
            "url": source_url,
            "original_url": source.url or None,
        },
        "text_fragment_url": passage.text_fragment_url or None,
        "statements": [_statement(request, s) for s in passage.statements_public],
        "disputes": [_dispute(request, d) for d in passage.disputes_public],
        "annotation": _annotation(url, source_url, passage),
    }


def _annotation(url: str, source_url: str, passage: Passage) -> dict:
    """The passage as a W3C Web Annotation of our copy of the source (the offsets count into
    its text). A changed passage's cited words are no longer at any position: it has none."""
    selectors = [
        {
            "type": "TextQuoteSelector",
            "exact": passage.quote,
            "prefix": passage.prefix,
            "suffix": passage.suffix,
        },
    ]
    if not passage.changed:
        # Offsets in Unicode code points into the source's text, end exclusive.
        selectors.append(
            {"type": "TextPositionSelector", "start": passage.start, "end": passage.end}
        )
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

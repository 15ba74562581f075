"""schema.org JSON-LD for a claim page (PRODUCT.md §3): the claim as a `Claim`, with an
`appearance` for each statement and an `author` for each claimant, and each dispute as a
`ClaimReview` of it. Plain dicts from what the selectors return, and the one way to embed them
in HTML.
"""

from __future__ import annotations

import json

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Actor, Claim, Dispute, Statement

CONTEXT = "https://schema.org"

_ACTOR_TYPES = {
    Actor.Kind.PERSON: "Person",
    Actor.Kind.GOVERNMENT: "GovernmentOrganization",
    Actor.Kind.MEDIA: "NewsMediaOrganization",
}


def claim_graph(request, claim: Claim) -> dict:
    """The claim (from `selectors.claim_get`) and its reviews, as one JSON-LD document."""
    url = request.build_absolute_uri(claim.get_absolute_url())
    node = {
        "@type": "Claim",
        "@id": f"{url}#claim",
        "url": url,
        "name": claim.title or claim.text,
        "text": claim.text,
        "author": [_actor(request, actor) for actor in claim.claimants],
        "appearance": [_appearance(request, s) for s in claim.statements.all()],
    }
    if claim.first_date_iso:
        node["datePublished"] = claim.first_date_iso
    topics = [topic.name for topic in claim.topics.all()]
    if topics:
        node["keywords"] = topics
    reviews = [_review(request, dispute, url) for dispute in claim.disputes.all()]
    return {"@context": CONTEXT, "@graph": [node, *reviews]}


def _actor(request, actor: Actor) -> dict:
    node = {
        "@type": _ACTOR_TYPES.get(actor.kind, "Organization"),
        "@id": request.build_absolute_uri(actor.get_absolute_url()),
        "name": actor.name,
        "url": request.build_absolute_uri(actor.get_absolute_url()),
    }
    if actor.wikidata:
        node["sameAs"] = actor.wikidata_url
    return node


def _source(request, passage) -> dict:
    """The source a passage is in, as a CreativeWork: its own address if it has one, else ours."""
    source = passage.source
    node = {
        "@type": "CreativeWork",
        "name": source.title,
        "url": source.url or request.build_absolute_uri(source.get_absolute_url()),
    }
    if source.date_iso:
        node["datePublished"] = source.date_iso
    return node


def _quotation(request, item: Statement | Dispute) -> dict:
    """The passage a statement or dispute is in: its permalink and its words."""
    return {
        "@type": "CreativeWork",
        "url": request.build_absolute_uri(item.passage.get_absolute_url()),
        "text": item.passage.quote,
    }


def _appearance(request, statement: Statement) -> dict:
    node = _source(request, statement.passage)
    node["hasPart"] = _quotation(request, statement)
    # The work's author: the claimant's own words, or those who report them.
    reporters = statement.reported_by
    node["author"] = (
        [_actor(request, actor) for actor in reporters]
        if reporters
        else _actor(request, statement.actor)
    )
    return node


def _review(request, dispute: Dispute, claim_url: str) -> dict:
    node = {
        "@type": "ClaimReview",
        "url": f"{claim_url}#dispute-{dispute.pk}",
        "author": _actor(request, dispute.actor),
        "claimReviewed": dispute.claim.text,
        "itemReviewed": {"@id": f"{claim_url}#claim"},
        "reviewRating": {"@type": "Rating", "alternateName": dispute.kind},
        "reviewBody": dispute.passage.quote,
        "citation": {**_source(request, dispute.passage), "hasPart": _quotation(request, dispute)},
    }
    if dispute.reported_by:  # the disputant's words, as its source's authors report them
        node["citation"]["author"] = [_actor(request, actor) for actor in dispute.reported_by]
    if dispute.date_iso:
        node["datePublished"] = dispute.date_iso
    if dispute.counterclaim:  # a published one: a draft counterclaim reads as none
        counter_url = request.build_absolute_uri(dispute.counterclaim.get_absolute_url())
        node["isBasedOn"] = {"@type": "Claim", "@id": f"{counter_url}#claim", "url": counter_url}
    return node


# Inside <script>, only "</script" or "<!--" can end the data early; escaping every <, > and &
# as JSON's \u escapes (which any JSON reader decodes back) rules both out.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script(data: dict) -> SafeString:
    """`data` as a <script type="application/ld+json"> element, safe to put in HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))

"""Atom feeds: newly published claims, new disputes, and each actor's and each topic's news.
Their rows come from the selectors, so a draft never reaches a feed reader.

A feed object is made per request (the entries' ids need the site's host), by the views at the
end of this module.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from . import selectors
from .models import Actor, Claim, Dispute, Statement, Topic

FEED_SIZE = 50

# What XML 1.0 cannot hold at all, escaped or not. A source pasted from a PDF may carry a form
# feed; in a feed it becomes a space rather than a 500.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` with the characters XML cannot carry replaced by spaces."""
    return _NOT_XML.sub(" ", text)


class _Feed(Feed):
    feed_type = Atom1Feed
    author_name = "Claim tracker"

    def __init__(self, request):
        super().__init__()
        self.request = request
        self.domain = _id_domain(request)

    def _absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def _tag(self, kind: str, pk: int) -> str:
        """A permanent id for an entry (RFC 4151), which a renamed slug does not change."""
        return f"tag:{self.domain},2026:{kind}/{pk}"

    # Titles and summaries reach the XML through here (names and categories clean themselves).
    def item_title(self, item):
        return xml_text(self._title(item))

    def item_description(self, item):
        return xml_text(self._summary(item))

    def item_guid_is_permalink(self, item):
        return False


_DNS_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")


def _id_domain(request) -> str:
    """The domain in the entries' tag URIs: settings.FEED_ID_DOMAIN, so that an entry keeps its
    id whatever name the site is reached by; else the request's host name, if it is a domain
    name (an IP address in brackets is not)."""
    if settings.FEED_ID_DOMAIN:
        return settings.FEED_ID_DOMAIN
    domain, _ = split_domain_port(request.get_host())
    return domain if _DNS_NAME.match(domain) else "localhost"


def _claim_summary(claim: Claim) -> str:
    """A claim's entry, as HTML (Atom's summary type="html"): its text, who made it, its topics."""
    parts = [format_html("<p>{}</p>", claim.text)]
    if claim.quantity_display:
        parts.append(format_html("<p>Quantity: {}</p>", claim.quantity_display))
    claimants = claim.claimants
    if claimants:
        parts.append(
            format_html("<p>Made by {}.</p>", ", ".join(actor.name for actor in claimants))
        )
    disputants = list({d.actor_id: d.actor.name for d in claim.disputes.all()}.values())
    if disputants:
        parts.append(format_html("<p>Disputed by {}.</p>", ", ".join(disputants)))
    return "".join(parts)


def _citation_summary(item: Statement | Dispute) -> str:
    """A statement's or dispute's entry, as HTML: the quote, where it is from, any note."""
    reporters = ", ".join(actor.name for actor in item.reported_by)
    return "".join(
        [
            format_html(
                "<blockquote><p>{}</p></blockquote><p>{} <cite>{}</cite>{}.</p>",
                item.passage.quote,
                f"As reported by {reporters} in" if reporters else "In",
                item.passage.source.title,
                f", {item.passage.pages_display}" if item.passage.pages_display else "",
            ),
            format_html("<p>{}</p>", item.note) if item.note else "",
        ]
    )


def _citation_title(item: Statement | Dispute) -> str:
    verb = item.kind if isinstance(item, Dispute) else "states"
    return f"{item.actor.name} {verb}: {item.claim.text}"


class ClaimsFeed(_Feed):
    title = "Claim tracker: new claims"
    subtitle = "Claims as they are published, newest first."

    def link(self):
        return reverse("claim_list")

    def feed_url(self):
        return reverse("feed_claims")

    def feed_guid(self):
        return self._absolute(reverse("feed_claims"))

    def items(self):
        return selectors.claims_newest(limit=FEED_SIZE)

    def _title(self, claim):
        return claim.title or claim.text

    def _summary(self, claim):
        return _claim_summary(claim)

    def item_link(self, claim):
        return claim.get_absolute_url()

    def item_guid(self, claim):
        return self._tag("claim", claim.pk)

    def item_pubdate(self, claim):
        return claim.published_at

    def item_updateddate(self, claim):
        return claim.updated_at

    def item_author_name(self, claim):
        return xml_text(", ".join(actor.name for actor in claim.claimants)) or None

    def item_categories(self, claim):
        return [xml_text(topic.name) for topic in claim.topics.all()]


class TopicFeed(ClaimsFeed):
    def get_object(self, request, slug):
        return selectors.topic_get(slug=slug)

    def title(self, topic):
        return xml_text(f"Claim tracker: new claims on {topic.name}")

    def subtitle(self, topic):
        return xml_text(topic.description) or None

    def link(self, topic):
        return topic.get_absolute_url()

    def feed_url(self, topic):
        return reverse("feed_topic", args=[topic.slug])

    def feed_guid(self, topic):
        return self._tag("topic", topic.pk)

    def items(self, topic):
        return selectors.claims_newest(limit=FEED_SIZE, topic=topic)


class DisputesFeed(_Feed):
    title = "Claim tracker: new disputes"
    subtitle = "Who disputed which claim, and in what words: newest first."

    def link(self):
        return reverse("home")

    def feed_url(self):
        return reverse("feed_disputes")

    def feed_guid(self):
        return self._absolute(reverse("feed_disputes"))

    def items(self):
        return selectors.disputes_newest(limit=FEED_SIZE)

    def _title(self, item):
        return _citation_title(item)

    def _summary(self, item):
        return _citation_summary(item) + _counterclaim(item)

    def item_link(self, item):
        role = "dispute" if isinstance(item, Dispute) else "statement"
        return f"{item.claim.get_absolute_url()}#{role}-{item.pk}"

    def item_guid(self, item):
        return self._tag("dispute" if isinstance(item, Dispute) else "statement", item.pk)

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return xml_text(item.actor.name)


def _counterclaim(item) -> str:
    if isinstance(item, Dispute) and item.counterclaim:
        return format_html("<p>Rests on the counterclaim: {}</p>", item.counterclaim.text)
    return ""


class ActorFeed(DisputesFeed):
    """What an actor said: the claims it made and those it disputed, newest first."""

    def get_object(self, request, slug):
        return selectors.actor_get(slug=slug)

    def title(self, actor):
        return xml_text(f"Claim tracker: {actor.name}")

    def subtitle(self, actor):
        return xml_text(f"Claims made and disputed by {actor.name}, newest first.")

    def link(self, actor):
        return actor.get_absolute_url()

    def feed_url(self, actor):
        return reverse("feed_actor", args=[actor.slug])

    def feed_guid(self, actor):
        return self._tag("actor", actor.pk)

    def items(self, actor):
        return selectors.actor_activity(actor=actor, limit=FEED_SIZE)


def _feed(feed_class, request, *, model=None, slug=None, name=None):
    try:
        if slug is None:
            return feed_class(request)(request)
        return feed_class(request)(request, slug=slug)
    except Http404:
        moved = selectors.renamed(model=model, slug=slug) if model else None
        if moved is None:
            raise
        return HttpResponsePermanentRedirect(reverse(name, args=[moved.slug]))


def claims_feed(request):
    return _feed(ClaimsFeed, request)


def disputes_feed(request):
    return _feed(DisputesFeed, request)


def actor_feed(request, slug):
    return _feed(ActorFeed, request, model=Actor, slug=slug, name="feed_actor")


def topic_feed(request, slug):
    return _feed(TopicFeed, request, model=Topic, slug=slug, name="feed_topic")

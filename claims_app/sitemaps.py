"""The sitemap of every public page: /sitemap.xml is an index of one sitemap a kind of page,
each paged (?p=2) so that none grows past what a crawler reads. Rows come from the selectors."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator

from . import selectors
from .addresses import address, detail_url

PAGE_SIZE = 500  # URLs in one sitemap page: the protocol allows 50,000; a page must be quick


class _Public(Sitemap):
    limit = PAGE_SIZE
    view = ""  # the page of one object, by its slug
    key = "slug"

    def location(self, obj):
        return detail_url(self.view, getattr(obj, self.key))

    def lastmod(self, obj):
        return obj.updated_at

    def get_latest_lastmod(self):
        # The index would otherwise read every row's date to name the newest: each URL carries
        # its own `lastmod`, which is what crawlers use.
        return None


class ClaimSitemap(_Public):
    view = "claim_detail"

    def items(self):
        return selectors.claims_public().order_by("pk").only("slug", "updated_at")


class ActorSitemap(_Public):
    view = "actor_detail"

    def items(self):
        return selectors.actors_public().order_by("pk").only("slug", "updated_at")


class SourceSitemap(_Public):
    view = "source_detail"

    def items(self):
        sources = selectors.sources_public().select_related(None).prefetch_related(None)
        return sources.order_by("pk").only("slug", "updated_at")


class PassageSitemap(_Public):
    view, key = "passage_detail", "pk"

    def items(self):
        return selectors.passages_public().order_by("pk").only("pk", "updated_at")

    @property
    def paginator(self):
        pages = Paginator(self.items(), self.limit)
        pages.count = selectors.passages_public_count()  # from stored counts, not a scan
        return pages


class TopicSitemap(Sitemap):
    limit = PAGE_SIZE

    def items(self):
        return selectors.topics_public().order_by("pk").only("slug")


class PageSitemap(Sitemap):
    """The pages that are not one object's: the home page, the lists, the map."""

    def items(self):
        return ["home", "claim_list", "actor_list", "source_list", "claim_map"]

    def location(self, name):
        return address(name)


SITEMAPS = {
    "pages": PageSitemap,
    "claims": ClaimSitemap,
    "actors": ActorSitemap,
    "sources": SourceSitemap,
    "passages": PassageSitemap,
    "topics": TopicSitemap,
}

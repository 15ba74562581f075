from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from . import feeds, views
from .caching import page_cached
from .filters import ActorFilter, ClaimFilter, SourceFilter
from .sitemaps import SITEMAPS


class SlugConverter:
    """Slugs as the models make them: letters (any script), digits, `-` and `_`."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SlugConverter, "uslug")

JSON, CSV = {"fmt": "json"}, {"fmt": "csv"}
CSL, BIB, RIS = {"fmt": "csl"}, {"fmt": "bib"}, {"fmt": "ris"}  # citation downloads

urlpatterns = [
    path("", views.home, name="home"),
    path("index.json", views.home, JSON, name="home_json"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims.json", views.claim_list, JSON, name="claim_list_json"),
    path("claims.csv", views.claim_list, CSV, name="claim_list_csv"),
    path("claims/<uslug:slug>/", views.claim_detail, name="claim_detail"),
    path("claims/<uslug:slug>.json", views.claim_detail, JSON, name="claim_json"),
    path("actors/", views.actor_list, name="actor_list"),
    path("actors.json", views.actor_list, JSON, name="actor_list_json"),
    path("actors.csv", views.actor_list, CSV, name="actor_list_csv"),
    path("actors/<uslug:slug>/", views.actor_detail, name="actor_detail"),
    path("actors/<uslug:slug>.json", views.actor_detail, JSON, name="actor_json"),
    path("sources/", views.source_list, name="source_list"),
    path("sources.json", views.source_list, JSON, name="source_list_json"),
    path("sources.csv", views.source_list, CSV, name="source_list_csv"),
    path("sources/<uslug:slug>/", views.source_detail, name="source_detail"),
    path("sources/<uslug:slug>.json", views.source_detail, JSON, name="source_json"),
    path("sources/<uslug:slug>/pages/<int:number>/", views.source_page, name="source_page"),
    path(
        "sources/<uslug:slug>/original.pdf",
        views.source_original,
        {"kind": "pdf"},
        name="source_original_pdf",
    ),
    path(
        "sources/<uslug:slug>/original.html",
        views.source_original,
        {"kind": "html"},
        name="source_original_html",
    ),
    path(
        "sources/<uslug:slug>/pages/<int:number>.json",
        views.source_page,
        JSON,
        name="source_page_json",
    ),
    path("sources/<uslug:slug>.csl.json", views.source_detail, CSL, name="source_csl"),
    path("sources/<uslug:slug>.bib", views.source_detail, BIB, name="source_bib"),
    path("sources/<uslug:slug>.ris", views.source_detail, RIS, name="source_ris"),
    path("passages/<int:pk>/", views.passage_detail, name="passage_detail"),
    path("passages/<int:pk>.json", views.passage_detail, JSON, name="passage_json"),
    path("passages/<int:pk>.csl.json", views.passage_detail, CSL, name="passage_csl"),
    path("passages/<int:pk>.bib", views.passage_detail, BIB, name="passage_bib"),
    path("passages/<int:pk>.ris", views.passage_detail, RIS, name="passage_ris"),
    path("topics/<uslug:slug>/", views.topic_detail, name="topic_detail"),
    path("topics/<uslug:slug>.json", views.topic_detail, JSON, name="topic_json"),
    path("map/", views.claim_map, name="claim_map"),
    path("feeds/claims.atom", feeds.claims_feed, name="feed_claims"),
    path("feeds/disputes.atom", feeds.disputes_feed, name="feed_disputes"),
    path("feeds/actors/<uslug:slug>.atom", feeds.actor_feed, name="feed_actor"),
    path("feeds/topics/<uslug:slug>.atom", feeds.topic_feed, name="feed_topic"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]

# The query parameters each view reads (its list's filters, the page numbers of its lists): it
# sees no other, so `?utm_source=…` renders and caches the same page as none (caching.py).
PARAMETERS = {
    views.claim_list: [*ClaimFilter.base_filters, "page", "cursor"],
    views.claim_map: [*ClaimFilter.base_filters, "page"],
    views.actor_list: [*ActorFilter.base_filters, "page"],
    views.source_list: [*SourceFilter.base_filters, "page"],
    views.actor_detail: ["made_page", "disputed_page"],
    views.source_detail: ["page"],
    views.topic_detail: ["page"],
    sitemap_views.sitemap: ["p"],
}

# Every public URL only reads: any other method than GET or HEAD is a 405, whatever the view;
# and what it renders is cached until the record changes (caching.py). Not robots.txt: it reads
# nothing from the database, not even the record's generation, so health checks can use it.
for pattern in urlpatterns:
    view = pattern.callback
    # Nor a source's original file: megabytes, streamed from storage, never kept in the cache.
    if view not in (views.robots_txt, views.source_original):
        view = page_cached(view, params=PARAMETERS.get(view, []))
    pattern.callback = require_safe(view)

"""Rendered public pages, cached (Django's cache framework: local memory by default, Redis when
CACHE_URL says so) and thrown away whenever the record changes.

A public page is the same for every reader (no one is logged in to read), so a rendered page can
be served again to anyone until the record changes. Every cache key carries the record's
*generation*, a number that any write to the record increments: a new generation misses every
older page at once, with no list of which pages showed what. Writes are seen through the models'
signals (any save, delete or many-to-many change in this app) and through `derived_refresh`,
which every bulk writer calls.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "record-generation"


def record_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def record_changed() -> None:
    """Retire every cached page: now, and again when the transaction commits (a request that
    read the old rows before the commit must not keep its page under the new generation)."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (evicted, or never set)
        cache.set(GENERATION_KEY, 2, timeout=None)


def page_cached(view):
    """`view`, its successful GET answers cached for settings.PAGE_CACHE_SECONDS, under the
    record's current generation."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method != "GET" or not settings.PAGE_CACHE_SECONDS:
            return view(request, *args, **kwargs)
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(address.encode()).hexdigest()
        key = f"page:{record_generation()}:{digest}"
        response = cache.get(key)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response

        def store(rendered):
            cache.set(key, rendered, settings.PAGE_CACHE_SECONDS)

        if getattr(response, "is_rendered", True):
            store(response)
        else:  # a TemplateResponse (the sitemap's): stored once rendered
            response.add_post_render_callback(store)
        return response

    return cached_view


def _on_write(sender, **kwargs):
    if sender._meta.app_label == "claims_app":  # the record's models, and their m2m tables
        record_changed()


def connect() -> None:
    """Listen for writes (from the app's `ready()`)."""
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_write, dispatch_uid=f"caching-{id(signal)}")

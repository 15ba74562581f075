"""Rendered public pages, cached in each process (Django's cache framework: local memory by
default, Redis when CACHE_URL says so) under the record's generation, which lives in the database
so that every process and machine sees a write at once.

A public page is the same for every reader (no one is logged in to read), so a rendered page can
be served again to anyone until the record changes. Every cache key carries the record's
*generation*, one number in a one-row table (`RecordGeneration`): each request reads it (one
query), and a write makes it grow, so that every older page misses at once, in every process,
with no list of which pages showed what. Writes are seen through the models' signals (any save,
delete or many-to-many change in this app) and through `derived_refresh`, which every bulk writer
calls (`record_changed()` is what they all end in).

Ordering. The generation grows in its own autocommit UPDATE *after* the writing transaction
commits (`transaction.on_commit`, registered once a transaction however many rows it writes), so:
- a reader that reads the new generation started after the commit, and reads the new rows;
- a reader that read the old one may store a page of the old rows, under the old generation,
  which no one asks for once the new one is visible.
The generation is never written inside a writing transaction: a row every writer updated while
holding its own row locks (source, passages, claims) would be a lock taken in a different order by
each, and a deadlock; and a number visible before its data (a trigger, a sequence) would let a
reader store a page of the old rows under the new number.
If a process dies between its commit and its bump, or the bump fails (it is logged, and the write
still succeeds), the pages cached before that write are served until they expire
(PAGE_CACHE_SECONDS) or the next write anywhere.

The generation never repeats: a bump makes it the greater of one more and the current time in
microseconds, so a database restored from a backup (or a row deleted and made again) cannot bring
back a number under which pages of another record were cached.

A connection whose open transaction has written to the record (a test, a shell inside
`atomic()`) sees rows no one else sees yet: its pages are cached under a key of its own, new at
each of its writes, that no other connection asks for.

A page is cached whatever the query string says beyond the parameters its view reads: the others
(`?utm_source=…`, `?x=1`) are dropped before the view sees them, so the page rendered, and its
links, are the canonical ones, and one copy serves every such address. HEAD is answered like GET,
from the same copy (the server sends no body).
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db import models as db
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, QueryDict
from django.utils.encoding import escape_uri_path

from . import models, replicas


def record_generation() -> int:
    """The record's generation as every process sees it now (one query)."""
    return record_state()[0]


def record_state() -> tuple[int, int | None]:
    """The record's generation, and the primary's WAL position when it last grew (None on
    SQLite), as every process sees them now: one query, on the primary."""
    generation = models.RecordGeneration.objects.using(DEFAULT_DB_ALIAS).filter(pk=1)
    state = generation.values_list("value", "wal").first()
    if state is None:  # its row is gone (deleted by hand, or by a test's flush): made again
        _bump()
        state = generation.values_list("value", "wal").get()
    return state


def record_changed() -> None:
    """The record was written: retire every cached page, in every process, once the write is
    committed (at once outside a transaction)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        connection.record_uncommitted = uuid.uuid4().hex  # its own pages' key: see _page_key
        if _bump_pending(connection):
            return
    # Robust: the write is committed whatever happens to the bump, whose failure is logged.
    transaction.on_commit(_bump, robust=True)


def _bump_pending(connection) -> bool:
    # Looked for in the transaction's callbacks, not in a flag: a savepoint rolled back drops
    # the callbacks registered inside it, and with them the bump its writes asked for.
    return connection.in_atomic_block and any(f is _bump for _, f, _ in connection.run_on_commit)


def _bump() -> None:
    now = time.time_ns() // 1000
    grown = {"value": Greatest(db.F("value") + 1, db.Value(now), output_field=db.BigIntegerField())}
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        # Where the primary's WAL is now: past the commit of the write this bump stands for, and
        # of every one before it (replicas.py). Never backwards, whichever bump commits last.
        wal = RawSQL(_WAL_NOW, (), output_field=db.BigIntegerField())
        grown["wal"] = Greatest(db.F("wal"), wal, output_field=db.BigIntegerField())
    generation = models.RecordGeneration.objects.filter(pk=1)
    if not generation.update(**grown):
        # The row is missing: make it (another process may be making it too), then grow it.
        models.RecordGeneration.objects.bulk_create(
            [models.RecordGeneration(pk=1, value=now)], ignore_conflicts=True
        )
        generation.update(**grown)


_WAL_NOW = "(pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"


def _page_key(request, generation: int, uncommitted: bool) -> str:
    if uncommitted:
        generation = f"{generation}+{transaction.get_connection().record_uncommitted}"
    address = (
        f"{request.scheme}://{request.get_host()}{escape_uri_path(request.path)}"
        f"?{request.GET.urlencode()}"
    )
    return f"page:{generation}:{hashlib.sha256(address.encode()).hexdigest()}"


def _known_only(request, known: frozenset[str]) -> QueryDict:
    if not known:  # not even parsed: a query string too long to parse is no concern of the view
        return QueryDict()
    query = request.GET
    if query.keys() <= known:
        return query
    kept = QueryDict(mutable=True, encoding=query.encoding)
    for name in query:
        if name in known:
            kept.setlist(name, query.getlist(name))
    kept._mutable = False
    return kept


def _answer(request, response: HttpResponse) -> HttpResponse:
    """`response` for GET; for HEAD, its headers alone (Content-Length saying what GET would
    send): a body would be dropped by the server, with a warning logged each time."""
    if request.method != "HEAD":
        return response
    head = HttpResponse(status=response.status_code)
    for name, value in response.items():
        head[name] = value
    head["Content-Length"] = str(len(response.content))
    return head


def page_cached(view, *, params: Iterable[str]):
    """`view`, seeing only the query parameters `params` (the ones it reads), its successful
    GET and HEAD answers cached for settings.PAGE_CACHE_SECONDS under the record's current
    generation."""
    known = frozenset(params)

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        request.GET = _known_only(request, known)
        caching = bool(settings.PAGE_CACHE_SECONDS)
        if request.method not in ("GET", "HEAD") or not (caching or replicas.configured()):
            return view(request, *args, **kwargs)
        generation, wal = record_state()
        # A connection that has written in its open transaction reads its own rows: the
        # primary's, under a key of its own.
        uncommitted = _bump_pending(transaction.get_connection())
        if caching:
            key = _page_key(request, generation, uncommitted)
            response = cache.get(key)
            if response is not None:
                return _answer(request, response)
        # From a replica that has replayed this generation's writes, if one has: the page is
        # then the record as of this generation (or newer), which it is cached under.
        response = replicas.read(None if uncommitted else wal, view, request, *args, **kwargs)
        if not caching:
            return response
        if response.status_code != 200 or response.streaming:
            return response

        def store(rendered):
            cache.set(key, rendered, settings.PAGE_CACHE_SECONDS)

        if getattr(response, "is_rendered", True):
            store(response)
            return _answer(request, response)
        # A TemplateResponse (the sitemap's): stored once rendered, then answered.
        response.add_post_render_callback(store)
        response.add_post_render_callback(lambda rendered: _answer(request, rendered))
        return response

    return cached_view


def _on_write(sender, **kwargs):
    if sender._meta.app_label == "claims_app":  # the record's models, and their m2m tables
        record_changed()


def connect() -> None:
    """Listen for writes (from the app's `ready()`)."""
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_write, dispatch_uid=f"caching-{id(signal)}")

"""Read replicas: PostgreSQL's own streaming replicas answer the public pages' reads.

DATABASE_REPLICA_URLS names them (settings.py makes them the aliases replica1, replica2, …). A
read goes to a replica only inside `reading()`, which caching.page_cached opens around each public
view (every page, twin, feed and the sitemap), and only for the record's own tables (this app's):
the admin, imports, every write, migrations, sessions and logins stay on the primary.

Never an older record than the primary's. The record's generation (caching.py), which grows after
every committed write, is stored with the primary's WAL position at that moment
(RecordGeneration.wal, past the write's commit record). A public request reads both from the
primary (the one query it made before replicas), and a replica serves it only if it has replayed
at least that far (`pg_last_wal_replay_lsn()`): it then holds every write that generation stands
for, so the page it renders is the record as of that generation or later, and is cached under it.
A replica that has not caught up is passed over for this request, and the primary answers.
So an unpublished draft is never shown by a lagging replica on anyone's next request.

How far each replica has replayed only grows, so each process remembers the furthest position it
has seen a replica reach: a replica known to be past a generation's position is used with no
question asked; it is asked again (one query) only after a newer write.

A replica that is down, or fails in the middle of a page (a statement cancelled by a conflict with
recovery, a connection lost), is left alone for REPLICA_RETRY_SECONDS in this process, with one
warning in the log, and the page is read again from the primary: never a 500.
"""

from __future__ import annotations

import contextvars
import logging
import random
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("replica", default=None)
_replayed: dict[str, int] = {}  # alias: the furthest WAL position this process saw it replay
_down_until: dict[str, float] = {}  # alias: time.monotonic() until which it is left alone


def configured() -> bool:
    return bool(settings.DATABASE_REPLICAS)


def current() -> str:
    """The alias the public road reads from now: a replica inside `reading()`, else the
    primary."""
    return _reading.get() or DEFAULT_DB_ALIAS


class ReadConnection:
    """`django.db.connection` for the selectors' own SQL: the replica's connection inside
    `reading()`, the primary's everywhere else (the admin, imports, a shell)."""

    def __getattr__(self, name):
        return getattr(connections[current()], name)


read_connection = ReadConnection()


class ReplicaRouter:
    """Reads of the record inside `reading()` to its replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias and model._meta.app_label == "claims_app":
            return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, wherever they were read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # a replica replays the primary's schema


def _replay_position(alias: str) -> int | None:
    """How far `alias` has replayed the primary's WAL (bytes from its start); None if it is not
    a replica in recovery (a promoted one has a history of its own)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_is_in_recovery() "
            "THEN (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint END"
        )
        return cursor.fetchone()[0]


def _leave_alone(alias: str, why) -> None:
    seconds = settings.REPLICA_RETRY_SECONDS
    _down_until[alias] = time.monotonic() + seconds
    connections[alias].close()
    log.warning(
        "read replica %s failed (%s): reading from the primary; trying it again in %s s",
        alias,
        str(why).strip().splitlines()[0] if str(why).strip() else type(why).__name__,
        seconds,
    )


def choose(position: int | None) -> str | None:
    """A replica, up and past `position` (the WAL position of the record's latest change), or
    None: the primary. At most one query on each replica asked, and none for a replica already
    seen past it."""
    if position is None:  # not known (no change since this database was made): the primary
        return None
    now = time.monotonic()
    candidates = [alias for alias in settings.DATABASE_REPLICAS if _down_until.get(alias, 0) <= now]
    random.shuffle(candidates)  # the readers spread over the replicas
    for alias in candidates:
        if _replayed.get(alias, -1) >= position:
            return alias
        try:
            replayed = _replay_position(alias)
        except (OperationalError, InterfaceError) as error:
            _leave_alone(alias, error)
            continue
        if replayed is None:
            _leave_alone(alias, "it is not in recovery: not a replica of this primary")
            continue
        _replayed[alias] = max(replayed, _replayed.get(alias, -1))
        if replayed >= position:
            return alias
    return None


def read(position: int | None, view, request, *args, **kwargs):
    """`view`'s answer, its record read from a replica past `position` if there is one, else
    from the primary; from the primary again if the replica fails meanwhile."""
    alias = choose(position)
    if alias is None:
        return view(request, *args, **kwargs)
    token = _reading.set(alias)
    try:
        return view(request, *args, **kwargs)
    except (OperationalError, InterfaceError) as error:
        _leave_alone(alias, error)
    finally:
        _reading.reset(token)
    return view(request, *args, **kwargs)

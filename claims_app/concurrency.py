"""Writes that may run at once: row locks taken in one order, a deadlock retried rather than
answered with a 500, and the version of an object a curator saw, so that a save from a form
opened before someone else's save is refused rather than silently undoing it.

Locks are taken in one fixed order by every writer that touches a source's text or its
passages: the sources (by id; a source's row lock stands for its passages), then the claims
(by id). A writer that cannot know its rows up front (an actor's rename reaches its claims'
search words) may still deadlock with another; PostgreSQL then aborts one of them, and
`write_retried` runs that one again from the start. Only the outermost transaction can be run
again (a savepoint rolled back leaves the outer transaction holding its locks), so retrying
happens where a whole write begins: an admin view, a whole import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar

from django.db import OperationalError, connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
# PostgreSQL's SQLSTATEs for "run the transaction again": deadlock, serialization failure.
_RETRYABLE = {"40P01", "40001"}


def retryable(error: Exception) -> bool:
    """Whether the database aborted a transaction only to break a deadlock or a conflict (or,
    on SQLite, found the database locked): running it again may well succeed."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in _RETRYABLE:
        return True
    # SQLite: another process holds the write lock past the busy timeout.
    return connection.vendor == "sqlite" and "database is locked" in str(error)


def write_retried(write: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """`write()` in a transaction of its own, run again (up to `attempts` times in all) when the
    database aborts it to break a deadlock or a serialization conflict. Inside an enclosing
    transaction it runs once, in a savepoint: only the outermost transaction can be retried."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return write()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return write()
        except OperationalError as error:
            if attempt == attempts or not retryable(error):
                raise
            logger.warning("write retried after %s (attempt %d)", error.__cause__, attempt)
            time.sleep(random.uniform(0.02, 0.1) * attempt)
    raise AssertionError("unreachable")


def rows_lock(*, source_ids: Iterable[int] = (), claim_ids: Iterable[int] = (), others=()) -> None:
    """Lock rows for the rest of the transaction, in the one order every writer uses: sources,
    then claims, each by id; then `others` ((model, ids) pairs, e.g. the actor being changed).
    A source's row stands for its passages too: every writer of a passage's offsets or words
    holds its source's lock (Source.save, Passage.save, imports), so passages need no locks of
    their own, which a source with thousands of them would make costly. SQLite locks the whole
    database for a writer: there this does nothing."""
    from .models import Claim, Source

    ids_lock(Source, source_ids)
    ids_lock(Claim, claim_ids)
    for model, ids in others:
        ids_lock(model, ids)


def ids_lock(model, ids: Iterable[int], *, no_key: bool = False) -> None:
    """Lock `model`'s rows with these ids, in id order, for the rest of the transaction (FOR
    UPDATE; FOR NO KEY UPDATE with `no_key`, an UPDATE's own lock, which leaves rows that refer
    to these free to be written)."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if ids:
        rows = model._default_manager.select_for_update(no_key=no_key).filter(pk__in=ids)
        list(rows.order_by("pk").values_list("pk"))


# ---------------------------------------------------------------------------------------------
# The version a curator saw


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, default=str, sort_keys=True).encode()).hexdigest()[:16]


def _row_values(obj: models.Model, names: Iterable[str]) -> dict:
    values = {}
    for name in names:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
        else:
            values[name] = getattr(obj, field.attname)
    return values


def _version_fields(model) -> list[str]:
    """What a curator edits: every editable field, not the times kept by the database."""
    return [
        field.name
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if field.editable and not field.primary_key and field.name != "updated_at"
    ]


Children = dict[str, tuple[type[models.Model], str]]


def _rows(obj: models.Model, model, fk: str) -> models.QuerySet:
    return model._default_manager.filter(**{fk: obj.pk}).order_by("pk")


def version_of(obj: models.Model, children: Children) -> dict:
    """What `obj` (as just read from the database) and its inline rows hold, as digests:
    `{"t": when, "fields": {name: digest}, "rows": {inline: {id: digest}}}`. `children` names
    each inline's model and its foreign key to `obj`."""
    fields = {
        name: _digest(value) for name, value in _row_values(obj, _version_fields(type(obj))).items()
    }
    rows = {
        name: {
            str(row.pk): _digest(_row_values(row, _version_fields(model)))
            for row in _rows(obj, model, fk)
        }
        for name, (model, fk) in children.items()
    }
    return {**version_opened(), "fields": fields, "rows": rows}


def version_opened() -> dict:
    """The version of a form with nothing to compare (a new object's): only when it was opened,
    which says what texts its quote offsets were read from."""
    return {"t": timezone.now().isoformat(), "fields": {}, "rows": {}}


def version_token(version: dict) -> str:
    return json.dumps(version, separators=(",", ":"), sort_keys=True)


def version_read(token: str | None) -> dict | None:
    """A token from a form, or None if it is missing or not one of ours."""

    def digests(value) -> bool:
        return isinstance(value, dict) and all(isinstance(d, str) for d in value.values())

    try:
        version = json.loads(token or "")
        opened = parse_datetime(version["t"])
        rows = version.get("rows", {})
        if (
            opened is None
            or not digests(version["fields"])
            or not isinstance(rows, dict)
            or not all(digests(inline) for inline in rows.values())
        ):
            return None
        if timezone.is_naive(opened):
            opened = timezone.make_aware(opened, UTC)
        return {**version, "rows": rows, "t": opened}
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None


def version_changes(seen: dict, now: dict) -> tuple[list[str], list[str]]:
    """(fields changed, inline rows changed or gone) between what the form saw and now. Rows
    added since are not a conflict: the form never saw them and does not touch them."""
    fields = [name for name, digest in now["fields"].items() if seen["fields"].get(name) != digest]
    rows = [
        f"{inline}:{pk}"
        for inline, seen_rows in seen.get("rows", {}).items()
        for pk, digest in seen_rows.items()
        if now["rows"].get(inline, {}).get(pk) != digest
    ]
    return fields, rows


def changes_since(obj: models.Model, children: Children, since: datetime) -> list[str]:
    """Who changed `obj` or its inline rows after `since`, from their histories, newest first:
    one line a person, e.g. "bea at 14:02:07 (text, title; 3 passages changed)"."""
    people: dict[str, tuple[datetime, dict[str, int]]] = {}

    def note(record, what: str) -> None:
        who = record.history_user.get_username() if record.history_user_id else "an import"
        latest, items = people.setdefault(who, (record.history_date, {}))
        people[who] = (max(latest, record.history_date), items)
        items[what] = items.get(what, 0) + 1

    for record in obj.history.filter(history_date__gt=since).select_related("history_user"):
        previous = record.prev_record
        if previous is None:
            note(record, "made it")
        for change in record.diff_against(previous).changes if previous else ():
            note(record, change.field)
    for model, fk in children.values():
        history = model.history.filter(
            **{model._meta.get_field(fk).attname: obj.pk}, history_date__gt=since
        ).select_related("history_user")
        for record in history:
            action = {"+": "added", "-": "deleted", "~": "changed"}[record.history_type]
            note(record, f"{model._meta.verbose_name_plural} {action}")

    def said(items: dict[str, int]) -> str:
        fields = [what for what, n in items.items() if " " not in what or what == "made it"]
        rows = [f"{n} {what}" for what, n in items.items() if what not in fields]
        return "; ".join(part for part in (", ".join(fields), ", ".join(rows)) if part)

    ordered = sorted(people.items(), key=lambda person: person[1][0], reverse=True)
    return [
        f"{who} at {timezone.localtime(when):%H:%M:%S} ({said(items)})"
        for who, (when, items) in ordered
    ]


def value_excerpt(current: str, theirs: str, width: int = 120) -> str:
    """Where `current` differs from `theirs`: the current words around the first difference,
    with "…" where cut (a whole short value as it is)."""
    if len(current) <= 2 * width:
        return current
    first = len(os.path.commonprefix([current, theirs]))
    start = max(0, first - width // 2)
    end = min(len(current), start + width)
    return ("…" if start else "") + current[start:end] + ("…" if end < len(current) else "")

"""Keyset cursors for the JSON twins' `next` links: following `next` to page 1,000 costs what
page 1 costs, where `?page=1000` (still answered: a URL contract) makes the database walk past
24,975 rows first.

A cursor is an opaque, signed token naming a page number and the sort key of the row before that
page (the last row of the previous one), for one list: the same filters, the same ordering. The
page it opens holds exactly the rows `?page=N` would, while the list is unchanged. A cursor that
is malformed, tampered with, or from another list is refused (CursorError: a 400 that says why).
Only an ordering by columns that are never null, ending in the primary key, can have one.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

_SALT = "claims_app.cursors"


class CursorError(ValueError):
    """A cursor this list cannot follow."""


@dataclass(frozen=True)
class Keyset:
    """An ordering a cursor can follow: (field, descending) pairs, the last of them "pk"."""

    fields: tuple[tuple[str, bool], ...]

    def after(self, rows: QuerySet, key: list) -> QuerySet:
        """The rows of `rows` (in this ordering) that come after the row whose sort key is
        `key`."""
        meta = rows.model._meta
        try:
            values = [
                (meta.pk if f == "pk" else meta.get_field(f)).to_python(v)
                for (f, _), v in zip(self.fields, key, strict=True)
            ]
        except (ValidationError, TypeError, ValueError):
            raise CursorError("This cursor is not one this site made.") from None
        if None in values:
            raise CursorError("This cursor is not one this site made.")
        later = Q()
        for i, (name, descending) in enumerate(self.fields):
            same = {f: v for (f, _), v in zip(self.fields[:i], values, strict=False)}
            later |= Q(**same, **{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        return rows.filter(later)

    def key(self, row) -> list | None:
        """The sort key of `row`, for a cursor (None if a value is missing: no cursor then)."""
        key = [_plain(getattr(row, name)) for name, _ in self.fields]
        return None if None in key else key


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _list_id(query: dict[str, list[str]]) -> str:
    """What identifies a list among others: its parameters, less the page and cursor."""
    kept = sorted(
        (k, v) for k, values in query.items() if k not in ("page", "cursor") for v in values
    )
    return hashlib.sha256(repr(kept).encode()).hexdigest()[:16]


def cursor_make(*, query, number: int, key: list) -> str:
    """A cursor to page `number` of the list that `query` (a QueryDict) names, which starts after
    the row whose sort key is `key`."""
    return signing.dumps(
        {"l": _list_id(dict(query.lists())), "n": number, "k": key}, salt=_SALT, compress=True
    )


def cursor_read(token: str, *, query, keyset: Keyset) -> tuple[int, list]:
    """The page number and the sort key a cursor names, if it is sound and of this list."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise CursorError(
            "This cursor is not one this site made: follow a list's `next` link as it is."
        ) from None
    if not isinstance(data, dict) or data.get("l") != _list_id(dict(query.lists())):
        raise CursorError("This cursor belongs to another list (other filters or ordering).")
    number, key = data.get("n"), data.get("k")
    if (
        not isinstance(number, int)
        or number < 2
        or not isinstance(key, list)
        or len(key) != len(keyset.fields)
    ):
        raise CursorError("This cursor is not one this site made.")
    return number, key

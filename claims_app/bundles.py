"""Claims bundles (PRODUCT.md §5): JSON files of actors, sources and claims, with quotes rather
than offsets. `bundle_import` checks a whole bundle first and writes nothing unless every item is
right; each problem names its item (`claims[3].disputes[0].quote: …`).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import anchoring, caching, concurrency, dates, derived, extraction, search, transcripts
from .models import (
    Actor,
    Alias,
    Authorship,
    Claim,
    DeletedPassage,
    Dispute,
    Passage,
    Source,
    Statement,
    Topic,
    slug_base,
)

FORMAT = "claims-bundle/1"

_SLUG = re.compile(r"[-\w]+")
_WIKIDATA = re.compile(r"Q[1-9][0-9]*")


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# The longest strings the columns hold, by bundle key, read from the models.
_ACTOR_LENGTHS = {"name": _max_length(Actor, "name"), "wikidata": _max_length(Actor, "wikidata")}
_SOURCE_LENGTHS = {
    "key": _max_length(Source, "slug"),
    "title": _max_length(Source, "title"),
    "language": _max_length(Source, "language"),
    "url": _max_length(Source, "url"),
    "archive_url": _max_length(Source, "archive_url"),
}
_CLAIM_LENGTHS = {"key": _max_length(Claim, "slug"), "title": _max_length(Claim, "title")}
_QUANTITY_LENGTHS = {"unit": _max_length(Claim, "quantity_unit")}
_NAME_LENGTH = _max_length(Alias, "name")
_TOPIC_LENGTH = _max_length(Topic, "name")
# What a quantity column holds: 24 digits, 6 of them after the point.
_QUANTITY_LIMIT = Decimal(10) ** 18
_QUANTITY_STEP = Decimal("0.000001")
# What every database here stores exactly (SQLite keeps about 15), and a float holds.
_QUANTITY_DIGITS = 15

# The largest id a bundle may keep for a passage, statement, dispute or deleted passage: 2^53 - 1,
# the largest integer every JSON reader keeps exact (a JavaScript number), which a permalink's id
# in the twins must be. The id columns and their sequences count to 2^63 - 1: an id near that
# would leave the sequence nothing to give the next row (every later passage: an error), while
# after 2^53 - 1 some 9 * 10^18 ids remain.
ID_LIMIT = 2**53 - 1
_ID_RANGE = (
    f"ids go from 1 to {ID_LIMIT}, so that every JSON reader keeps them exact "
    "and later rows still have ids to take"
)

# The times every page, twin and feed can show: a time's UTC value (and its value in the site's
# TIME_ZONE) within years 1-9999. The last second stops short of its fractions: a feed's
# Last-Modified header counts in float seconds, which round 23:59:59.999999 into the year 10000.
_EARLIEST = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
_LATEST = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
_TIME_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"

# How deep a bundle's JSON may nest. A bundle needs 5 levels (bundle, claims, a claim, its
# statements, a statement); anything much deeper is a mistake or an attack, and Python's JSON
# parser and our checks recurse.
DEPTH_LIMIT = 20

# key: (type or types, required)
_DELETED_PASSAGE_KEYS = {
    "id": (int, True),
    "quote": (str, False),
    "source": (str, False),
    "source_title": (str, False),
    "deleted_at": (str, True),
}
_ACTOR_KEYS = {
    "name": (str, True),
    "kind": (str, True),
    "description": (str, False),
    "aliases": (list, False),
    "affiliation": ((str, type(None)), False),
    "wikidata": ((str, type(None)), False),
}
_SOURCE_KEYS = {
    "key": (str, True),
    "title": (str, True),
    # One of the two, or a file to read them from (see _Checker._text_and_breaks).
    "text": (str, False),
    "pages": (list, False),
    "file": (str, False),
    "turns": (list, False),
    "kind": (str, False),
    "url": ((str, type(None)), False),
    "archive_url": ((str, type(None)), False),
    "date": ((str, type(None)), False),
    "language": (str, False),
    "publisher": ((str, type(None)), False),
    "authors": (list, False),
}
_TURN_KEYS = {"speaker": (str, True), "text": (str, True)}
_CLAIM_KEYS = {
    "key": (str, True),
    "text": (str, True),
    "title": (str, False),
    "topics": (list, False),
    "quantity": ((dict, type(None)), False),
    "published": (bool, False),
    "published_at": (str, False),
    "statements": (list, False),
    "disputes": (list, False),
}
_STATEMENT_KEYS = {
    "actor": (str, True),
    "source": (str, True),
    "quote": (str, True),
    "prefix": (str, False),
    "suffix": (str, False),
    "date": ((str, type(None)), False),
    "note": (str, False),
    "passage": (int, False),
    "id": (int, False),
    "recorded_at": (str, False),
    "reported": ((bool, type(None)), False),
}
_DISPUTE_KEYS = {
    **_STATEMENT_KEYS,
    "kind": (str, True),
    "counterclaim": ((str, type(None)), False),
}
_QUANTITY_KEYS = {
    "value": ((int, float, str), True),
    "value_max": ((int, float, str, type(None)), False),
    "unit": (str, False),
    "qualifier": (str, False),
}


Progress = Callable[[str, int, int], None]  # (stage, done, total)
_BATCH = 1000


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


# Optional bundle keys and the planned fields each sets. A key the bundle leaves out leaves an
# existing object's value alone (a new object takes the default): mentioning an actor in a
# bundle must not erase its description, nor re-importing a claim publish a draft.
_OPTIONAL = {
    "actor": {
        "description": ["description"],
        "wikidata": ["wikidata"],
        "affiliation": ["affiliation"],
    },
    "source": {
        "kind": ["kind"],
        "url": ["url"],
        "archive_url": ["archive_url"],
        "date": ["date", "date_precision"],
        "language": ["language"],
        "publisher": ["publisher"],
        "authors": ["authors"],
    },
    "claim": {
        "title": ["title"],
        "topics": ["topics"],
        "published": ["published"],
        "published_at": ["published_at"],
        "quantity": ["quantity_value", "quantity_value_max", "quantity_unit", "quantity_qualifier"],
    },
    "citation": {
        "recorded_at": ["created_at"],
        "date": ["date", "date_precision"],
        "note": ["note"],
        "reported": ["reported"],
        "counterclaim": ["counterclaim"],
    },
}


def _given(item: dict, planned: dict, kind: str) -> dict:
    for key, fields in _OPTIONAL[kind].items():
        if key not in item:
            for name in fields:
                planned.pop(name, None)
    return planned


class BundleError(Exception):
    """A bundle that cannot be imported; `problems` lists every reason, each naming its item."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # Sources whose new text moved passages: what re-anchoring did to each.
    reanchored: dict[str, str] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1

    def __str__(self) -> str:
        made = ", ".join(f"{n} {kind}" for kind, n in sorted(self.created.items())) or "nothing"
        changed = ", ".join(f"{n} {kind}" for kind, n in sorted(self.updated.items())) or "nothing"
        return f"created {made}; updated {changed}"


class _Object(dict):
    """A JSON object as parsed from a file, remembering any key it was given more than once."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object(pairs)
    if len(result) != len(pairs):
        seen, repeated = set(), {}
        for key, _ in pairs:
            if key in seen:
                repeated[key] = True
            seen.add(key)
        result.repeated = tuple(repeated)
    return result


def _too_deep(value: Any) -> bool:
    """Whether `value` nests lists and objects more than DEPTH_LIMIT deep (without recursing)."""
    if not isinstance(value, (dict, list)):
        return False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > DEPTH_LIMIT:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


_TOO_DEEP = f"nested more than {DEPTH_LIMIT} levels deep (a bundle needs 5)"


def bundle_read(path: str | Path) -> dict:
    """Parse a bundle file; malformed JSON is a BundleError with its line and column, and so is
    JSON nested deeper than any bundle (every problem names the file). A key given twice in one
    object is kept as the checks' problem, naming the item."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BundleError([f"{path}: cannot be read ({error})"]) from None
    try:
        bundle = json.loads(raw, object_pairs_hook=_object)
    except json.JSONDecodeError as error:
        raise BundleError(
            [f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]
        ) from None
    except RecursionError:
        raise BundleError([f"{path}: {_TOO_DEEP}"]) from None
    if _too_deep(bundle):
        raise BundleError([f"{path}: {_TOO_DEEP}"])
    return bundle


# ---------------------------------------------------------------------------------------------
# Checking


@dataclass
class _Plan:
    """What a checked bundle will write, with every reference resolved."""

    actors: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    deleted_passages: list[dict] = field(default_factory=list)


class _Checker:
    def __init__(self, bundle: Any, folder: Path | None = None):
        self.bundle = bundle
        self.folder = folder  # where a source's `file` is found, if the bundle is a file
        self.problems: list[str] = []
        self.actor_names: dict[str, str] = {}  # any name or alias -> canonical name
        self.source_texts: dict[str, str | None] = {}  # key -> text (None: given wrong)
        self.source_items: dict[str, dict] = {}  # key -> the source as the bundle declares it
        self.claim_keys: set[str] = set()
        self.wikidata_ids: set[str] = set()
        self.declared_actors: dict[int, str] = {}  # existing actor's pk -> where declared

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(self, item: Any, where: str, spec: dict, lengths: dict | None = None) -> bool:
        lengths = lengths or {}
        if not isinstance(item, dict):
            self.problem(where, "must be an object")
            return False
        ok = True
        for key in sorted(set(item) - set(spec)):
            self.problem(f"{where}.{key}", "unknown key")
            ok = False
        for key, (types, required) in spec.items():
            if key not in item:
                if required:
                    self.problem(f"{where}.{key}", "is required")
                    ok = False
                continue
            value = item[key]
            if not isinstance(value, types) or (
                isinstance(value, bool) and bool not in _tuple(types)
            ):
                self.problem(f"{where}.{key}", f"has the wrong type ({type(value).__name__})")
                ok = False
            elif required and isinstance(value, str) and not value.strip():
                self.problem(f"{where}.{key}", "must not be empty")
                ok = False
            elif isinstance(value, str) and key in lengths and len(value) > lengths[key]:
                self.problem(f"{where}.{key}", f"is longer than {lengths[key]} characters")
                ok = False
        return ok

    def names(self, values: list, where: str, limit: int, what: str) -> list[str]:
        """A list of non-empty names, each within `limit` characters."""
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.problem(where, f"must be a list of {what}")
            return []
        for j, value in enumerate(values):
            if len(value) > limit:
                self.problem(f"{where}[{j}]", f"is longer than {limit} characters")
            if value in values[:j]:
                self.problem(f"{where}[{j}]", f"“{value}” is listed twice")
        return values

    def date(self, value: Any, where: str):
        if value is None:
            return None, dates.DAY
        try:
            return dates.partial_date_parse(value)
        except ValueError as error:
            self.problem(where, str(error))
            return None, dates.DAY

    def moment(self, value: Any, where: str):
        """An ISO 8601 date and time with its offset ("2026-11-25T23:19:47+00:00"), or None;
        within what pages can show, in UTC and in the site's time zone."""
        if value is None:
            return None
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.problem(where, f"“{value}” is not a date and time with its offset")
            return None
        try:
            timezone.localtime(moment)  # pages show it in the site's time zone
            shown = _EARLIEST <= moment <= _LATEST
        except OverflowError:
            shown = False
        if not shown:
            self.problem(where, f"“{value}” is outside what pages can show ({_TIME_RANGE})")
            return None
        return moment

    def kept_id(self, value: Any, where: str, what: str = "an id") -> None:
        """An id a bundle keeps: from 1 to ID_LIMIT."""
        if value is None:
            return
        if value < 1:
            self.problem(where, f"{value} is not {what} (1 or more)")
        elif value > ID_LIMIT:
            self.problem(where, f"{value} is too large ({_ID_RANGE})")

    def url(self, value: Any, where: str) -> str:
        if not value:
            return ""
        try:
            URLValidator()(value)
        except ValidationError:
            self.problem(where, f"“{value}” is not a valid URL")
        return value

    def actor(self, name: Any, where: str) -> str | None:
        canonical = self.actor_names.get(name)
        if canonical is None:
            matches = list(Actor.objects.by_name(name)[:2]) if isinstance(name, str) else []
            if not matches:
                self.problem(where, f"unknown actor “{name}”: declare it in `actors`")
                return None
            if len(matches) > 1:
                self.problem(where, f"“{name}” names more than one actor")
                return None
            canonical = self.actor_names[name] = matches[0].name
        return canonical

    def _check_strings(self, value: Any, where: str) -> None:
        """No NUL characters nor lone surrogates: no database stores them, no page shows them.
        No key given twice in one object (JSON keeps only the last: the other would be lost)."""
        for key in getattr(value, "repeated", []):
            self.problem(where, f"the key “{key}” is given twice")
        if isinstance(value, str):
            if "\x00" in value:
                self.problem(where, "contains a NUL character")
            elif any("\ud800" <= char <= "\udfff" for char in value):
                self.problem(where, "contains an unpaired surrogate (not valid Unicode)")
        elif isinstance(value, dict):
            for key, item in value.items():
                self._check_strings(item, f"{where}.{key}" if where != "bundle" else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._check_strings(item, f"{where}[{index}]")

    def check(self) -> _Plan:
        bundle = self.bundle
        if not isinstance(bundle, dict):
            raise BundleError(["bundle: must be a JSON object"])
        if _too_deep(bundle):
            raise BundleError([f"bundle: {_TOO_DEEP}"])
        known = {"format", "actors", "sources", "claims", "deleted_passages"}
        for key in sorted(set(bundle) - known):
            self.problem(key, "unknown key")
        if bundle.get("format") != FORMAT:
            self.problem("format", f"must be “{FORMAT}”")
        for key in ("actors", "sources", "claims", "deleted_passages"):
            if not isinstance(bundle.get(key, []), list):
                self.problem(key, "must be a list")
        self._check_strings(bundle, "bundle")
        if self.problems:
            raise BundleError(self.problems)
        plan = _Plan()
        self._check_actors(bundle.get("actors", []), plan)
        self._check_sources(bundle.get("sources", []), plan)
        self._check_claims(bundle.get("claims", []), plan)
        self._check_deleted_passages(bundle.get("deleted_passages", []), plan)
        if self.problems:
            raise BundleError(self.problems)
        return plan

    def _check_deleted_passages(self, items: list, plan: _Plan) -> None:
        """The tombstones of deleted passages: their ids answer 410 Gone, and are never reused."""
        for i, item in enumerate(items):
            where = f"deleted_passages[{i}]"
            if not self.keys(item, where, _DELETED_PASSAGE_KEYS):
                continue
            self.kept_id(item["id"], f"{where}.id", "a passage id")
            plan.deleted_passages.append(
                {
                    "id": item["id"],
                    "quote": item.get("quote", ""),
                    "source_slug": item.get("source", ""),
                    "source_title": item.get("source_title", ""),
                    "deleted_at": self.moment(item["deleted_at"], f"{where}.deleted_at"),
                }
            )

    def _check_actors(self, items: list, plan: _Plan) -> None:
        declared: list[tuple[str, dict]] = []
        for i, item in enumerate(items):
            where = f"actors[{i}]"
            if not self.keys(item, where, _ACTOR_KEYS, _ACTOR_LENGTHS):
                continue
            if item["kind"] not in Actor.Kind.values:
                self.problem(
                    f"{where}.kind",
                    f"“{item['kind']}” is not one of {', '.join(Actor.Kind.values)}",
                )
            if item.get("wikidata") and not _WIKIDATA.fullmatch(item["wikidata"]):
                self.problem(f"{where}.wikidata", f"“{item['wikidata']}” is not a Wikidata id (Q…)")
            aliases = self.names(item.get("aliases", []), f"{where}.aliases", _NAME_LENGTH, "names")
            existing = Actor.objects.by_name(item["name"]).first()
            if existing is not None:
                if existing.pk in self.declared_actors:
                    self.problem(
                        where,
                        f"declares {existing.name} again (as {self.declared_actors[existing.pk]})",
                    )
                self.declared_actors.setdefault(existing.pk, where)
            wikidata = item.get("wikidata")
            if wikidata:
                owner = Actor.objects.filter(wikidata=wikidata).first()
                if wikidata in self.wikidata_ids or (owner is not None and owner != existing):
                    self.problem(f"{where}.wikidata", f"{wikidata} is already another actor's")
                self.wikidata_ids.add(wikidata)
            for alias in aliases:
                owner = Actor.objects.by_name(alias).first()
                if owner is not None and owner != existing:
                    self.problem(f"{where}.aliases", f"“{alias}” already names {owner.name}")
            for name in [item["name"], *aliases]:
                if name in self.actor_names and self.actor_names[name] != item["name"]:
                    self.problem(where, f"the name “{name}” is already used by another actor")
                self.actor_names[name] = item["name"]
            declared.append((where, item))
        for where, item in declared:
            if item.get("affiliation"):
                affiliation = self.actor(item["affiliation"], f"{where}.affiliation")
                if affiliation == item["name"]:
                    self.problem(f"{where}.affiliation", "an actor cannot be affiliated to itself")
            plan.actors.append(
                _given(
                    item,
                    {
                        "name": item["name"],
                        "kind": item["kind"],
                        "description": item.get("description", ""),
                        "aliases": list(item.get("aliases", [])),
                        "affiliation": item.get("affiliation")
                        and self.actor_names.get(item["affiliation"]),
                        "wikidata": item.get("wikidata") or "",
                    },
                    "actor",
                )
            )

    def _check_sources(self, items: list, plan: _Plan) -> None:
        for i, item in enumerate(items):
            where = f"sources[{i}]"
            if not self.keys(item, where, _SOURCE_KEYS, _SOURCE_LENGTHS):
                continue
            key = item["key"]
            if not _SLUG.fullmatch(key):
                self.problem(f"{where}.key", f"“{key}” is not a slug (letters, digits, hyphens)")
            if key in self.source_texts:
                self.problem(f"{where}.key", f"“{key}” is declared twice")
            original = self._original(item, where) if "file" in item else None
            if "file" in item and not {"text", "pages", "turns"} & set(item):
                text, page_breaks = self._read(original, where) if original else (None, [])
            else:
                text, page_breaks = self._text_and_breaks(item, where)
            self.source_texts[key] = text
            self.source_items[key] = item
            kind = item.get("kind", Source.Kind.ARTICLE)
            if kind not in Source.Kind.values:
                self.problem(
                    f"{where}.kind", f"“{kind}” is not one of {', '.join(Source.Kind.values)}"
                )
            if "turns" in item and kind != Source.Kind.TRANSCRIPT:
                self.problem(
                    f"{where}.turns", "only a transcript has turns: give `kind`: “transcript”"
                )
            elif kind == Source.Kind.TRANSCRIPT and text is not None:
                self._check_turns(item, text, where)
            date, precision = self.date(item.get("date"), f"{where}.date")
            authors = self.names(
                item.get("authors", []), f"{where}.authors", _NAME_LENGTH, "actor names"
            )
            resolved = [self.actor(a, f"{where}.authors[{j}]") for j, a in enumerate(authors)]
            for j, name in enumerate(resolved):
                if name is not None and name in resolved[:j]:
                    self.problem(f"{where}.authors[{j}]", f"names {name} a second time")
            plan.sources.append(
                _given(
                    item,
                    {
                        "slug": key,
                        "title": item["title"],
                        # Both, always: a bundle's text (or pages) is the whole source, and a
                        # source given as text has no pages.
                        "text": text,
                        "page_breaks": page_breaks,
                        **({"original": original} if original else {}),
                        "kind": kind,
                        "url": self.url(item.get("url"), f"{where}.url"),
                        "archive_url": self.url(item.get("archive_url"), f"{where}.archive_url"),
                        "date": date,
                        "date_precision": precision,
                        "language": item.get("language", "en"),
                        "publisher": item.get("publisher")
                        and self.actor(item["publisher"], f"{where}.publisher"),
                        "authors": [
                            self.actor(a, f"{where}.authors[{j}]") for j, a in enumerate(authors)
                        ],
                    },
                    "source",
                )
            )

    def _check_turns(self, item: dict, text: str, where: str) -> None:
        """A transcript's turns are read from its text's `SPEAKER: words` lines on import: each
        label in capitals must name an actor, and a bundle's `turns` must read back as given."""

        def is_speaker(label: str) -> bool:
            return label in self.actor_names or Actor.objects.by_name(label).exists()

        read = transcripts.turns_read(text, is_speaker)
        if "turns" in item:
            _, given = transcripts.turns_join(
                [(turn["speaker"], turn["text"]) for turn in item["turns"]]
            )
            for j, turn in enumerate(given):
                if turn not in read:
                    self.problem(
                        f"{where}.turns[{j}].text",
                        "a line of it reads as another speaker's turn (“NAME: ”), or it ends "
                        "in blank space: it would not read back as one turn",
                    )
                    return
            lines = f"{where}.turns"
        else:
            lines = f"{where}.{'pages' if 'pages' in item else 'text'}"
        for turn in read:
            if not is_speaker(turn.label):
                line = text.count("\n", 0, turn.start) + 1
                self.problem(
                    lines,
                    f"line {line} gives the words of “{turn.label}”, who is no actor: declare "
                    "it in `actors` (or as an alias of one)",
                )

    def _text_and_breaks(self, item: dict, where: str) -> tuple[str | None, list[int]]:
        """A source's text and page breaks, from its `text`, its `pages` or its `turns` (one of
        them); no text if they are wrong (its quotes are then not looked for: the problem is
        here)."""
        given = [key for key in ("text", "pages", "turns") if key in item]
        if len(given) > 1:
            named = [f"`{key}`" for key in given]
            both = "both " if len(given) == 2 else ""
            self.problem(where, f"gives {both}{', '.join(named[:-1])} and {named[-1]}: give one")
            return None, []
        if "turns" in item:
            return self._turns_text(item["turns"], f"{where}.turns"), []
        if "pages" in item:
            pages = item["pages"]
            if not pages:
                self.problem(f"{where}.pages", "must not be empty (a list of page texts)")
                return None, []
            wrong = [j for j, page in enumerate(pages) if not isinstance(page, str)]
            for j in wrong:
                self.problem(
                    f"{where}.pages[{j}]",
                    f"must be a page's text (a string), not {type(pages[j]).__name__}",
                )
            if wrong:
                return None, []
            text, breaks = anchoring.pages_join(pages)
            if not text.strip():
                self.problem(f"{where}.pages", "every page is empty")
                return None, []
            return text, breaks
        if "text" not in item:
            self.problem(
                where,
                "needs `text` (the whole text), `pages` (a list of page texts) or `file` (a PDF "
                "or a saved web page beside the bundle), or for a transcript `turns` (a list of "
                "speakers' turns)",
            )
            return None, []
        if not item["text"].strip():
            self.problem(f"{where}.text", "must not be empty")
            return None, []
        return item["text"], []

    def _original(self, item: dict, where: str) -> extraction.Original | None:
        """The file a source's `file` names, relative to the bundle's folder (never outside
        it), if it is a PDF or a saved web page."""
        name = item["file"]
        if self.folder is None:
            self.problem(f"{where}.file", "a file is read beside a bundle file: import one")
            return None
        folder = self.folder.resolve()
        path = (folder / name).resolve()
        if Path(name).is_absolute() or not path.is_relative_to(folder):
            self.problem(f"{where}.file", f"“{name}” is not in the bundle's folder")
            return None
        try:
            data = path.read_bytes()
        except OSError as error:
            self.problem(f"{where}.file", f"“{name}” cannot be read ({error.strerror})")
            return None
        try:
            return extraction.Original(extraction.document_kind(data), data)
        except extraction.ExtractionError as error:
            self.problem(f"{where}.file", f"“{name}”: {error}")
            return None

    def _read(self, original: extraction.Original, where: str) -> tuple[str | None, list[int]]:
        """A source's text and page breaks read from its file."""
        try:
            read = extraction.document_extract(original.data)
        except extraction.ExtractionError as error:
            self.problem(f"{where}.file", str(error))
            return None, []
        return anchoring.pages_join(read.pages)

    def _turns_text(self, turns: list, where: str) -> str | None:
        """The text of a transcript's `turns`: each "SPEAKER: words", one after another."""
        if not turns:
            self.problem(where, "must not be empty (a list of speakers' turns)")
            return None
        ok = True
        for j, turn in enumerate(turns):
            if not self.keys(turn, f"{where}[{j}]", _TURN_KEYS):
                ok = False
                continue
            if self.actor(turn["speaker"], f"{where}[{j}].speaker") is None:
                ok = False
            if not turn["text"].strip():
                self.problem(f"{where}[{j}].text", "must not be empty")
                ok = False
            elif ":" in turn["speaker"] or "\n" in turn["speaker"]:
                self.problem(f"{where}[{j}].speaker", "a speaker's name in a turn has no “:”")
                ok = False
        if not ok:
            return None
        text, _ = transcripts.turns_join([(turn["speaker"], turn["text"]) for turn in turns])
        return text

    def _source_text(self, key: str, where: str) -> str | None:
        if key not in self.source_texts:
            existing = Source.objects.filter(slug=key).values_list("text", flat=True).first()
            if existing is None:
                self.problem(where, f"unknown source “{key}”: declare it in `sources`")
                return None
            self.source_texts[key] = existing
        return self.source_texts[key]

    def _voiced(self, key: str) -> bool:
        """Whether source `key` has an author or a publisher (as the bundle declares it, or as
        the database holds what the bundle leaves out): someone who can report words."""
        declared = self.source_items.get(key, {})
        existing = Source.objects.filter(slug=key)
        if "authors" in declared:
            authors = bool(declared["authors"])
        else:
            authors = existing.filter(authorships__isnull=False).exists()
        if "publisher" in declared:
            publisher = bool(declared["publisher"])
        else:
            publisher = existing.filter(publisher__isnull=False).exists()
        return authors or publisher

    def _check_claims(self, items: list, plan: _Plan) -> None:
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                self.claim_keys.add(item["key"])
        seen: set[str] = set()
        for i, item in enumerate(items):
            where = f"claims[{i}]"
            if not self.keys(item, where, _CLAIM_KEYS, _CLAIM_LENGTHS):
                continue
            key = item["key"]
            if not _SLUG.fullmatch(key):
                self.problem(f"{where}.key", f"“{key}” is not a slug (letters, digits, hyphens)")
            if key in seen:
                self.problem(f"{where}.key", f"“{key}” is declared twice")
            seen.add(key)
            topics = self.names(
                item.get("topics", []), f"{where}.topics", _TOPIC_LENGTH, "topic names"
            )
            plan.claims.append(
                _given(
                    item,
                    {
                        "slug": key,
                        "text": item["text"],
                        "title": item.get("title", ""),
                        "topics": topics,
                        "published": item.get("published"),
                        "published_at": self.moment(
                            item.get("published_at"), f"{where}.published_at"
                        ),
                        **self._quantity(item.get("quantity"), f"{where}.quantity"),
                        "statements": self._citations(
                            item.get("statements", []), f"{where}.statements", _STATEMENT_KEYS, key
                        ),
                        "disputes": self._citations(
                            item.get("disputes", []), f"{where}.disputes", _DISPUTE_KEYS, key
                        ),
                    },
                    "claim",
                )
            )

    def _citations(self, items: list, where: str, spec: dict, claim_key: str) -> list:
        """A claim's statements (or disputes), each actor citing each passage once."""
        citations, first = [], {}
        for j, item in enumerate(items):
            citation = self._citation(item, f"{where}[{j}]", spec, claim_key=claim_key)
            citations.append(citation)
            if citation and citation["actor"] and citation["span"]:
                same = (citation["actor"], citation["source"], citation["span"])
                if same in first:
                    self.problem(
                        f"{where}[{j}]",
                        f"repeats {where}[{first[same]}] (the same actor and passage)",
                    )
                first.setdefault(same, j)
        return citations

    def _quantity(self, quantity: dict | None, where: str) -> dict:
        empty = {
            "quantity_value": None,
            "quantity_value_max": None,
            "quantity_unit": "",
            "quantity_qualifier": "",
        }
        if quantity is None or not self.keys(quantity, where, _QUANTITY_KEYS, _QUANTITY_LENGTHS):
            return empty
        values = {}
        for key in ("value", "value_max"):
            raw = quantity.get(key)
            if raw is None:
                values[key] = None
                continue
            try:
                values[key] = Decimal(str(raw))
                if not values[key].is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                self.problem(f"{where}.{key}", f"“{raw}” is not a number")
                values[key] = None
                continue
            if abs(values[key]) >= _QUANTITY_LIMIT:
                self.problem(f"{where}.{key}", f"{raw} is too large (the limit is 10^18)")
            elif values[key] != values[key].quantize(_QUANTITY_STEP):
                self.problem(f"{where}.{key}", f"{raw} has more than 6 decimal places")
            elif len(values[key].normalize().as_tuple().digits) > _QUANTITY_DIGITS:
                self.problem(
                    f"{where}.{key}",
                    f"{raw} has more than {_QUANTITY_DIGITS} significant digits",
                )
        if values["value_max"] is not None and values["value"] is not None:
            if values["value_max"] < values["value"]:
                self.problem(f"{where}.value_max", "is below value")
        qualifier = quantity.get("qualifier", "")
        if qualifier not in Claim.Qualifier.values:
            self.problem(
                f"{where}.qualifier",
                f"“{qualifier}” is not one of {', '.join(repr(q) for q in Claim.Qualifier.values)}",
            )
        return {
            "quantity_value": values["value"],
            "quantity_value_max": values["value_max"],
            "quantity_unit": quantity.get("unit", ""),
            "quantity_qualifier": qualifier,
        }

    def _citation(self, item: Any, where: str, spec: dict, claim_key: str = "") -> dict | None:
        if not self.keys(item, where, spec):
            return None
        actor = self.actor(item["actor"], f"{where}.actor")
        text = self._source_text(item["source"], f"{where}.source")
        span = None
        if text is not None:
            try:
                span = anchoring.quote_locate(
                    text,
                    item["quote"],
                    prefix=item.get("prefix", ""),
                    suffix=item.get("suffix", ""),
                )
            except (anchoring.QuoteNotFound, anchoring.QuoteAmbiguous) as error:
                message = str(error).replace("in the text", f"in source “{item['source']}”")
                self.problem(f"{where}.quote", message)
        date, precision = self.date(item.get("date"), f"{where}.date")
        if item.get("reported") is True and text is not None and not self._voiced(item["source"]):
            self.problem(
                f"{where}.reported",
                f"true, but source “{item['source']}” names neither an author nor a publisher "
                "to report these words: name one, or leave `reported` out",
            )
        passage = item.get("passage")
        self.kept_id(passage, f"{where}.passage", "a passage id")
        self.kept_id(item.get("id"), f"{where}.id")
        citation = {
            "actor": actor,
            "source": item["source"],
            "span": span,
            "passage": passage,
            "id": item.get("id"),
            "created_at": self.moment(item.get("recorded_at"), f"{where}.recorded_at"),
            "date": date,
            "date_precision": precision,
            "note": item.get("note", ""),
            "reported": item.get("reported"),
        }
        if "kind" in spec:
            if item["kind"] not in Dispute.Kind.values:
                self.problem(
                    f"{where}.kind",
                    f"“{item['kind']}” is not one of {', '.join(Dispute.Kind.values)}",
                )
            counterclaim = item.get("counterclaim")
            if counterclaim is not None:
                if counterclaim == claim_key:
                    self.problem(f"{where}.counterclaim", "a claim cannot be its own counterclaim")
                elif (
                    counterclaim not in self.claim_keys
                    and not Claim.objects.filter(slug=counterclaim).exists()
                ):
                    self.problem(f"{where}.counterclaim", f"unknown claim “{counterclaim}”")
            citation.update(kind=item["kind"], counterclaim=counterclaim)
        return _given(item, citation, "citation")


def _tuple(types) -> tuple:
    return types if isinstance(types, tuple) else (types,)


# ---------------------------------------------------------------------------------------------
# Exporting


def bundle_export(
    *,
    progress: Progress | None = None,
    left_out: Callable[[str], None] | None = None,
    files_to: Path | str | None = None,
) -> dict:
    """The whole record as one bundle, in a stable order with stable keys, so that the same data
    always exports to the same bytes. Passages no statement or dispute cites are not in it: a
    bundle has no place for them."""
    actors = Actor.objects.select_related("affiliation").prefetch_related("aliases")
    sources = Source.objects.select_related("publisher").prefetch_related(
        "authorships__actor", "turns"
    )
    citations = {
        "statements": Statement.objects.select_related("actor", "passage__source"),
        "disputes": Dispute.objects.select_related("actor", "passage__source", "counterclaim"),
    }
    claims = Claim.objects.prefetch_related(
        "topics", *(Prefetch(name, queryset=qs) for name, qs in citations.items())
    )
    left_out = left_out or (lambda message: None)
    return {
        "format": FORMAT,
        "actors": [_actor_item(actor) for actor in actors.order_by("name")],
        "sources": [
            _source_item(source, left_out, files_to) for source in sources.order_by("slug")
        ],
        "claims": _claim_items(claims.order_by("slug"), progress or _no_progress, left_out),
        # Their addresses answer 410 Gone, naming what was there; a restore keeps that.
        "deleted_passages": [
            _optional(
                {"id": tombstone.pk},
                quote=tombstone.quote,
                source=tombstone.source_slug,
                source_title=tombstone.source_title,
                deleted_at=tombstone.deleted_at.isoformat(),
            )
            for tombstone in DeletedPassage.objects.order_by("pk")
        ],
    }


def _claim_items(claims, progress: Progress, left_out: Callable[[str], None]) -> list[dict]:
    claims = list(claims)
    items = []
    for done, claim in enumerate(claims, 1):
        items.append(_claim_item(claim, left_out))
        if done % _BATCH == 0 or done == len(claims):
            progress("claims", done, len(claims))
    return items


def bundle_dumps(bundle: dict) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def _optional(item: dict, **values) -> dict:
    item.update({key: value for key, value in values.items() if value not in ("", None, [])})
    return item


def _actor_item(actor: Actor) -> dict:
    return _optional(
        {"name": actor.name, "kind": actor.kind},
        description=actor.description,
        aliases=sorted(alias.name for alias in actor.aliases.all()),
        affiliation=actor.affiliation.name if actor.affiliation else None,
        wikidata=actor.wikidata,
    )


def _source_item(
    source: Source, left_out: Callable[[str], None], files_to: Path | str | None = None
) -> dict:
    item = {
        "key": source.slug,
        "title": source.title,
        "kind": source.kind,
        "url": source.url or None,
        "date": source.date_iso or None,
        "language": source.language,
        "publisher": source.publisher.name if source.publisher else None,
        "authors": [authorship.actor.name for authorship in source.authorships.all()],
    }
    _optional(item, archive_url=source.archive_url)
    breaks = source.page_breaks
    problem = anchoring.page_breaks_problem(source.text, breaks) if breaks else None
    if problem:
        # Breaks that no longer fit the text would cut pages that do not join back into it:
        # the text alone imports as it is.
        left_out(f"source “{source.slug}”: its pages are left out, exported as one text: {problem}")
    turns = (
        [(turn.start, turn.end, turn.speaker_id) for turn in source.turns.all()]
        if source.kind == Source.Kind.TRANSCRIPT
        else []
    )
    split = transcripts.turns_split(source.text, [t[:2] for t in turns]) if turns else None
    if breaks and not problem:
        item["pages"] = anchoring.pages_split(source.text, breaks)
    elif split and not breaks:
        item["turns"] = [{"speaker": label, "text": words} for label, words in split]
    else:
        item["text"] = source.text
    if files_to is not None and source.original_kind:
        # Beside the bundle, so that a restore brings it back (its text is the pages above:
        # a file given with them is kept, not read again).
        name = f"{source.slug}.original.{source.original_kind}"
        try:
            with source.original.open("rb") as original:
                (Path(files_to) / name).write_bytes(original.read())
        except OSError as error:
            left_out(f"source “{source.slug}”: its original file is left out ({error})")
        else:
            item["file"] = name
    if turns:
        # An import reads them again from the text's `SPEAKER: words` lines: turns marked by
        # hand elsewhere are not carried.
        read = transcripts.turns_read(source.text, lambda label: True)
        if [(t.start, t.end) for t in read] != [t[:2] for t in turns]:
            left_out(
                f"source “{source.slug}”: its turns are left out (they are not its text's "
                "“SPEAKER: words” lines, which an import reads them from)"
            )
    return item


def _number(value: Decimal | None):
    if value is None:
        return None
    # Quantities have at most 15 significant digits, which a float holds exactly.
    return int(value) if value == value.to_integral_value() else float(value)


def _claim_item(claim: Claim, left_out: Callable[[str], None]) -> dict:
    item = _optional({"key": claim.slug, "text": claim.text}, title=claim.title)
    item["topics"] = sorted(topic.name for topic in claim.topics.all())
    if claim.quantity_value is not None:
        item["quantity"] = _optional(
            {"value": _number(claim.quantity_value)},
            value_max=_number(claim.quantity_value_max),
            unit=claim.quantity_unit,
            qualifier=claim.quantity_qualifier,
        )
    item["published"] = claim.published
    if claim.published_at is not None:
        # When it was first published: the order of lists and feeds depends on it.
        item["published_at"] = claim.published_at.isoformat()
    item["statements"] = [
        _citation_item(s) for s in _exportable(claim.statements.all(), "statement", left_out)
    ]
    item["disputes"] = [
        _optional(
            _citation_item(d, kind=d.kind),
            counterclaim=d.counterclaim.slug if d.counterclaim else None,
        )
        for d in _exportable(claim.disputes.all(), "dispute", left_out)
    ]
    return item


def _exportable(citations, role: str, left_out: Callable[[str], None]) -> list:
    """Citations in a stable order, each actor citing each span once. A bundle cites words of
    the text as it is now: a changed passage goes out as its closest current words where those
    are worth offering; one with nothing close cannot be written in a bundle, and is named."""
    kept, seen = [], set()
    for citation in sorted(
        citations,
        key=lambda c: (c.passage.source.slug, c.passage.start, c.passage.end, c.actor.name, c.pk),
    ):
        passage = citation.passage
        if passage.changed and not (passage.offers_match and passage.current_words.strip()):
            left_out(
                f"claim “{citation.claim.slug}”: the {role} by {citation.actor.name} is left out: "
                f"its passage #{passage.pk} changed and nothing close to “{passage.quote}” remains"
            )
            continue
        same = (citation.actor_id, passage.source_id, passage.start, passage.end)
        if same not in seen:
            seen.add(same)
            kept.append(citation)
    return kept


def _citation_item(citation, **extra) -> dict:
    passage = citation.passage
    item = {
        "actor": citation.actor.name,
        **extra,
        "source": passage.source.slug,
        # A bundle cites words of the text as it is: a changed passage exports its best match.
        "quote": passage.current_words,
    }
    item.update(anchoring.quote_selector(passage.source.text, passage.start, passage.end))
    # The passage's id, so that its permalink survives a restore; not for a changed passage,
    # whose id stands for words the bundle does not carry.
    return _optional(
        item,
        date=citation.date_iso,
        note=citation.note,
        # A curator's word on whether these are the actor's own words (none: as derived).
        reported=citation.reported,
        passage=None if passage.changed else passage.pk,
        # Its id and when it entered the record: its anchor on the claim's page, its feed entry,
        # and where it stands among the newest, survive a restore.
        id=citation.pk,
        recorded_at=citation.created_at.isoformat(),
    )


# ---------------------------------------------------------------------------------------------
# Writing


def bundle_import(
    bundle: Any, *, progress: Progress | None = None, folder: Path | str | None = None
) -> ImportReport:
    """Check `bundle` whole, then write it in one transaction.

    Items are matched to what the database has (actors by name or alias, sources and claims by
    key) and updated to the bundle's values; nothing is deleted. Importing the same bundle twice
    changes nothing. Raises BundleError, having written nothing, if any item is wrong. Rows are
    written in bulk (with their history), so that tens of thousands of claims import quickly.
    """
    folder = Path(folder) if folder is not None else None
    return concurrency.write_retried(
        lambda: _bundle_write(bundle, progress or _no_progress, folder)
    )


def _keys_named(bundle: Any) -> tuple[set[str], set[str]]:
    """The keys of the sources and of the claims a bundle names (what is not a string is its
    checker's business)."""

    def items(value) -> list[dict]:
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    if not isinstance(bundle, dict):
        return set(), set()
    claims = items(bundle.get("claims"))
    named = [(item, "key") for item in items(bundle.get("sources"))]
    for claim in claims:
        named += [
            (item, "source")
            for role in ("statements", "disputes")
            for item in items(claim.get(role))
        ]
    sources = {item.get(name) for item, name in named}
    return (
        {key for key in sources if isinstance(key, str)},
        {claim.get("key") for claim in claims if isinstance(claim.get("key"), str)},
    )


def _bundle_write(bundle: Any, progress: Progress, folder: Path | None) -> ImportReport:
    # The sources' texts are read (quotes found) under their locks: another curator's edit of
    # a text cannot come between finding a quote and writing its passage; nor can a curator's
    # save of one of its claims come between its version check and its save.
    source_keys, claim_keys = _keys_named(bundle)
    concurrency.rows_lock(
        source_ids=Source.objects.filter(slug__in=source_keys).values_list("pk", flat=True),
        claim_ids=Claim.objects.filter(slug__in=claim_keys).values_list("pk", flat=True),
    )
    plan = _Checker(bundle, folder).check()
    writer = _Writer(progress)
    with transaction.atomic():
        writer.actors(plan.actors)
        writer.sources(plan.sources)
        writer.claims(plan.claims)
        writer.citations(plan.claims)
        writer.deleted_passages(plan.deleted_passages)
        claim_ids = [c.pk for c in writer.claim_by_slug.values()]
        search.claims_search_refresh(claim_ids=claim_ids)
        derived.derived_refresh(
            claim_ids=[
                *claim_ids,
                *derived.claim_ids_citing(source_ids=writer.redated_source_ids),
            ],
            source_ids=[s.pk for s in writer.source_by_slug.values()],
            actor_ids=[a.pk for a in writer.actor_by_name.values()] + writer.former_actor_ids,
        )
        caching.record_changed()  # rows written in bulk send no signals
    return writer.report


def _passage_ids_past(last: int) -> None:
    """Make the next new passage's id greater than `last`."""
    table = Passage._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST(%s, (SELECT COALESCE(MAX(id), 1) FROM {table})))",
                [last],
            )
        elif connection.vendor == "sqlite":  # AUTOINCREMENT keeps the last id in sqlite_sequence
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last]
                )
            elif row[0] < last:
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, table])


def _changed_fields(obj, values: dict) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


class _SlugMaker:
    """Unique slugs for many new objects at once, without a query per object."""

    def __init__(self, model):
        self.taken = set(model.objects.values_list("slug", flat=True))

    def make(self, obj) -> str:
        base = slug_base(obj)
        slug, n = base, 1
        while slug in self.taken:
            n += 1
            slug = f"{base}-{n}"
        self.taken.add(slug)
        return slug


class _Writer:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.report = ImportReport()
        self.actor_by_name: dict[str, Actor] = {}
        self.source_by_slug: dict[str, Source] = {}
        self.claim_by_slug: dict[str, Claim] = {}
        self.new_claim_ids: set[int] = set()
        # What a refresh of the derived columns must reach beyond the bundle's own objects:
        # former authors and publishers, and the claims of sources with a new date.
        self.former_actor_ids: list[int] = []
        self.redated_source_ids: list[int] = []

    def _save(self, model, new: list, changed: list, fields: set[str], label: str) -> None:
        if new:
            bulk_create_with_history(new, model, batch_size=_BATCH)
            self.report.created[label] = self.report.created.get(label, 0) + len(new)
        if changed:
            if any(f.name == "updated_at" for f in model._meta.fields):
                now = timezone.now()
                for obj in changed:
                    obj.updated_at = now
                fields = {*fields, "updated_at"}
            bulk_update_with_history(changed, model, sorted(fields), batch_size=_BATCH)
            self.report.updated[label] = self.report.updated.get(label, 0) + len(changed)

    def _actor(self, name: str) -> Actor:
        if name not in self.actor_by_name:
            self.actor_by_name[name] = Actor.objects.by_name(name).get()
        return self.actor_by_name[name]

    def actors(self, items: list[dict]) -> None:
        names = [item["name"] for item in items]
        for actor in Actor.objects.filter(name__in=names):
            self.actor_by_name[actor.name] = actor
        for alias in Alias.objects.filter(name__in=names).select_related("actor"):
            # An actor named by one of its aliases keeps its own name.
            self.actor_by_name[alias.name] = alias.actor
        slugs = _SlugMaker(Actor)
        new, changed, fields = [], [], set()
        for item in items:
            values = {k: item[k] for k in ("kind", "description", "wikidata") if k in item}
            actor = self.actor_by_name.get(item["name"])
            if actor is None:
                actor = self.actor_by_name[item["name"]] = Actor(name=item["name"], **values)
                actor.slug = slugs.make(actor)
                new.append(actor)
            elif names_changed := _changed_fields(actor, values):
                for name in names_changed:
                    setattr(actor, name, values[name])
                fields.update(names_changed)
                changed.append(actor)
        self._save(Actor, new, changed, fields, "actors")

        existing_aliases = set(Alias.objects.values_list("name", flat=True))
        aliases = [
            Alias(actor=self.actor_by_name[item["name"]], name=alias)
            for item in items
            for alias in item["aliases"]
            if alias not in existing_aliases
        ]
        self._save(Alias, aliases, [], set(), "aliases")

        affiliated = []
        for item in items:
            if "affiliation" not in item:
                continue
            actor = self.actor_by_name[item["name"]]
            wanted = self._actor(item["affiliation"]).pk if item["affiliation"] else None
            if actor.affiliation_id != wanted:
                actor.affiliation_id = wanted
                affiliated.append(actor)
        if affiliated:
            bulk_update_with_history(affiliated, Actor, ["affiliation"], batch_size=_BATCH)
        self.progress("actors", len(items), len(items))

    def sources(self, items: list[dict]) -> None:
        existing = Source.objects.in_bulk([item["slug"] for item in items], field_name="slug")
        new, changed, fields, retexted, turned = [], [], set(), [], []
        for item in items:
            values = {
                k: v
                for k, v in item.items()
                if k not in ("slug", "authors", "publisher", "original")
            }
            if "publisher" in item:
                values["publisher_id"] = (
                    self._actor(item["publisher"]).pk if item["publisher"] else None
                )
            source = existing.get(item["slug"])
            if source is None:
                source = Source(slug=item["slug"], **values)
                new.append(source)
                turned.append(source)
            elif names_changed := _changed_fields(source, values):
                if "text" in names_changed:
                    retexted.append(source)
                if {"text", "kind"} & set(names_changed):
                    turned.append(source)
                if "publisher_id" in names_changed:
                    self.former_actor_ids.append(source.publisher_id)
                if {"date", "date_precision"} & set(names_changed):
                    self.redated_source_ids.append(source.pk)
                for name in names_changed:
                    setattr(source, name, values[name])
                fields.update(names_changed)
                changed.append(source)
            self.source_by_slug[item["slug"]] = source
        self._save(Source, new, changed, fields, "sources")
        for source in retexted:
            self.report.reanchored[source.slug] = str(source.passages_reanchor())
        for item in items:
            if "original" in item:
                # Stored as the rows are written: a file stored for an import that then fails
                # stays behind, named by no source.
                original = item["original"]
                self.source_by_slug[item["slug"]].original_store(original.kind, original.data)
        for source in turned:
            # Written in bulk, without Source.save: its turns are read here (the actors they
            # name are written already).
            source.turns_read()

        current: dict[int, list[int]] = {}
        for source_id, actor_id in Authorship.objects.filter(
            source__in=[s.pk for s in self.source_by_slug.values()]
        ).values_list("source_id", "actor_id"):
            current.setdefault(source_id, []).append(actor_id)
        stale, authorships = [], []
        for item in items:
            if "authors" not in item:
                continue
            source = self.source_by_slug[item["slug"]]
            wanted = [self._actor(name).pk for name in item["authors"]]
            if current.get(source.pk, []) != wanted:
                stale.append(source.pk)
                authorships += [
                    Authorship(source=source, actor_id=actor_id, position=position)
                    for position, actor_id in enumerate(wanted)
                ]
        if stale:
            authorships_stale = Authorship.objects.filter(source__in=stale)
            self.former_actor_ids += authorships_stale.values_list("actor_id", flat=True)
            authorships_stale.delete()
        if authorships:
            bulk_create_with_history(authorships, Authorship, batch_size=_BATCH)
        self.progress("sources", len(items), len(items))

    def claims(self, items: list[dict]) -> None:
        existing = Claim.objects.in_bulk([item["slug"] for item in items], field_name="slug")
        now = timezone.now()
        new, changed, fields = [], [], set()
        for done, item in enumerate(items, 1):
            values = {
                k: v
                for k, v in item.items()
                if k not in ("slug", "topics", "statements", "disputes")
            }
            claim = existing.get(item["slug"])
            if claim is None:
                values.setdefault("published", True)  # a bundle's claims are published unless said
                claim = Claim(slug=item["slug"], **values)
                if claim.published_at is None and claim.published:
                    claim.published_at = now
                new.append(claim)
            elif names_changed := _changed_fields(claim, values):
                for name in names_changed:
                    setattr(claim, name, values[name])
                if claim.published and claim.published_at is None:
                    claim.published_at = now
                    names_changed.append("published_at")
                fields.update(names_changed)
                changed.append(claim)
            self.claim_by_slug[item["slug"]] = claim
            if done % _BATCH == 0:
                self.progress("claims", done, len(items))
        self._save(Claim, new, changed, fields, "claims")
        self.new_claim_ids = {claim.pk for claim in new}
        self.progress("claims", len(items), len(items))
        self._topics(items)

    def _topics(self, items: list[dict]) -> None:
        items = [item for item in items if "topics" in item]
        names = {name for item in items for name in item["topics"]}
        topics = {topic.name: topic for topic in Topic.objects.filter(name__in=names)}
        slugs = _SlugMaker(Topic)
        new = []
        for name in sorted(names - set(topics)):
            topic = topics[name] = Topic(name=name)
            topic.slug = slugs.make(topic)
            new.append(topic)
        self._save(Topic, new, [], set(), "topics")
        through = Claim.topics.through
        claim_ids = [c.pk for c in self.claim_by_slug.values()]
        current: dict[int, set[int]] = {}
        for claim_id, topic_id in through.objects.filter(claim__in=claim_ids).values_list(
            "claim_id", "topic_id"
        ):
            current.setdefault(claim_id, set()).add(topic_id)
        links = []
        for item in items:
            claim = self.claim_by_slug[item["slug"]]
            wanted = {topics[name].pk for name in item["topics"]}
            if claim.pk not in self.new_claim_ids or not wanted:
                if current.get(claim.pk, set()) != wanted:
                    claim.topics.set(wanted)  # rare after a claim's first import
            else:
                links += [through(claim_id=claim.pk, topic_id=pk) for pk in sorted(wanted)]
        if links:
            # A new claim's topics, in bulk, recorded on the claim's first historical record
            # as `.set()` would have done one claim at a time.
            through.objects.bulk_create(links, batch_size=_BATCH)
            first_record = dict(
                Claim.history.filter(
                    id__in={link.claim_id for link in links}, history_type="+"
                ).values_list("id", "history_id")
            )
            record_model = Claim.history.model._meta.get_field(
                "historicalclaim_topics"
            ).related_model
            record_model.objects.bulk_create(
                [
                    record_model(
                        id=link.pk,
                        history_id=first_record[link.claim_id],
                        claim_id=link.claim_id,
                        topic_id=link.topic_id,
                    )
                    for link in links
                    if link.claim_id in first_record
                ],
                batch_size=_BATCH,
            )

    def citations(self, items: list[dict]) -> None:
        passages = self._passages(items)
        claim_ids = [c.pk for c in self.claim_by_slug.values()]
        for model, key, extra in (
            (Statement, "statements", ("created_at", "date", "date_precision", "note", "reported")),
            (
                Dispute,
                "disputes",
                (
                    "created_at",
                    "date",
                    "date_precision",
                    "note",
                    "reported",
                    "kind",
                    "counterclaim_id",
                ),
            ),
        ):
            existing = {
                (row.claim_id, row.actor_id, row.passage_id): row
                for row in model.objects.filter(claim__in=claim_ids)
            }
            new, changed, fields = [], [], set()
            wanted = {c["id"] for item in items for c in item[key] if c.get("id")}
            taken = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            for item in items:
                claim = self.claim_by_slug[item["slug"]]
                for citation in item[key]:
                    passage = passages[(citation["source"], citation["span"])]
                    actor = self._actor(citation["actor"])
                    values = {name: citation.get(name) for name in extra if name in citation}
                    if "counterclaim" in citation:
                        counterclaim = citation["counterclaim"]
                        values["counterclaim_id"] = (
                            self._claim(counterclaim).pk if counterclaim else None
                        )
                    row = existing.get((claim.pk, actor.pk, passage.pk))
                    if row is None:
                        row = model(claim=claim, actor=actor, passage=passage, **values)
                        if citation.get("id") and citation["id"] not in taken:
                            row.pk = citation["id"]  # its anchor (#dispute-<id>) survives
                            taken.add(row.pk)
                        existing[(claim.pk, actor.pk, passage.pk)] = row
                        new.append(row)
                    elif names_changed := _changed_fields(row, values):
                        for name in names_changed:
                            setattr(row, name, values[name])
                        fields.update(names_changed)
                        changed.append(row)
            self._save_keeping_ids(model, new, key)
            self._save(model, [], changed, fields, key)
            self.progress(key, len(new) + len(changed), len(new) + len(changed))

    def _claim(self, slug: str) -> Claim:
        if slug not in self.claim_by_slug:
            self.claim_by_slug[slug] = Claim.objects.get(slug=slug)
        return self.claim_by_slug[slug]

    def _passages(self, items: list[dict]) -> dict:
        """Every cited span as a passage: the one there already, or a new one."""
        wanted, ids = set(), {}
        for item in items:
            for key in ("statements", "disputes"):
                for citation in item[key]:
                    wanted.add((citation["source"], citation["span"]))
                    if citation.get("passage"):
                        ids.setdefault((citation["source"], citation["span"]), citation["passage"])
        # An id the bundle gives a new passage is kept if no passage has it, nor ever had it
        # (a deleted passage's id is never given again): a restored record keeps its permalinks.
        taken = {
            *Passage.objects.filter(pk__in=ids.values()).values_list("pk", flat=True),
            *DeletedPassage.objects.filter(pk__in=ids.values()).values_list("pk", flat=True),
        }
        sources = {slug: self._source(slug) for slug, _ in wanted}
        by_span = {}
        # A changed passage cites other words than those at its span now (see `holding`).
        for passage in Passage.objects.filter(
            source__in=[s.pk for s in sources.values()], changed=False
        ):
            by_span.setdefault((passage.source_id, passage.start, passage.end), passage)
        found, new = {}, []
        for slug, span in sorted(wanted, key=lambda w: (w[0], w[1].start, w[1].end)):
            source = sources[slug]
            passage = by_span.get((source.pk, span.start, span.end))
            if passage is None:
                text = source.text
                passage = Passage(
                    source=source,
                    start=span.start,
                    end=span.end,
                    quote=text[span.start : span.end],
                    prefix=anchoring.context_before(text, span.start),
                    suffix=anchoring.context_after(text, span.end),
                )
                given = ids.get((slug, span))
                if given is not None and given not in taken:
                    passage.pk = given
                    taken.add(given)
                new.append(passage)
            found[(slug, span)] = passage
        self._save_keeping_ids(Passage, new, "passages")
        return found

    def deleted_passages(self, items: list[dict]) -> None:
        """Tombstones for ids that no passage has, nor any tombstone; and the passages' id
        sequence moved past every tombstone, so that no new passage takes a deleted one's id."""
        ids = [item["id"] for item in items]
        taken = {
            *Passage.objects.filter(pk__in=ids).values_list("pk", flat=True),
            *DeletedPassage.objects.filter(pk__in=ids).values_list("pk", flat=True),
        }
        new = [DeletedPassage(**item) for item in items if item["id"] not in taken]
        DeletedPassage.objects.bulk_create(new, batch_size=_BATCH)
        if new:
            self.report.created["deleted passages"] = len(new)
            _passage_ids_past(max(tombstone.pk for tombstone in new))

    def _save_keeping_ids(self, model, new: list, label: str) -> None:
        """New rows, those given an id from the bundle first; then the id sequence moves past
        them, before it numbers the others."""
        with_ids = [row for row in new if row.pk is not None]
        self._save(model, with_ids, [], set(), label)
        if with_ids:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
                    cursor.execute(sql)
        self._save(model, [row for row in new if row.pk is None], [], set(), label)

    def _source(self, slug: str) -> Source:
        if slug not in self.source_by_slug:
            self.source_by_slug[slug] = Source.objects.get(slug=slug)
        return self.source_by_slug[slug]

"""Curators for `make loadtest` (bench/loadtest.py): the soak test of issue 14.

While the readers browse, CURATORS (4) curators work for the whole run, as people do in the
admin over HTTP (log in; GET a change form; POST it back with its CSRF token):
- publish and unpublish claims of their own (the change list's actions). Right after each
  unpublish returns, the claim's page, its JSON twin and the lists it was on (HTML and JSON,
  narrowed to its claimant) are each asked of every server several times at once, so that
  every gunicorn worker answers some: any answer that still shows the draft is recorded;
- edit source texts (words inserted just before a passage);
- add claims whose statement quotes one of those sources (source and quote, as pasted);
- import small bundles (`manage.py import_claims`, a process of its own) quoting them too.
Afterwards `check()` says whether the promises held: no 5xx; no draft served after its unpublish;
every passage exactly its quote or marked changed; the derived columns equal to a fresh
computation; no saved edit lost (curators only insert words, so each stays in the text); every
change made in history. A form refused because of a concurrent edit (a 409,
or the form shown again with an error) is no failure: it is counted.
"""

from __future__ import annotations

from harness import ROOT  # first: it sets Django up, which the imports below need

# isort: split

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import F
from django.db.models.functions import Substr

from claims_app.derived import derived_stale
from claims_app.models import Actor, Claim, Passage, Source

CURATORS = int(os.environ.get("LOADTEST_CURATORS", "4"))
PASSWORD = "loadtest-curator"  # a throwaway database's users, on loopback only
FLIPS_EACH = 10  # claims each curator publishes and unpublishes
THINK_SECONDS = (0.5, 2.0)  # between opening a form and saving it, as a person types
SOURCES = 3  # sources the curators edit and quote, all of them: few, so that their work meets


# ---------------------------------------------------------------------------------------------
# What the curators work on, chosen before the server starts


@dataclass
class Plan:
    flips: list[list[dict]]  # a list of claims for each curator: id, slug, claimant's slug
    sources: list[dict]  # id, slug
    actors: list[int]  # ids of actors a new claim may name as its claimant
    hidden: dict[str, set[str]]  # what readers must not visit: it can become a draft's

    def reader_exclusions(self) -> dict[str, set[str]]:
        return self.hidden


def prepare(seed: int = 11) -> Plan:
    """Curators' accounts (Editors) and the claims and sources they will work on. The claims to
    flip are ones whose claimant has few public claims (so that the list narrowed to it shows
    them on its first page); what readers visit excludes them and everything they cite."""
    rng = random.Random(seed)
    editors = Group.objects.get(name="Editors")
    for i in range(CURATORS):
        user = User.objects.create_user(f"curator{i}", password=PASSWORD, is_staff=True)
        user.groups.add(editors)
    few = {
        a.pk: a.slug
        for a in Actor.objects.public().filter(made_count__range=(1, 10)).only("pk", "slug")
    }
    candidates = list(
        Claim.objects.public()
        .filter(statements__actor__in=list(few))
        .values_list("pk", "slug", "statements__actor")
        .order_by("pk")
    )
    rng.shuffle(candidates)
    chosen, seen = [], set()
    for pk, slug, actor in candidates:
        if pk not in seen and len(chosen) < CURATORS * FLIPS_EACH:
            seen.add(pk)
            chosen.append({"id": pk, "slug": slug, "actor": few[actor]})
    flips = [chosen[i::CURATORS] for i in range(CURATORS)]
    claims = Claim.objects.filter(pk__in=seen)
    passages = Passage.objects.filter(statements__claim__in=claims) | Passage.objects.filter(
        disputes__claim__in=claims
    )
    hidden = {
        "claims": {c["slug"] for c in chosen},
        "passages": {str(pk) for pk in passages.values_list("pk", flat=True)},
        "sources": set(passages.values_list("source__slug", flat=True)),
        "actors": set(
            Actor.objects.filter(statements__claim__in=claims).values_list("slug", flat=True)
        )
        | set(Actor.objects.filter(disputes__claim__in=claims).values_list("slug", flat=True)),
        "topics": set(claims.values_list("topics__slug", flat=True)) - {None},
    }
    sources = [
        {"id": s.pk, "slug": s.slug}
        for s in Source.objects.public()
        .exclude(slug__in=hidden["sources"])
        .filter(passage_count__gte=2)
        .order_by("?")[:SOURCES]
    ]
    actors = list(Actor.objects.order_by("pk").values_list("pk", flat=True)[:50])
    return Plan(flips, sources, actors, hidden)


# ---------------------------------------------------------------------------------------------
# What happened, as the curators saw it


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    writes: dict[str, int] = field(default_factory=dict)
    resent: dict[str, int] = field(default_factory=dict)  # after a kept-alive connection closed
    unpublishes: int = 0
    checks: dict[str, int] = field(default_factory=dict)  # by kind: page, twin, list, list twin
    drafts_served: list[tuple[int, str, str]] = field(default_factory=list)  # (#, kind, path)
    # What must be in history: ("source", id, token), ("claim", id, published, since),
    # ("new claim", token), ("import", claim slug).
    changes: list[tuple] = field(default_factory=list)

    def answer(self, response: requests.Response, what: str) -> None:
        with self.lock:
            self.requests += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{response.status_code} {what}")

    def count(self, table: str, what: str) -> None:
        with self.lock:
            counts = getattr(self, table)
            counts[what] = counts.get(what, 0) + 1


# ---------------------------------------------------------------------------------------------
# A browser's view of an admin form


class _Form(HTMLParser):
    """The fields of the page's change form (`<form id="…_form">`), as a browser would post
    them; an inline's empty template (`__prefix__`) kept apart in `template`."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.template: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []

    def _add(self, name: str, value: str) -> None:
        (self.template if "__prefix__" in name else self.fields).append((name, value))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("id", "").endswith("_form")
        if not self._in_form or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value") or "on")
                return
            self._add(a["name"], a.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""
        elif tag == "select":
            self._select, self._multiple, self._options = a["name"], "multiple" in a, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value") or "", "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            # A newline right after <textarea> is not part of its value (HTML).
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self._add(self._textarea, text.replace("\r\n", "\n"))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]  # what a browser sends for a single select
            for value in chosen:
                self._add(self._select, value)
            self._select = None


def _form(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


# ---------------------------------------------------------------------------------------------
# One curator


class Curator(threading.Thread):
    """A curator at work in the admin of one of the servers at `hosts` (in turn: curator 0 on
    the first, 1 on the second, …); what readers see after each unpublish is asked of them all."""

    def __init__(self, number, hosts, plan, tally, stop_at, env, workers):
        super().__init__(name=f"curator{number}", daemon=True)
        self.number, self.hosts, self.plan, self.tally = number, hosts, plan, tally
        self.host = hosts[number % len(hosts)]
        self.stop_at, self.env, self.workers = stop_at, env, workers
        self.rng = random.Random(number)
        self.session = requests.Session()
        self.made = 0
        self.readers = ThreadPoolExecutor(2 * workers * len(hosts))

    # HTTP, as a browser in the admin

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        """The request on the session's kept-alive connection; sent again, once, on a new one
        if the server had closed or reset that connection without answering: its keep-alive
        time (2 s) is as long as a curator thinks, so the close and the next request can cross,
        and a browser sends the request again then too (the server had not read it). Counted,
        and printed with the report: a worker that died in the middle of a request would show
        here too."""
        try:
            return self.session.request(method, self.host + path, **kwargs)
        except requests.ConnectionError as error:
            reason = error.args[0] if error.args else None
            if not any(  # RemoteDisconnected is one
                isinstance(part, ConnectionResetError) for part in getattr(reason, "args", ())
            ):
                raise
            self.tally.count("resent", method)
            return self.session.request(method, self.host + path, **kwargs)

    def _get(self, path: str, what: str) -> requests.Response:
        response = self._send("GET", path, timeout=60, allow_redirects=False)
        self.tally.answer(response, what)
        return response

    def _post(self, path: str, data, what: str) -> requests.Response:
        data = list(data) + [("csrfmiddlewaretoken", self.session.cookies.get("csrftoken", ""))]
        response = self._send(
            "POST",
            path,
            data=data,
            timeout=60,
            allow_redirects=False,
            headers={"Referer": self.host + path},
        )
        self.tally.answer(response, what)
        return response

    def _refused_or_failed(self, response: requests.Response, what: str) -> bool:
        """True when the write did not happen: a refusal (the form again, a 409 or a 400) is
        counted; anything else unexpected is recorded as an error of the server."""
        if response.status_code == 302:
            return False
        if response.status_code in (200, 400, 409):
            self.tally.count("refused", what)
        elif response.status_code < 500:
            with self.tally.lock:
                self.tally.server_errors.append(f"unexpected {response.status_code} {what}")
        return True

    def log_in(self) -> None:
        self._get("/admin/login/", "admin login form")
        response = self._post(
            "/admin/login/?next=/admin/",
            [("username", f"curator{self.number}"), ("password", PASSWORD), ("next", "/admin/")],
            "admin login",
        )
        if response.status_code != 302:
            raise RuntimeError(f"curator{self.number} could not log in: {response.status_code}")

    # The work

    def run(self) -> None:
        try:
            self.log_in()
            flips = list(self.plan.flips[self.number])
            while time.monotonic() < self.stop_at:
                action = self.rng.choices(["flip", "edit", "add", "import"], weights=[3, 3, 2, 1])[
                    0
                ]
                if action == "flip" and flips:
                    self.flip(flips[self.made % len(flips)])
                elif action == "edit":
                    self.edit_source(self.rng.choice(self.plan.sources))
                elif action == "add":
                    self.add_claim(self.rng.choice(self.plan.sources))
                elif action == "import":
                    self.import_bundle(self.rng.choice(self.plan.sources))
                self.made += 1
        except Exception as error:  # a curator that stops is a finding, not a crash of the run
            with self.tally.lock:
                self.tally.server_errors.append(f"curator{self.number} stopped: {error!r}")
        finally:
            self.readers.shutdown(wait=True)
            connection.close()

    def _claim_addresses(self, claim: dict) -> list[tuple[str, str]]:
        slug, actor = claim["slug"], claim["actor"]
        return [
            (f"/claims/{slug}/", "page"),
            (f"/claims/{slug}.json", "twin"),
            (f"/claims/?made_by={actor}", "list"),
            (f"/claims.json?made_by={actor}", "list twin"),
        ]

    def _reader(self, host: str, path: str, kind: str, slug: str) -> bool | None:
        """A reader's request: True if it shows the claim, None if the server failed."""
        response = requests.get(host + path, timeout=60)
        self.tally.answer(response, f"reader {path}")
        if response.status_code >= 500:
            return None
        if kind in ("page", "twin"):
            return response.status_code == 200
        return f"/claims/{slug}/" in response.text

    def _readers(self, claim: dict, times: int) -> list[tuple[str, str, bool | None]]:
        """Each address of the claim asked of each server `times` times at once (twice as many
        as it has workers: every worker answers some). (kind, address, whether it showed the
        claim)."""
        jobs = [
            (kind, host + path, self.readers.submit(self._reader, host, path, kind, claim["slug"]))
            for host in self.hosts
            for path, kind in self._claim_addresses(claim)
            for _ in range(times)
        ]
        return [(kind, path, job.result()) for kind, path, job in jobs]

    def _action(self, claim: dict, action: str) -> bool:
        since = time.time()
        response = self._post(
            "/admin/claims_app/claim/",
            [("action", action), ("_selected_action", str(claim["id"])), ("index", "0")],
            action,
        )
        if self._refused_or_failed(response, action):
            return False
        self.tally.count("writes", action)
        with self.tally.lock:
            self.tally.changes.append(("claim", claim["id"], action == "publish_selected", since))
        return True

    def flip(self, claim: dict) -> None:
        self._readers(claim, self.workers)  # the workers have it in their caches, published
        if not self._action(claim, "unpublish_selected"):
            return
        seen = self._readers(claim, 2 * self.workers)
        with self.tally.lock:
            self.tally.unpublishes += 1
            for kind, path, shown in seen:
                self.tally.checks[kind] = self.tally.checks.get(kind, 0) + 1
                if shown:
                    self.tally.drafts_served.append((self.tally.unpublishes, kind, path))
        self._action(claim, "publish_selected")

    def edit_source(self, source: dict) -> None:
        path = f"/admin/claims_app/source/{source['id']}/change/"
        response = self._get(path, "source change form")
        if response.status_code != 200:
            return
        form = _form(response.text)
        fields = form.fields
        text = dict(fields).get("text", "")
        quotes = [v for n, v in fields if n.startswith("passages-") and n.endswith("-quote") and v]
        at = -1
        if quotes:
            quote = self.rng.choice(quotes)
            at = text.find(quote)
        if at < 0:
            at = text.rfind(" ", 0, self.rng.randrange(1, max(2, len(text))))
        at = max(0, at)
        token = f"curator{self.number}edit{self.made}"
        time.sleep(self.rng.uniform(*THINK_SECONDS))
        new_text = text[:at] + f"({token} inserted these words) " + text[at:]
        data = [(n, new_text if n == "text" else v) for n, v in fields]
        response = self._post(path, data + [("_save", "Save")], "source edit")
        if self._refused_or_failed(response, "source edit"):
            return
        self.tally.count("writes", "source edit")
        with self.tally.lock:
            self.tally.changes.append(("source", source["id"], token))

    def _quote_from(self, source: dict) -> str | None:
        """Words of the source's current text that occur once (as a curator copies them from
        the source's page)."""
        text = Source.objects.values_list("text", flat=True).get(pk=source["id"])
        for _ in range(20):
            start = text.find(" ", self.rng.randrange(max(1, len(text) - 120))) + 1
            quote = text[start : start + self.rng.randint(40, 100)].strip()
            if len(quote) > 20 and "\n" not in quote and text.count(quote) == 1:
                return quote
        return None

    def add_claim(self, source: dict) -> None:
        response = self._get("/admin/claims_app/claim/add/", "claim add form")
        if response.status_code != 200:
            return
        quote = self._quote_from(source)
        if quote is None:
            return
        form = _form(response.text)
        token = f"curator{self.number}claim{self.made}"
        values = dict(form.fields)
        values.update(
            {
                "text": f"A claim {token} made while others edit its source.",
                "statements-TOTAL_FORMS": "1",
            }
        )
        values.update(
            {
                name.replace("__prefix__", "0"): value
                for name, value in form.template
                if name.startswith("statements-")
            }
        )
        values.update(
            {
                "statements-0-actor": str(self.rng.choice(self.plan.actors)),
                "statements-0-source": str(source["id"]),
                "statements-0-quote": quote,
            }
        )
        submit = ("_publish", "Save and publish") if self.made % 2 else ("_save", "Save")
        time.sleep(self.rng.uniform(*THINK_SECONDS))
        response = self._post(
            "/admin/claims_app/claim/add/", list(values.items()) + [submit], "claim add"
        )
        if self._refused_or_failed(response, "claim add"):
            return
        self.tally.count("writes", "claim add")
        with self.tally.lock:
            self.tally.changes.append(("new claim", token))

    def import_bundle(self, source: dict) -> None:
        quote = self._quote_from(source)
        if quote is None:
            return
        key = f"curator{self.number}-import-{self.made}"
        bundle = {
            "format": "claims-bundle/1",
            "actors": [{"name": f"Importer {self.number}", "kind": "person"}],
            "sources": [
                {
                    "key": f"{key}-source",
                    "title": f"A note by importer {self.number}, number {self.made}",
                    "text": f"Importer {self.number} wrote note {self.made} about {quote}.",
                }
            ],
            "claims": [
                {
                    "key": key,
                    "text": f"An imported claim {key}.",
                    "published": bool(self.made % 2),
                    "statements": [
                        {
                            "actor": f"Importer {self.number}",
                            "source": source["slug"],
                            "quote": quote,
                        },
                        {
                            "actor": f"Importer {self.number}",
                            "source": f"{key}-source",
                            "quote": f"note {self.made} about",
                        },
                    ],
                }
            ],
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(bundle, f)
        try:
            done = subprocess.run(
                [sys.executable, "manage.py", "import_claims", f.name],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            os.unlink(f.name)
        with self.tally.lock:
            self.tally.requests += 1
            if done.returncode == 0:
                self.tally.writes["import"] = self.tally.writes.get("import", 0) + 1
                self.tally.changes.append(("import", key))
            elif "Traceback" in done.stderr:
                last = done.stderr.strip().splitlines()[-1]
                self.tally.server_errors.append(f"import {key}: {last}")
            else:
                self.tally.refused["import"] = self.tally.refused.get("import", 0) + 1


def start(
    hosts: list[str], plan: Plan, seconds: int, env: dict, workers: int
) -> tuple[Tally, list]:
    """The curators at work for `seconds` on the servers at `hosts` (each with `workers`
    workers)."""
    tally = Tally()
    stop_at = time.monotonic() + seconds
    crew = [Curator(i, hosts, plan, tally, stop_at, env, workers) for i in range(CURATORS)]
    for curator in crew:
        curator.start()
    return tally, crew


# ---------------------------------------------------------------------------------------------
# Afterwards: did the promises hold?


def _lost_edits(changes: list[tuple]) -> list[str]:
    """Source edits that were saved and are no longer in the text: curators only insert words,
    so words gone mean a save from a stale form undid another curator's edit (finding 3)."""
    return [
        f"source #{pk}: {token}"
        for kind, pk, token in (c for c in changes if c[0] == "source")
        if not Source.objects.filter(pk=pk, text__contains=token).exists()
    ]


def _missing_history(changes: list[tuple]) -> list[str]:
    missing = []
    for change in changes:
        kind = change[0]
        if kind == "source":
            _, pk, token = change
            ok = Source.history.filter(id=pk, text__contains=token).exists()
        elif kind == "claim":
            _, pk, published, since = change
            ok = Claim.history.filter(
                id=pk, published=published, history_date__gte=_aware(since - 1)
            ).exists()
        elif kind == "new claim":
            ok = Claim.history.filter(text__contains=change[1], history_type="+").exists()
        else:
            ok = Claim.history.filter(slug=change[1], history_type="+").exists()
        if not ok:
            missing.append(" ".join(str(part) for part in change))
    return missing


def _aware(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC)


def check(tally: Tally, crew: list) -> dict:
    for curator in crew:
        curator.join(timeout=180)
    wrong = (
        Passage.objects.filter(changed=False)
        .annotate(actual=Substr("source__text", F("start") + 1, F("end") - F("start")))
        .exclude(actual=F("quote"))
    )
    report = {
        "curators": CURATORS,
        "curator_requests": tally.requests,
        "writes": tally.writes,
        "refused": tally.refused,
        "resent": tally.resent,
        "server_errors": len(tally.server_errors),
        "unpublishes": tally.unpublishes,
        "unpublishes_with_a_draft_served": len({n for n, _, _ in tally.drafts_served}),
        "post_unpublish_checks": sum(tally.checks.values()),
        "drafts_served": len(tally.drafts_served),
        "drafts_served_by_kind": {
            kind: [sum(k == kind for _, k, _ in tally.drafts_served), checks]
            for kind, checks in sorted(tally.checks.items())
        },
        "passages_checked": Passage.objects.count(),
        "passages_wrong": [
            f"#{p.pk} holds {p.actual[:40]!r}, not {p.quote[:40]!r}" for p in wrong[:20]
        ],
        "derived_stale": derived_stale()[:20],
        "source_edits": sum(c[0] == "source" for c in tally.changes),
        "lost_edits": _lost_edits(tally.changes)[:20],
        "changes": len(tally.changes),
        "missing_history": _missing_history(tally.changes)[:20],
        "examples": {
            "server_errors": tally.server_errors[:10],
            "drafts_served": sorted(
                {f"{path} after unpublish #{n}" for n, _, path in tally.drafts_served}
            )[:10],
        },
    }
    connection.close()
    report["ok"] = not (
        report["server_errors"]
        or report["drafts_served"]
        or report["passages_wrong"]
        or report["derived_stale"]
        or report["missing_history"]
        or report["lost_edits"]
        or not report["unpublishes"]
    )
    return report


def print_report(report: dict) -> None:
    def mark(bad) -> str:
        return "FAIL" if bad else "ok  "

    writes = ", ".join(f"{n} {w}" for w, n in sorted(report["writes"].items())) or "none"
    refused = ", ".join(f"{n} {w}" for w, n in sorted(report["refused"].items())) or "none"
    resent = ", ".join(f"{n} {m}" for m, n in sorted(report["resent"].items())) or "none"
    print(
        f"curators: {report['curators']}, {report['curator_requests']} requests; "
        f"writes: {writes}; refused (concurrent edits): {refused}; sent again after the server "
        f"closed a kept-alive connection unanswered: {resent}"
    )
    print(
        f"  {mark(report['server_errors'])} server errors (5xx, tracebacks): "
        f"{report['server_errors']}"
    )
    for example in report["examples"]["server_errors"]:
        print(f"         {example}")
    print(
        f"  {mark(report['drafts_served'] or not report['unpublishes'])} drafts served after "
        f"their unpublish: {report['drafts_served']} of {report['post_unpublish_checks']} "
        f"checks after {report['unpublishes']} unpublishes"
    )
    if report["drafts_served"]:
        print(
            f"         after {report['unpublishes_with_a_draft_served']} of the "
            f"{report['unpublishes']} unpublishes; by address: "
            + ", ".join(
                f"{kind} {served} of {checks}"
                for kind, (served, checks) in report["drafts_served_by_kind"].items()
            )
        )
    for example in report["examples"]["drafts_served"][:5]:
        print(f"         {example}")
    print(
        f"  {mark(report['passages_wrong'])} passages exact or marked changed: "
        f"{report['passages_checked'] - len(report['passages_wrong'])} of "
        f"{report['passages_checked']}"
    )
    for example in report["passages_wrong"][:5]:
        print(f"         {example}")
    print(
        f"  {mark(report['derived_stale'])} derived columns equal a fresh computation"
        + (f": {len(report['derived_stale'])} differ" if report["derived_stale"] else "")
    )
    for example in report["derived_stale"][:5]:
        print(f"         {example}")
    print(
        f"  {mark(report['lost_edits'])} source edits still in the text: "
        f"{report['source_edits'] - len(report['lost_edits'])} of {report['source_edits']}"
    )
    for example in report["lost_edits"][:5]:
        print(f"         {example}")
    print(
        f"  {mark(report['missing_history'])} changes in history: "
        f"{report['changes'] - len(report['missing_history'])} of {report['changes']}"
    )
    for example in report["missing_history"][:5]:
        print(f"         {example}")

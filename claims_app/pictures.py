"""Pictures of the record, drawn on the server as SVG: a claim's dispute map, an actor's
timeline, a topic's chart of numeric claims, and the map of many claims. No JavaScript, no
network: each is markup in the page, with a title and a description for those who cannot see
it, and links (to passages, claims and actors) that work from the keyboard.

Plain functions over what the selectors return: they read attributes and never query. Every
name and quote is escaped on its way in (`_t`, `_el`), so the output is well-formed XML.
"""

from __future__ import annotations

import calendar
import datetime
import html
import math
import unicodedata
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from .dates import partial_date_display
from .feeds import xml_text

FONT = 13  # px: the size the text widths below are estimated for
LINE = 16

KIND_STYLES = {  # colour and dash for each kind of edge: told apart without colour too
    "states": ("#1f6f4a", None),
    "denies": ("#9b2c1f", None),
    "questions": ("#8a5a00", "7 4"),
    "qualifies": ("#6a3d9a", "2 3"),
    "retracts": ("#4a4a4a", "9 3 2 3"),
    "rests": ("#5b5b66", "3 3"),  # a dispute to the counterclaim it rests on
}


# --- markup --------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """What django.utils.html.escape gives, without its lazy-string wrapper and SafeString: a
    map of 25 claims escapes thousands of values, and the wrapper was most of the cost."""
    return html.escape(text)


def _t(text) -> str:
    """Text content, escaped."""
    return _escape(xml_text(str(text)))


def _el(tag: str, attrs: dict | None = None, *children: str) -> str:
    """An element; attribute values are escaped, children are markup already."""
    attributes = "".join(
        f' {name}="{_escape(xml_text(str(value)))}"'
        for name, value in (attrs or {}).items()
        if value is not None
    )
    inner = "".join(children)
    return f"<{tag}{attributes}>{inner}</{tag}>" if inner else f"<{tag}{attributes}/>"


def _svg(
    uid: str, width: float, height: float, title: str, desc: str, *body: str, css: str = "picture"
) -> SafeString:
    """The picture: scales to its container, and is named and described for assistive
    technology (a group, not an image, since its links must stay reachable)."""
    return mark_safe(
        _el(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "class": css,
                "viewBox": f"0 0 {width:.0f} {height:.0f}",
                "width": f"{width:.0f}",
                "height": f"{height:.0f}",
                "role": "group",
                "aria-labelledby": f"{uid}-title",
                "aria-describedby": f"{uid}-desc",
                "font-family": "system-ui, sans-serif",
                "font-size": FONT,
            },
            _el("title", {"id": f"{uid}-title"}, _t(title)),
            _el("desc", {"id": f"{uid}-desc"}, _t(desc)),
            *body,
        )
    )


def _width(text: str) -> float:
    """The width of `text` at FONT, estimated: wide (East Asian) characters take about twice
    a Latin letter's room."""
    if text.isascii():  # no wide character: the same sum, without a lookup a character
        return sum(FONT * 0.56 for _ in text)
    return sum(
        FONT * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56) for c in text
    )


def wrap(text: str, width: float, max_lines: int) -> list[str]:
    """`text` in lines no wider than `width` px (estimated), at most `max_lines`, the last
    ending in "…" if the text did not fit, after a whole word (so that what shows is the start
    of the text, word for word, as a link's name must be). Words longer than a line are cut."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if _width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while _width(word) > width:  # a word wider than the line: cut it
            cut = len(word)
            while cut > 1 and _width(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
        if len(lines) > max_lines:  # the rest would be cut: a long text stops here
            line = ""
            break
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _width(last + "…") > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines or [""]


def _lines(x: float, y: float, lines: list[str], **attrs) -> str:
    """Lines of text, the first baseline at y. Each line but the last ends in a space, so
    that the text reads (and copies) as words, not as "areheld"."""
    spans = "".join(
        _el("tspan", {"x": f"{x:.1f}", "y": f"{y + i * LINE:.1f}"},
            _t(line + (" " if i < len(lines) - 1 else "")))
        for i, line in enumerate(lines)
    )
    return _el("text", attrs, spans)


BOX_STYLES = {  # fill and outline of each kind of box (the stylesheet may restyle them)
    "node-actor": ("#ffffff", "#8a8a94"),
    "node-claim": ("#e6eef9", "#1f4e8c"),
    "node-counterclaim": ("#fbf3e0", "#8a5a00"),
}


def _box(x, y, w, h, lines, *, css: str, href: str | None, label: str | None = None) -> str:
    """A rounded box of text lines, a link if `href`."""
    fill, stroke = BOX_STYLES[css]
    top = y + (h - len(lines) * LINE) / 2 + FONT - 1
    inner = _el(
        "rect",
        {"x": x, "y": f"{y:.1f}", "width": w, "height": f"{h:.1f}", "rx": 6, "class": "box",
         "fill": fill, "stroke": stroke},
    ) + _lines(x + 10, top, lines, **{"class": "box-text", "fill": "#1d1d1f"})
    if not href:
        return _el("g", {"class": css}, inner)
    return _el("a", {"href": href, "aria-label": label, "class": css}, inner)


def _edge(points, kind: str, *, href: str | None, label: str, text: str | None = None, at=None):
    """A line through `points` in the style of `kind`, linked to `href`, with a tooltip."""
    colour, dash = KIND_STYLES.get(kind, KIND_STYLES["states"])
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    body = _el("title", None, _t(label)) + _el(
        "polyline",
        {
            "points": path,
            "fill": "none",
            "stroke": colour,
            "stroke-width": 2,
            "stroke-dasharray": dash,
            "class": f"edge edge-{kind}",
        },
    )
    if text:
        x, y = at
        body += _el(
            "text",
            {"x": f"{x:.1f}", "y": f"{y:.1f}", "fill": colour, "class": "edge-label",
             "text-anchor": "middle", "font-size": FONT - 2},
            _t(text),
        )
    if href:
        # A wide transparent stroke over the line takes the click along its whole length: a
        # 2 px line, and the gaps of a dashed one, are too thin a target (the SVG took it).
        body += _el("polyline", {"points": path, "fill": "none", "stroke": "transparent",
                                 "stroke-width": 14, "class": "edge-hit"})
        return _el("a", {"href": href, "aria-label": label}, body)
    return _el("g", None, body)


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


# --- a claim's dispute map -----------------------------------------------------------------

NODE_W = 210
GAP = 96  # between columns, room for an edge's label
ROW = 58


def _citation_label(item, verb: str) -> str:
    """What an edge of a dispute map says: who, how, in whose report when the words are
    others' report of the actor's (selectors.reporting_fill), in which passage, which words."""
    reporters = ", ".join(actor.name for actor in getattr(item, "reported_by", []))
    reported = f", as reported by {reporters}" if reporters else ""
    return (
        f"{item.actor.name} {verb} it{reported}, in passage #{item.passage_id}: "
        f"{_quote(item.passage.quote)}"
    )


def _map_label(item, verb: str, claim) -> str:
    """What an edge of the map of claims says: who, how, which claim, in which passage."""
    return f"{item.actor.name} {verb}: {claim.text} (passage #{item.passage_id})"


def _sides(claim) -> tuple[list, list, dict]:
    """A dispute map's statements, disputes, and the counterclaims these rest on (by id)."""
    disputes = list(claim.disputes.all())
    counters: dict[int, object] = {}
    for dispute in disputes:
        if dispute.counterclaim is not None:
            counters.setdefault(dispute.counterclaim.pk, dispute.counterclaim)
    return list(claim.statements.all()), disputes, counters


def dispute_map(claim, *, uid: str = "dispute-map") -> SafeString:
    """The claim in the middle, a row for each statement on the left (its claimant) and for
    each dispute on the right (its disputant); each edge, labelled "states" or with the
    dispute's kind, links to the passage it is in. A dispute's counterclaim is drawn as a claim
    of its own, in a fourth column, linked to its page.

    `claim` is as `selectors.claim_get` returns it (statements and disputes prefetched)."""
    statements, disputes, counters = _sides(claim)
    claim_lines = wrap(claim.text, NODE_W + 40 - 20, 8)
    claim_h = len(claim_lines) * LINE + 20
    rows = max(len(statements), len(disputes), len(counters), 1)
    height = max(rows * ROW, claim_h) + 40
    columns = 4 if counters else 3
    width = columns * NODE_W + (columns - 1) * GAP + 40
    x_left, x_mid = 0, NODE_W + GAP
    x_right = x_mid + NODE_W + 40 + GAP
    x_counter = x_right + NODE_W + GAP
    mid_y = height / 2

    def row_y(i: int, n: int) -> float:  # rows centred on the middle
        return mid_y - n * ROW / 2 + i * ROW + (ROW - 44) / 2

    body = [
        _box(x_mid, mid_y - claim_h / 2, NODE_W + 40, claim_h, claim_lines,
             css="node-claim", href=None),
    ]
    for i, statement in enumerate(statements):
        y = row_y(i, len(statements))
        actor = statement.actor
        label = _citation_label(statement, "states")
        body.append(_edge(
            [(x_left + NODE_W, y + 22), (x_left + NODE_W + GAP * 0.7, y + 22),
             (x_mid, mid_y)],
            "states", href=statement.passage.get_absolute_url(), label=label,
            text="states", at=(x_left + NODE_W + GAP * 0.35, y + 17),
        ))
        body.append(_box(x_left, y, NODE_W, 44, wrap(actor.name, NODE_W - 20, 2),
                         css="node-actor", href=actor.get_absolute_url(), label=actor.name))
    for i, dispute in enumerate(disputes):
        y = row_y(i, len(disputes))
        actor = dispute.actor
        label = _citation_label(dispute, dispute.kind)
        body.append(_edge(
            [(x_mid + NODE_W + 40, mid_y), (x_right - GAP * 0.7, y + 22), (x_right, y + 22)],
            dispute.kind, href=dispute.passage.get_absolute_url(), label=label,
            text=dispute.kind, at=(x_right - GAP * 0.35, y + 17),
        ))
        body.append(_box(x_right, y, NODE_W, 44, wrap(actor.name, NODE_W - 20, 2),
                         css="node-actor", href=actor.get_absolute_url(), label=actor.name))
        if dispute.counterclaim is not None:
            j = list(counters).index(dispute.counterclaim.pk)
            cy = row_y(j, len(counters))
            body.append(_edge(
                [(x_right + NODE_W, y + 22), (x_counter, cy + 22)], "rests", href=None,
                label=f"{actor.name}'s dispute rests on: {dispute.counterclaim.text}",
                text="rests on", at=(x_right + NODE_W + GAP / 2, (y + cy) / 2 + 17),
            ))
    for j, counter in enumerate(counters.values()):
        cy = row_y(j, len(counters))
        body.append(_box(x_counter, cy, NODE_W, 44, wrap(counter.text, NODE_W - 20, 2),
                         css="node-counterclaim", href=counter.get_absolute_url(),
                         label=f"Counterclaim: {counter.text}"))

    desc = _dispute_map_desc(claim, statements, disputes, counters)
    return _svg(uid, width, height, "Who made this claim and who disputed it", desc, *body)


def _dispute_map_desc(claim, statements, disputes, counters) -> str:
    made = ", ".join(s.actor.name for s in statements) or "no one recorded"
    disputed = "; ".join(f"{d.actor.name} ({d.kind})" for d in disputes) or "no one recorded"
    desc = f"The claim “{claim.text}”. Made by: {made}. Disputed by: {disputed}."
    if counters:
        desc += " Counterclaims: " + "; ".join(c.text for c in counters.values()) + "."
    return desc


def dispute_map_stacked(claim, *, uid: str = "dispute-map-stacked") -> SafeString:
    """The dispute map for a phone's narrow column: the claimants above the claim, the
    disputants below it, each dispute's counterclaim at the foot; the same links, labels and
    description as `dispute_map`, which the page shows instead on a wider screen."""
    statements, disputes, counters = _sides(claim)
    above = [
        (s.actor, "states", s.passage.get_absolute_url(),
         _citation_label(s, "states"))
        for s in statements
    ]
    below = [
        (d.actor, d.kind, d.passage.get_absolute_url(),
         _citation_label(d, d.kind))
        for d in disputes
    ]
    body, height, below_y = _stacked(
        wrap(claim.text, STACK_W - STACK_RIGHT - 20, 8), None, None, above, below,
        top=10, labelled=True,
    )
    if counters:
        height += 16
        counter_y = {}
        for j, counter in enumerate(counters.values()):
            counter_y[counter.pk] = y = height + j * STACK_ROW
            body.append(_box(STACK_BOX_X, y, STACK_W - STACK_RIGHT - STACK_BOX_X, 44,
                             wrap(counter.text, STACK_W - STACK_RIGHT - STACK_BOX_X - 20, 2),
                             css="node-counterclaim", href=counter.get_absolute_url(),
                             label=f"Counterclaim: {counter.text}"))
        height += len(counters) * STACK_ROW
        right = STACK_W - STACK_RIGHT
        for k, dispute in enumerate(disputes):
            if dispute.counterclaim is None:
                continue
            dy, cy = below_y[k] + 22, counter_y[dispute.counterclaim.pk] + 22
            gx = right + 6 + (k % 4) * 4
            body.insert(0, _edge(
                [(right, dy), (gx, dy), (gx, cy), (right, cy)], "rests", href=None,
                label=f"{dispute.actor.name}'s dispute rests on: {dispute.counterclaim.text}",
            ))
    desc = _dispute_map_desc(claim, statements, disputes, counters)
    return _svg(uid, STACK_W, height + 6, "Who made this claim and who disputed it", desc,
                *body, css="picture picture-stacked")


# --- stacked for a phone -----------------------------------------------------------------------

STACK_W = 360  # a phone's column, about: drawn at its own size there, words as legible
STACK_BOX_X = 112  # actors' boxes start here; the gutter on their left carries the edges
STACK_RIGHT = 24  # the gutter on the right: a dispute's line to its counterclaim
STACK_ROW = 52


def _gutter(count: int) -> list[float]:
    """The x of each of `count` edges in the left gutter, the first outermost: each edge's
    label sits between its own line and the box, where no other line passes."""
    step = min(8.0, 40.0 / max(count - 1, 1))
    return [10 + i * step for i in range(count)]


def _stacked(claim_lines, claim_href, claim_label, above, below, *, top: float, labelled: bool):
    """One claim stacked: a row for each of `above` (actor, kind, href, label) over the claim's
    box, a row for each of `below` under it, each row's edge running down the left gutter to
    the claim. Markup in reading (and tabbing) order, the bottom's y, each `below` row's top."""
    box_w = STACK_W - STACK_RIGHT - STACK_BOX_X
    body: list[str] = []
    y = top
    xs = _gutter(len(above))
    claim_h = len(claim_lines) * LINE + 20
    claim_top = top + len(above) * STACK_ROW + (8 if above else 0)
    for i, (actor, kind, href, label) in enumerate(above):
        row = y + i * STACK_ROW
        body.append(_box(STACK_BOX_X, row, box_w, 44, wrap(actor.name, box_w - 20, 2),
                         css="node-actor", href=actor.get_absolute_url(), label=actor.name))
        body.append(_edge(
            [(STACK_BOX_X, row + 22), (xs[i], row + 22), (xs[i], claim_top)], kind,
            href=href, label=label, text=kind if labelled else None,
            at=((xs[i] + STACK_BOX_X) / 2, row + 17),
        ))
    body.append(_box(0, claim_top, STACK_W - STACK_RIGHT, claim_h, claim_lines,
                     css="node-claim", href=claim_href, label=claim_label))
    y = claim_top + claim_h + (8 if below else 0)
    xs = _gutter(len(below))[::-1]  # the first innermost: the lines below it pass outside it
    tops = []
    for i, (actor, kind, href, label) in enumerate(below):
        row = y + i * STACK_ROW
        tops.append(row)
        body.append(_edge(
            [(xs[i], claim_top + claim_h), (xs[i], row + 22), (STACK_BOX_X, row + 22)], kind,
            href=href, label=label, text=kind if labelled else None,
            at=((xs[i] + STACK_BOX_X) / 2, row + 17),
        ))
        body.append(_box(STACK_BOX_X, row, box_w, 44, wrap(actor.name, box_w - 20, 2),
                         css="node-actor", href=actor.get_absolute_url(), label=actor.name))
    return body, y + len(below) * STACK_ROW, tops


# --- scales ----------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten.
    At least two, always distinct, whatever the values (one value, or two that floating point
    cannot tell apart, get a range around them)."""
    scale = max(abs(low), abs(high))
    if high - low <= max(scale * 1e-9, 1e-6):  # quantities have six decimals at most
        high = low + (scale * 0.1 if scale >= 1e-5 else 1.0)
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    steps = max(math.ceil((high - first) / step), 1)
    if first + steps * step < high:  # rounding
        steps += 1
    return [round(first + i * step, 10) for i in range(steps + 1)]


def number_display(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _year_fraction(date: datetime.date) -> float:
    """The date as a year and a fraction of it (any year a date can hold, 9999 included)."""
    length = 366 if calendar.isleap(date.year) else 365
    return date.year + (date.timetuple().tm_yday - 1) / length


def _year_ticks(low: float, high: float) -> list[int]:
    first, last = math.floor(low), math.ceil(high)
    step = max(1, math.ceil((last - first) / 8))
    return list(range(first, last + 1, step))


# --- an actor's timeline ---------------------------------------------------------------------


@dataclass
class Moment:
    """A statement or dispute on a timeline: when, what, where it links."""

    date: datetime.date
    role: str  # "states" or a dispute kind
    text: str  # the claim
    href: str
    when: str  # the date as a reader reads it


@dataclass
class YearCount:
    year: int
    made: int
    disputed: int
    href_made: str
    href_disputed: str


TL_W = 760
DOT_R, DOT_STEP = 6, 14  # a dot's radius, and the distance between two dots' centres


def _stack(xs: list[float]) -> list[int]:
    """For dots at `xs` (ascending), the level of each: the lowest at which it overlaps no
    dot already placed, so that every dot can be seen and clicked."""
    ends: list[float] = []  # per level, the x of its last dot
    levels = []
    for cx in xs:
        level = next((i for i, end in enumerate(ends) if cx - end >= DOT_STEP), len(ends))
        if level == len(ends):
            ends.append(cx)
        else:
            ends[level] = cx
        levels.append(level)
    return levels


def actor_timeline(
    name: str, moments: list[Moment] | None, years: list[YearCount] | None, undated: int,
    *, uid: str = "timeline",
) -> SafeString:
    """When `name` made claims (dots above the line) and disputed them (below): a dot per
    statement or dispute, linked to the claim; or, with too many to draw one by one, a bar of
    each year's count, linked to the claims list filtered to that year."""
    left, right = 64, TL_W - 30
    moments = sorted(moments or [], key=lambda m: m.date)
    when = [_year_fraction(m.date) for m in moments]
    dates = when or [y.year for y in years or ()] + [y.year + 1 for y in years or ()]
    low, high = (min(dates), max(dates)) if dates else (2000, 2001)
    if high - low < 1:  # at least a year wide, from the start of one
        low = math.floor(low)
        high = max(high, low + 1)
    ticks = _year_ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])

    def x(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    placed = []  # (moment, cx, level)
    lane_levels = 4
    for made in (True, False):
        lane = [(m, x(t)) for m, t in zip(moments, when, strict=True)
                if (m.role == "states") == made]
        levels = _stack([cx for _, cx in lane])
        placed += [(m, cx, level) for (m, cx), level in zip(lane, levels, strict=True)]
        lane_levels = max(lane_levels, max(levels, default=0) + 1)
    lane_h = lane_levels * DOT_STEP + 12
    axis_y = lane_h + 8
    height = axis_y + lane_h + 24

    body = [
        _el("line", {"x1": left, "x2": right, "y1": axis_y, "y2": axis_y, "stroke": "#555",
                     "class": "axis"}),
        _el("text", {"x": 4, "y": axis_y - 8, "class": "lane-label", "font-size": FONT - 1},
            _t("made ↑")),
        _el("text", {"x": 4, "y": axis_y + 18, "class": "lane-label", "font-size": FONT - 1},
            _t("disputed ↓")),
    ]
    for year in ticks:
        body.append(_el("line", {"x1": f"{x(year):.1f}", "x2": f"{x(year):.1f}",
                                 "y1": axis_y - 4, "y2": axis_y + 4, "stroke": "#555",
                                 "class": "axis"}))
        body.append(_el("text", {"x": f"{x(year):.1f}", "y": height - 6,
                                 "text-anchor": "middle", "class": "tick",
                                 "font-size": FONT - 2}, _t(year)))
    for m, cx, level in placed:
        offset = DOT_R + 6 + level * DOT_STEP
        cy = axis_y - offset if m.role == "states" else axis_y + offset
        colour, _ = KIND_STYLES.get(m.role, KIND_STYLES["states"])
        label = f"{m.when}: {name} {m.role}: {m.text}"
        body.append(_el("a", {"href": m.href, "aria-label": label},
                        _el("title", None, _t(label)),
                        _el("circle", {"cx": f"{cx:.1f}", "cy": f"{cy:.1f}", "r": DOT_R,
                                       "fill": colour, "class": f"dot dot-{m.role}"})))
    for y in years or ():
        band = (x(y.year + 1) - x(y.year)) * 0.7
        peak = max(max(c.made, c.disputed) for c in years) or 1
        for count, up, href, role in ((y.made, True, y.href_made, "made"),
                                      (y.disputed, False, y.href_disputed, "disputed")):
            if not count:
                continue
            h = count / peak * (lane_h - 10)
            top = axis_y - h if up else axis_y
            label = f"{y.year}: {name} {role} {count} claim{'s' if count != 1 else ''}"
            colour = KIND_STYLES["states" if up else "denies"][0]
            body.append(_el("a", {"href": href, "aria-label": label},
                            _el("title", None, _t(label)),
                            _el("rect", {"x": f"{x(y.year) + band * 0.2:.1f}",
                                         "y": f"{top:.1f}", "width": f"{band:.1f}",
                                         "height": f"{max(h, 1):.1f}", "fill": colour,
                                         "class": f"bar bar-{role}"})))
    if moments:
        made = sum(1 for m in moments if m.role == "states")
        desc = (f"{made} claim{'s' if made != 1 else ''} made and {len(moments) - made} "
                f"disputed, from {min(moments, key=lambda m: m.date).when} to "
                f"{max(moments, key=lambda m: m.date).when}.")
    elif years:
        desc = "; ".join(f"{y.year}: {y.made} made, {y.disputed} disputed" for y in years) + "."
    else:
        desc = "No dated statement or dispute."
    if undated:
        desc += f" {undated} more without a date {'is' if undated == 1 else 'are'} not shown."
    return _svg(uid, TL_W, height, f"When {name} made and disputed claims", desc, *body)


# --- a topic's numeric claims ----------------------------------------------------------------


@dataclass
class Estimate:
    """A numeric claim on a chart: its value (or range), when it was first stated, by whom."""

    value: float
    value_max: float | None
    qualifier: str
    date: datetime.date
    when: str
    claimants: str
    text: str
    href: str

    @property
    def figure(self) -> str:
        """The figure as said: "more than 130,000", "80,000–120,000"."""
        amount = number_display(self.value)
        if self.value_max is not None:
            amount += f"–{number_display(self.value_max)}"
        return " ".join(part for part in (self.qualifier, amount) if part)


CH_W, CH_H = 760, 340
CH_LEFT, CH_RIGHT, CH_TOP, CH_BOTTOM = 80, 180, 20, 40


def estimates_chart(unit: str, estimates: list[Estimate], *, uid: str) -> SafeString:
    """The estimates of one quantity over time: a dot for a value, a bar for a range, an arrow
    for "more than" or "up to"; each linked to its claim and labelled with its claimants."""
    values = [e.value for e in estimates]
    values += [e.value_max for e in estimates if e.value_max is not None]
    y_ticks = nice_ticks(min(0, min(values)), max(0, max(values)))
    low_v, high_v = y_ticks[0], y_ticks[-1]
    when = [_year_fraction(e.date) for e in estimates]
    x_ticks = _year_ticks(min(when), max(when) if max(when) > min(when) else min(when) + 1)
    low_t, high_t = x_ticks[0], max(x_ticks[-1], max(when))
    if high_t == low_t:
        high_t += 1
    plot_w = CH_W - CH_LEFT - CH_RIGHT
    plot_h = CH_H - CH_TOP - CH_BOTTOM

    def x(t: float) -> float:
        return CH_LEFT + (t - low_t) / (high_t - low_t) * plot_w

    def y(v: float) -> float:
        return CH_TOP + plot_h - (v - low_v) / (high_v - low_v) * plot_h

    body = []
    for v in y_ticks:
        body.append(_el("line", {"x1": CH_LEFT, "x2": CH_LEFT + plot_w, "y1": f"{y(v):.1f}",
                                 "y2": f"{y(v):.1f}", "stroke": "#ddd", "class": "grid"}))
        body.append(_el("text", {"x": CH_LEFT - 6, "y": f"{y(v) + 4:.1f}", "text-anchor": "end",
                                 "class": "tick", "font-size": FONT - 2}, _t(number_display(v))))
    for t in x_ticks:
        body.append(_el("text", {"x": f"{x(t):.1f}", "y": CH_H - CH_BOTTOM + 18,
                                 "text-anchor": "middle", "class": "tick",
                                 "font-size": FONT - 2}, _t(t)))
    body.append(_el("line", {"x1": CH_LEFT, "x2": CH_LEFT + plot_w, "y1": CH_TOP + plot_h,
                             "y2": CH_TOP + plot_h, "stroke": "#555", "class": "axis"}))
    body.append(_el("text", {"x": 6, "y": 12, "class": "unit", "font-size": FONT - 1},
                    _t(unit or "value")))
    colour = KIND_STYLES["states"][0]
    taken: set[tuple[int, int]] = set()  # where a point is already drawn
    labels: list[tuple[float, float, float]] = []  # (x, y, width) of each label drawn
    for e, t in sorted(zip(estimates, when, strict=True), key=lambda pair: pair[1]):
        cx, cy = x(t), y(e.value)
        while (round(cx / 8), round(cy / 8)) in taken:  # the same figure, the same date
            cx += 10
        taken.add((round(cx / 8), round(cy / 8)))
        label = _estimate_label(e, unit)
        shapes = [_el("title", None, _t(f"{label}. {e.text}"))]
        if e.value_max is not None:
            shapes.append(_el("line", {"x1": f"{cx:.1f}", "x2": f"{cx:.1f}", "y1": f"{cy:.1f}",
                                       "y2": f"{y(e.value_max):.1f}", "stroke": colour,
                                       "stroke-width": 6, "stroke-linecap": "round",
                                       "class": "range"}))
        shapes.append(_el("circle", {"cx": f"{cx:.1f}", "cy": f"{cy:.1f}", "r": 5,
                                     "fill": colour, "class": "dot dot-estimate"}))
        direction = _direction(e.qualifier)
        if direction:  # an open end: an arrow the way the value may go
            tip = cy - 16 * direction
            shapes.append(_el("polyline", {
                "points": f"{cx - 4:.1f},{tip + 5 * direction:.1f} {cx:.1f},{tip:.1f} "
                          f"{cx + 4:.1f},{tip + 5 * direction:.1f}",
                "fill": "none", "stroke": colour, "stroke-width": 2, "class": "open-end"}))
            shapes.append(_el("line", {"x1": f"{cx:.1f}", "x2": f"{cx:.1f}", "y1": f"{cy:.1f}",
                                       "y2": f"{tip:.1f}", "stroke": colour,
                                       "stroke-width": 2, "class": "open-end"}))
        # A label that would cover another is left out: the point's tooltip, its link's name
        # and the table under the chart all still say who.
        name = wrap(e.claimants or "Unattributed", 160, 1)
        width = _width(name[0]) * (FONT - 2) / FONT
        if not any(abs(cy - ly) < 14 and cx < lx + lw + 4 and lx < cx + width + 13
                   for lx, ly, lw in labels):
            labels.append((cx + 9, cy, width))
            shapes.append(_lines(cx + 9, cy + 4, name,
                                 **{"class": "point-label", "font-size": FONT - 2}))
        body.append(_el("a", {"href": e.href, "aria-label": label}, *shapes))
    desc = "; ".join(_estimate_label(e, unit) for e in sorted(estimates, key=lambda e: e.date))
    title = f"Estimates of {unit} over time" if unit else "Estimates over time"
    return _svg(uid, CH_W, CH_H, title, desc + ".", *body)


def _estimate_label(e: Estimate, unit: str) -> str:
    """"Amnesty International, December 2018: more than 130,000 political prisoners"."""
    said = " ".join(part for part in (e.figure, unit) if part)
    return f"{e.claimants or 'Unattributed'}, {e.when}: {said}"


def _direction(qualifier: str) -> int:
    """+1 if the true value may be higher ("more than"), -1 if lower ("up to"), else 0."""
    q = qualifier.lower()
    if any(w in q for w in ("more", "over", "above", "at least", "exceed", "greater")):
        return 1
    if any(w in q for w in ("up to", "less", "under", "below", "at most", "fewer")):
        return -1
    return 0


# --- the map of many claims ------------------------------------------------------------------

MAP_NODE_W = 220
MAP_ROW = 54


def claims_map(claims: list, *, uid: str = "claims-map") -> SafeString:
    """Claims in the middle column, their claimants on the left and their disputants on the
    right (an actor in both roles is drawn on both sides), linked by an edge for each
    statement and dispute, which links to its passage. Each side is ordered to follow the
    claims it links to, so that edges cross as little as a simple ordering allows.

    `claims` as `selectors.claims_for_list` gives them (statements, disputes and their actors
    prefetched)."""
    sides: dict[str, dict[int, tuple[object, list[int]]]] = {"made": {}, "disputed": {}}
    links: dict[int, list[tuple[str, int]]] = {claim.pk: [] for claim in claims}
    for claim in claims:
        for role, items in (("made", claim.statements.all()), ("disputed", claim.disputes.all())):
            for item in items:
                actor, linked = sides[role].setdefault(item.actor_id, (item.actor, []))
                linked.append(claim.pk)
                links[claim.pk].append((role, item.actor_id))
    # Barycentric ordering, a few sweeps: each actor at the mean row of its claims, then each
    # claim at the mean row of its actors.
    claim_row = {claim.pk: i for i, claim in enumerate(claims)}
    order: dict[str, list[int]] = {}
    for sweep in range(4):
        for role, actors in sides.items():
            order[role] = sorted(
                actors,
                key=lambda pk, a=actors: (
                    sum(claim_row[c] for c in a[pk][1]) / len(a[pk][1]), a[pk][0].name
                ),
            )
        if sweep == 3:
            break
        actor_row = {
            (role, pk): i * len(claims) / max(len(pks), 1)
            for role, pks in order.items()
            for i, pk in enumerate(pks)
        }
        claims = sorted(
            claims,
            key=lambda c: (
                sum(actor_row[link] for link in links[c.pk]) / len(links[c.pk])
                if links[c.pk]
                else claim_row[c.pk]
            ),
        )
        claim_row = {claim.pk: i for i, claim in enumerate(claims)}
    n = max(len(claims), len(order["made"]), len(order["disputed"]), 1)
    height = n * MAP_ROW + 20
    x_left, x_mid = 0, MAP_NODE_W + GAP
    x_right = x_mid + MAP_NODE_W + 40 + GAP
    width = x_right + MAP_NODE_W

    def y_of(i: int, count: int) -> float:  # each column centred
        return (height - count * MAP_ROW) / 2 + i * MAP_ROW + 5

    claim_y = {claim.pk: y_of(i, len(claims)) for i, claim in enumerate(claims)}
    passage_url = _passage_url()
    actor_y = {role: _near(pks, sides[role], claim_y, height) for role, pks in order.items()}
    # In reading (and tabbing) order: each claim, then the statements and disputes of it; the
    # actors last. (Edges meet the boxes at their sides, so none is hidden under a box.)
    edges, nodes = [], []
    for claim in sorted(claims, key=lambda c: claim_y[c.pk]):
        edges.append(_box(x_mid, claim_y[claim.pk], MAP_NODE_W + 40, 44,
                          wrap(claim.text, MAP_NODE_W + 20, 2), css="node-claim",
                          href=claim.get_absolute_url(), label=claim.text))
        cy = claim_y[claim.pk] + 22
        for s in claim.statements.all():
            ay = actor_y["made"][s.actor_id] + 22
            edges.append(_edge(
                [(x_left + MAP_NODE_W, ay), (x_mid, cy)], "states",
                href=passage_url(s.passage_id),
                label=_map_label(s, "states", claim),
            ))
        for d in claim.disputes.all():
            ay = actor_y["disputed"][d.actor_id] + 22
            edges.append(_edge(
                [(x_mid + MAP_NODE_W + 40, cy), (x_right, ay)], d.kind,
                href=passage_url(d.passage_id),
                label=_map_label(d, d.kind, claim),
            ))
    for role, x in (("made", x_left), ("disputed", x_right)):
        for pk in order[role]:
            actor = sides[role][pk][0]
            nodes.append(_box(x, actor_y[role][pk], MAP_NODE_W, 44,
                              wrap(actor.name, MAP_NODE_W - 20, 2), css="node-actor",
                              href=actor.get_absolute_url(), label=actor.name))
    desc = _claims_map_desc(claims)
    return _svg(uid, width, height, "Who made and who disputed these claims", desc,
                *edges, *nodes)


def _claims_map_desc(claims: list) -> str:
    claimants = {s.actor_id for c in claims for s in c.statements.all()}
    disputants = {d.actor_id for c in claims for d in c.disputes.all()}
    return (
        f"{len(claims)} claim{'s' if len(claims) != 1 else ''}, "
        f"{len(claimants)} claimant{'s' if len(claimants) != 1 else ''} and "
        f"{len(disputants)} disputant{'s' if len(disputants) != 1 else ''}. "
        + " ".join(
            f"“{c.text}”: made by "
            f"{', '.join(sorted({s.actor.name for s in c.statements.all()})) or 'no one recorded'}"
            f"; disputed by "
            f"{', '.join(sorted({d.actor.name for d in c.disputes.all()})) or 'no one recorded'}."
            for c in claims
        )
    )


def claims_map_stacked(claims: list, *, uid: str = "claims-map-stacked") -> SafeString:
    """The map for a phone's narrow column: each claim in turn, in the list's order, its
    claimants above it and its disputants below (an actor drawn again for each claim); the same
    links, labels and description as `claims_map`, which the page shows on a wider screen."""
    passage_url = _passage_url()
    body: list[str] = []
    y = 10.0
    for claim in claims:
        if body:  # a rule between claims, so that each reads as its own
            body.append(_el("line", {"x1": 0, "x2": STACK_W, "y1": f"{y + 4:.1f}",
                                     "y2": f"{y + 4:.1f}", "class": "axis", "stroke": "#8a8a94",
                                     "stroke-width": 0.5}))
            y += 18
        above = [
            (s.actor, "states", passage_url(s.passage_id),
             _map_label(s, "states", claim))
            for s in claim.statements.all()
        ]
        below = [
            (d.actor, d.kind, passage_url(d.passage_id),
             _map_label(d, d.kind, claim))
            for d in claim.disputes.all()
        ]
        parts, y, _ = _stacked(
            wrap(claim.text, STACK_W - STACK_RIGHT - 20, 3), claim.get_absolute_url(), claim.text,
            above, below, top=y, labelled=False,
        )
        body.extend(parts)
    return _svg(uid, STACK_W, y + 6, "Who made and who disputed these claims",
                _claims_map_desc(claims), *body,
                css="picture picture-stacked")


def _passage_url():
    """A function giving a passage's address from its id, as reverse() does: reversed once,
    not once for each of a map's hundred-odd edges."""
    marker = 987654321
    head, tail = reverse("passage_detail", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _near(pks: list[int], actors: dict, claim_y: dict[int, float], height: float) -> dict:
    """Each actor's top, in order, as near the mean of its claims' as rows that may not
    overlap allow."""
    wanted = [sum(claim_y[c] for c in actors[pk][1]) / len(actors[pk][1]) for pk in pks]
    tops: list[float] = []
    for y in wanted:  # down: no overlap with the one above
        tops.append(max(y, tops[-1] + MAP_ROW) if tops else max(y, 5))
    bottom = height - MAP_ROW + 5
    for i in range(len(tops) - 1, -1, -1):  # up: none below the bottom
        limit = bottom if i == len(tops) - 1 else tops[i + 1] - MAP_ROW
        tops[i] = min(tops[i], limit)
    return dict(zip(pks, tops, strict=True))


# --- from what the selectors return ----------------------------------------------------------


def actor_timeline_svg(actor, data: dict) -> SafeString:
    """The timeline of `actor`, from `selectors.actor_timeline`."""
    moments = None
    if data["rows"] is not None:
        moments = [
            Moment(
                date=row["when"],
                role=row["role"],
                text=row["claim__text"],
                href=reverse("claim_detail", args=[row["claim__slug"]])
                + f"#{'statement' if row['role'] == 'states' else 'dispute'}-{row['pk']}",
                when=partial_date_display(row["when"], row["precision"]),
            )
            for row in data["rows"]
        ]
    years = None
    if data["years"] is not None:

        def claims_of(role: str, year: int) -> str:
            since, until = f"{year:04d}-01-01", f"{year:04d}-12-31"
            query = urlencode({role: actor.slug, "since": since, "until": until})
            return f"{reverse('claim_list')}?{query}"

        years = [
            YearCount(
                year=y["year"],
                made=y["made"],
                disputed=y["disputed"],
                href_made=claims_of("made_by", y["year"]),
                href_disputed=claims_of("disputed_by", y["year"]),
            )
            for y in data["years"]
        ]
    return actor_timeline(actor.name, moments, years, data["undated"])


CHART_UNITS = 6  # charts on a topic page at most: one a unit, the most used units


def estimates_charts(rows: list[dict]) -> tuple[list[tuple[str, SafeString, list[Estimate]]], int]:
    """One chart a unit of the numeric claims `rows` (from `selectors.topic_estimates`), with
    the estimates drawn; and how many were left out for want of a date."""
    by_unit: dict[str, list[Estimate]] = {}
    undated = 0
    for row in rows:
        if row["first_date"] is None:
            undated += 1
            continue
        value_max = row["quantity_value_max"]
        by_unit.setdefault(row["quantity_unit"], []).append(
            Estimate(
                value=float(row["quantity_value"]),
                value_max=None if value_max is None else float(value_max),
                qualifier=row["quantity_qualifier"],
                date=row["first_date"],
                when=partial_date_display(row["first_date"], row["first_date_precision"]),
                claimants=", ".join(row["claimants"]),
                text=row["text"],
                href=reverse("claim_detail", args=[row["slug"]]),
            )
        )
    units = sorted(by_unit, key=lambda unit: (-len(by_unit[unit]), unit))[:CHART_UNITS]
    charts = [
        (unit, estimates_chart(unit, by_unit[unit], uid=f"chart-{i}"),
         sorted(by_unit[unit], key=lambda e: e.date))
        for i, unit in enumerate(units)
    ]
    return charts, undated


def legend_key(kind: str) -> SafeString:
    """A short line drawn as the edges of `kind` are, for a legend (decorative: the legend's
    words say the kind)."""
    colour, dash = KIND_STYLES[kind]
    return mark_safe(
        _el("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 32 12",
                    "aria-hidden": "true", "focusable": "false", "class": "picture"},
            _el("line", {"x1": 0, "x2": 32, "y1": 6, "y2": 6, "stroke": colour,
                         "stroke-width": 2, "stroke-dasharray": dash,
                         "class": f"edge edge-{kind}"}))
    )

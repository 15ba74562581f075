"""What the public pages' templates call beside the records themselves: plain functions,
registered as Jinja2 globals and filters in project/jinja2.py (search.highlighted and
pictures.legend_key are registered there as they are)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import SuspiciousOperation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import anchoring, citations


def claim_subtitle(claim) -> str:
    """The claim's short title, to show under its text; none when it says no more than the
    claim's quantity, which the page states (qualifier included) beside it: "130,000 political
    prisoners" is not said twice over "more than 130,000 political prisoners"."""
    title = " ".join((claim.title or "").split()).casefold()
    if title and title in " ".join(claim.quantity_display.split()).casefold():
        return ""
    return claim.title or ""


def marked_text(text: str, passages, page=None) -> str:
    """`text`, escaped, with every passage wrapped in `<mark id="passage-<id>">`.

    Passages may nest or overlap: a mark that must close early to keep the HTML well formed is
    reopened as a continuation (same passage, no id), so each id appears once, at its start.
    `text` may be one `page` of its source (selectors.SourcePage): the passages' offsets are
    then the source's, each marked where it is on the page, one begun on an earlier page as a
    continuation.
    """
    if page is None:
        spans = [(p.start, p.end, p.pk) for p in passages if 0 <= p.start < p.end <= len(text)]
    else:
        spans = [
            (max(p.start - page.start, 0), min(p.end - page.start, len(text)), p.pk)
            for p in passages
        ]
        spans = [span for span in spans if span[0] < span[1]]
    spans.sort(key=lambda s: (s[0], -s[1], s[2]))
    changed = {p.pk for p in passages if p.changed}
    bounds = sorted({0, len(text), *(b for s in spans for b in s[:2])})
    out: list[str] = []
    open_marks: list[tuple[int, int]] = []  # (end, pk), outermost first
    started: set[int] = set(page.continued) if page is not None else set()
    pending = list(spans)
    for here, following in zip(bounds, bounds[1:], strict=False):
        # Close marks ending here; any mark opened inside them closes and reopens after.
        if any(end == here for end, _ in open_marks):
            keep = [(end, pk) for end, pk in open_marks if end > here]
            out.append("</mark>" * len(open_marks))
            open_marks = []
            for end, pk in keep:
                out.append(_open(pk, continued=True, changed=pk in changed))
                open_marks.append((end, pk))
        while pending and pending[0][0] == here:
            start, end, pk = pending.pop(0)
            out.append(_open(pk, continued=pk in started, changed=pk in changed))
            started.add(pk)
            open_marks.append((end, pk))
        out.append(escape(text[here:following]))
    out.append("</mark>" * len(open_marks))
    return mark_safe("".join(out))


def _open(pk: int, *, continued: bool, changed: bool) -> str:
    # A changed passage marks only the closest words now, and says so.
    kind = (
        'class="passage changed" title="Changed since cited: the closest words now"'
        if changed
        else 'class="passage"'
    )
    if continued:
        return f'<mark {kind} data-passage="{pk}">'
    return f'<mark {kind} id="passage-{pk}" data-passage="{pk}">'


def _cut_before(context: str, length: int) -> str:
    """Context of `length` characters before a passage, cut at a word where it was cut."""
    if len(context) >= length and " " in context:
        context = "…" + context[context.index(" ") + 1 :]
    return context


def _cut_after(context: str, length: int) -> str:
    if len(context) >= length and " " in context:
        context = context[: context.rindex(" ")] + "…"
    return context


def before(passage, length: int = 160) -> str:
    """The source text just before a passage, cut at a word."""
    return _cut_before(anchoring.context_before(passage.source.text, passage.start, length), length)


def after(passage, length: int = 160) -> str:
    """The source text just after a passage, cut at a word."""
    return _cut_after(anchoring.context_after(passage.source.text, passage.end, length), length)


def before_as_cited(passage) -> str:
    """The context stored when a (since changed) passage was cited, before it, cut at a word."""
    return _cut_before(passage.prefix, anchoring.CONTEXT_LENGTH)


def after_as_cited(passage) -> str:
    return _cut_after(passage.suffix, anchoring.CONTEXT_LENGTH)


def query_with(request, param: str, value) -> str:
    """The current query string with `param` set to `value` (or removed, for None). Changing
    anything but a page number goes back to the first page."""
    # The request's pairs are read once: a list page links 40 facet values and more.
    if not hasattr(request, "query_pairs"):
        request.query_pairs = [(k, v) for k, values in request.GET.lists() for v in values]
    dropped = (param,) if param.endswith("page") else (param, "page")
    pairs = [(k, v) for k, v in request.query_pairs if k not in dropped]
    if value is not None:
        pairs.append((param, str(value)))
    return urlencode(pairs)


def searched(request) -> str:
    """The search the reader made (`q`), for the site's search box; nothing if the query
    string cannot be read at all (too many fields: the 400 page must still render)."""
    try:
        return request.GET.get("q", "") if request is not None else ""
    except SuspiciousOperation:
        return ""


def citation_styles(ref: citations.Reference) -> list[tuple[str, str]]:
    """(style's name, entry) of a reference in each style, each entry's HTML as citeproc-py
    made it (its text escaped, titles in `<i>`)."""
    return [(label, mark_safe(entry)) for label, entry in citations.citations_styled(ref)]

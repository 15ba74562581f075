"""The admin's widgets for a passage's words: a source's text to select them in, a saved
passage's words shown as they are (line breaks included), and the places a repeated quote
stands, to choose one."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import anchoring


def words_display(words: str) -> SafeString:
    """`words` escaped, each line break kept (shown in a `white-space: pre-wrap` box) and
    marked with a ¶: "…said.¶\nThe panel" reads as two paragraphs, not as "said.The panel"."""
    return mark_safe(
        '<span class="line-break" title="a line break">¶</span>\n'.join(
            format_html("{}", line) for line in words.split("\n")
        )
    )


class WordsDisplay(forms.Widget):
    """A saved passage's words (its quote, or the words just before or after it), read only, as
    they stand in the text. An <output>, so that the field's label still names it."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        words = "" if value is None else str(value)
        return format_html(
            '<output id="{}" class="passage-words{}">{}</output>',
            attrs.get("id", ""),
            "" if words else " empty",
            words_display(words) if words else "(none)",
        )

    def value_from_datadict(self, data, files, name):
        return None  # shown only: a disabled field keeps its saved value


class SelectableText(forms.Textarea):
    """A source's text, with a button that makes a passage of the words selected in it (mouse,
    or the keyboard's shift and arrows): a new passage row below gets the words and where they
    start (static/admin/claims/passage_select.js). Works before the source is first saved: its
    passages are saved with it, offsets into the text being saved."""

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="source-text-box">{}<div class="make-passage"><button type="button" '
            'class="button make-passage-button" data-text="{}" hidden>Make a passage of the '
            'selected words</button><span class="make-passage-status" role="status"></span>'
            "</div></div>",
            textarea,
            (attrs or {}).get("id", ""),
        )


# How many of a repeated quote's places are offered; a longer quote tells the others apart.
OCCURRENCES_SHOWN = 10


def occurrences_choice(error: anchoring.QuoteAmbiguous, text: str, field) -> SafeString:
    """An ambiguous quote's form error: each place it stands, with its words around and its
    offset, and a button that puts the offset into `field` (the form's bound start field)."""
    places = format_html_join(
        "",
        '<li><button type="button" class="button occurrence-choose" data-start="{}" '
        'data-field="{}">Take the one at {}</button> <span class="occurrence-words">{}<mark>{}'
        "</mark>{}</span></li>",
        (
            (span.start, field.auto_id, span.start, *_around(text, span))
            for span in error.candidates[:OCCURRENCES_SHOWN]
        ),
    )
    more = ""
    if len(error.candidates) > OCCURRENCES_SHOWN:
        more = format_html(
            " The first {} are below; a longer quote tells the others apart.", OCCURRENCES_SHOWN
        )
    return format_html(
        "These words occur {} times in the text. Choose one: put its offset into “{}”.{}"
        '<ul class="occurrences">{}</ul>',
        len(error.candidates),
        field.label,
        more,
        places,
    )


def _around(text: str, span: anchoring.Span, length: int = 40) -> tuple[str, str, str]:
    """The words before `span`, its own and those after, in whole words, a ¶ for a line break."""
    before = anchoring.context_before(text, span.start, length)
    after = anchoring.context_after(text, span.end, length)
    if span.start > length and " " in before:
        before = "…" + before.split(" ", 1)[1]
    if span.end + length < len(text) and " " in after:
        after = after.rsplit(" ", 1)[0] + "…"
    return tuple(part.replace("\n", " ¶ ") for part in (before, text[span.start : span.end], after))

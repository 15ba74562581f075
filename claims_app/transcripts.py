"""Transcripts as text: pure functions over strings, no ORM.

A transcript's text holds each speaker's turn as a line (or lines) beginning "SPEAKER: ": the
label stays in the text, so the source's page shows who speaks, and a turn's span is the words
after it, so a passage quoted from a turn is the speaker's words alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

SEPARATOR = ": "
# A label: up to 80 characters at the start of a line, no colon, no line break, then ": ".
_LABEL = re.compile(r"^([^\n:]{1,80}?): ", re.MULTILINE)


@dataclass(frozen=True)
class TurnSpan:
    label: str  # the speaker as the text names them
    start: int  # the turn's words, code-point offsets (end exclusive)
    end: int


def label_is_caps(label: str) -> bool:
    """Whether `label` is written in capitals (at least one cased letter, none lower case)."""
    return label.strip() == label and label.upper() == label and label.lower() != label


def turns_join(turns: list[tuple[str, str]]) -> tuple[str, list[TurnSpan]]:
    """The text of these (speaker, words) turns, one "SPEAKER: words" after another with a line
    break between two, and where each turn's words are."""
    spans, lines, at = [], [], 0
    for label, words in turns:
        start = at + len(label) + len(SEPARATOR)
        spans.append(TurnSpan(label, start, start + len(words)))
        lines.append(f"{label}{SEPARATOR}{words}")
        at = start + len(words) + 1
    return "\n".join(lines), spans


def turns_read(text: str, is_speaker: Callable[[str], bool]) -> list[TurnSpan]:
    """The turns of `text`: each line beginning "LABEL: " where the label is in capitals or
    `is_speaker(label)`, its words running to the next such line (trailing blanks left out).
    Lines before the first label belong to no turn; a label with no words after it makes none."""
    starts = [
        match
        for match in _LABEL.finditer(text)
        if match[1].strip() == match[1] and (label_is_caps(match[1]) or is_speaker(match[1]))
    ]
    turns = []
    for i, match in enumerate(starts):
        start = match.end()
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        end = start + len(text[start:end].rstrip())
        if end > start:
            turns.append(TurnSpan(match[1], start, end))
    return turns


def label_before(text: str, start: int) -> str | None:
    """The label of the turn whose words begin at `start`: what its line holds before ": "."""
    line = text.rfind("\n", 0, start) + 1
    if text[max(line, start - len(SEPARATOR)) : start] != SEPARATOR:
        return None
    return text[line : start - len(SEPARATOR)] or None


def turns_split(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, str]] | None:
    """The (label, words) turns that `turns_join` would make `text` of, with its words at
    `spans`; None when the text is not exactly its turns (a heading, words outside a turn)."""
    turns = []
    for start, end in spans:
        label = label_before(text, start)
        if label is None:
            return None
        turns.append((label, text[start:end]))
    joined, joined_spans = turns_join(turns)
    if joined != text or [(s.start, s.end) for s in joined_spans] != list(spans):
        return None
    return turns

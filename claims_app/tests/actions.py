"""A curator's hands in a browser test, counted under one rule (issue 17): what a person does
to the page is one action each time.

- a click (a button, a link, a checkbox, an option in a list);
- a selection, however it is made (a mouse drag, or shift and the arrow keys held across the
  words): one;
- a field filled, however many characters are typed into it;
- a key that moves or submits (Tab, Shift+Tab, Enter, an arrow key outside typing, Escape);
- an address typed into the browser's bar.

Waiting, reading and scrolling are free: they are not what makes curation slow. `Hands.log`
keeps each action with what it was for, so that a count can be read and argued with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Keys that only move or submit: each press is one action.
MOVING_KEYS = {
    "Tab",
    "Shift+Tab",
    "Enter",
    "Escape",
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
    "Home",
    "End",
    "Control+Home",
    "Control+End",
    "Control+ArrowLeft",
    "Control+ArrowRight",
    "PageUp",
    "PageDown",
    "Space",
    "Control+Enter",  # submits (the annotation view's "save and publish")
}


@dataclass
class Hands:
    """Does things to `page` as a curator would, and counts them."""

    page: object
    log: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.log)

    def summary(self, path: str) -> str:
        return f"{path}: {self.count} user actions\n" + "\n".join(
            f"  {n:3}. {line}" for n, line in enumerate(self.log, 1)
        )

    def _did(self, kind: str, what: str) -> None:
        self.log.append(f"{kind}: {what}")

    def go(self, url: str) -> None:
        """An address typed (or a bookmark followed)."""
        self.page.goto(url)
        self._did("address", url)

    def click(self, locator, what: str = "") -> None:
        locator.click()
        self._did("click", what or str(locator))

    def fill(self, locator, text: str, what: str = "") -> None:
        """A field filled, however long the text (pasted or typed)."""
        locator.fill(text)
        self._did("fill", what or str(locator))

    def type(self, text: str, what: str = "") -> None:
        """Typing into the focused field, by keyboard: one field filled."""
        self.page.keyboard.type(text)
        self._did("fill", what or f"typed {text[:40]!r}")

    def choose(self, locator, value: str, what: str = "") -> None:
        """A value picked in a <select> (with the mouse: one click on the option)."""
        locator.select_option(value)
        self._did("choose", what or value)

    def press(self, key: str, what: str = "", times: int = 1) -> None:
        """A key that moves or submits, `times` times: each press counts."""
        assert key in MOVING_KEYS, f"{key} is not a key that moves or submits"
        for _ in range(times):
            self.page.keyboard.press(key)
            self._did("key", f"{key} {what}".strip())

    def select_by_keys(self, right: int, what: str = "") -> None:
        """A selection made with the keyboard: shift held, `right` presses of the right arrow
        from the caret. One selection, one action, however many presses it took."""
        self.page.keyboard.down("Shift")
        for _ in range(right):
            self.page.keyboard.press("ArrowRight")
        self.page.keyboard.up("Shift")
        self._did("selection", what or f"{right} characters by keyboard")

    def select_words(self, box: str, words: str, what: str = "") -> None:
        """A selection made with the mouse: press before the first letter of `words` in the
        element `box` (its first occurrence in the element's text) and drag past the last."""
        rects = self.page.eval_on_selector(
            box,
            """(box, words) => {
                const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
                const nodes = []; let all = "";
                for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                    nodes.push([n, all.length]); all += n.data; }
                const at = all.indexOf(words);
                if (at < 0) return null;
                const point = (offset) => { for (const [n, from] of nodes)
                    if (offset < from + n.data.length) return [n, offset - from];
                    const [n, from] = nodes[nodes.length - 1]; return [n, offset - from]; };
                const rect = (from, to) => { const range = document.createRange();
                    const [a, i] = point(from), [b, j] = point(to - 1);
                    range.setStart(a, i); range.setEnd(b, j + 1);
                    const r = range.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.bottom]; };
                point(at)[0].parentElement.scrollIntoView({block: "nearest"});
                return [rect(at, at + 1), rect(at + words.length - 1, at + words.length)];
            }""",
            words,
        )
        assert rects, f"{words!r} is not in {box}"
        (left, top, _, bottom), (_, top2, right, bottom2) = rects
        self.page.mouse.move(left + 1, (top + bottom) / 2)
        self.page.mouse.down()
        self.page.mouse.move(right - 1, (top2 + bottom2) / 2, steps=8)
        self.page.mouse.up()
        self._did("selection", what or f"{words[:40]!r} by mouse")

    def select_in_field(self, field: str, words: str, what: str = "") -> None:
        """A selection made with the mouse in a textarea (`field`, a selector)."""
        select_in_field(self.page, field, words)
        self._did("selection", what or f"{words[:40]!r} by mouse")


# Where words stand in a textarea, whose text has no DOM of its own: a hidden copy of the box
# (same size, font and wrapping) with the words in a <span>, measured, at the box's scroll.
_TEXTAREA_WORDS = """(field, words) => {
    const at = field.value.indexOf(words);
    if (at < 0) return null;
    field.scrollIntoView({block: "center"});
    const style = getComputedStyle(field), copy = document.createElement("div");
    for (const name of ["boxSizing", "width", "paddingTop", "paddingRight", "paddingBottom",
            "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth",
            "borderLeftWidth", "borderStyle", "fontFamily", "fontSize", "fontWeight",
            "fontStyle", "letterSpacing", "lineHeight", "textTransform", "wordSpacing",
            "textIndent", "tabSize"])
        copy.style[name] = style[name];
    Object.assign(copy.style, {position: "absolute", top: "0", left: "0", visibility: "hidden",
        whiteSpace: "pre-wrap", overflowWrap: "break-word",
        overflowY: field.scrollHeight > field.clientHeight ? "scroll" : "hidden"});
    const span = document.createElement("span");
    span.textContent = words;
    copy.append(field.value.slice(0, at), span, field.value.slice(at + words.length));
    document.body.append(copy);
    const origin = copy.getBoundingClientRect(), lines = [...span.getClientRects()];
    const first = lines[0], last = lines[lines.length - 1];
    field.scrollTop = Math.max(0, first.top - origin.top - field.clientHeight / 3);
    const box = field.getBoundingClientRect();
    const x = (left) => box.left + left - origin.left - field.scrollLeft;
    const y = (rect) => box.top + (rect.top + rect.bottom) / 2 - origin.top - field.scrollTop;
    copy.remove();
    return [x(first.left) + 1, y(first), x(last.right) - 1, y(last), at];
}"""


def select_in_field(page, field: str, words: str) -> None:
    """Select `words` (their first occurrence) in the textarea `field` with the mouse: press
    before their first letter and drag past their last."""
    found = page.eval_on_selector(field, _TEXTAREA_WORDS, words)
    assert found, f"{words!r} is not in {field}"
    x1, y1, x2, y2, at = found
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()
    selected = page.eval_on_selector(field, "f => [f.selectionStart, f.selectionEnd]")
    assert selected == [at, at + len(words)], f"selected {selected}, not {words!r} at {at}"

"""The site's own addresses, made faster than reverse() makes them: a list page links a hundred
and more (each claim, its actors, its topics), and reverse() matches every pattern's converters
each time. Each address is made once by reverse() (for each script prefix and URLconf) and kept;
`detail_url` then puts a value where a placeholder was."""

import re
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

_PLACEHOLDER = "9182736450"  # a slug and a whole number alike
_UNQUOTED = re.compile(r"[-\w.~]*", re.ASCII)  # what quote() leaves as it is
_MADE: dict[tuple, str | tuple[str, str]] = {}


def _key(name: str, kind: str) -> tuple:
    return (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, kind)


def address(name: str) -> str:
    """reverse(name) for an address that takes no value (a list, a feed)."""
    key = _key(name, "plain")
    if key not in _MADE:
        _MADE[key] = reverse(name)
    return _MADE[key]


def detail_url(name: str, value: str | int) -> str:
    """reverse(name, args=[value]) for an address that takes one value (a slug, an id), in a
    third of the time: made around a placeholder once, the value quoted as reverse() quotes it."""
    key = _key(name, "detail")
    if key not in _MADE:
        _MADE[key] = tuple(reverse(name, args=[_PLACEHOLDER]).rsplit(_PLACEHOLDER, 1))
    before, after = _MADE[key]
    text = str(value)
    if not _UNQUOTED.fullmatch(text):
        text = quote(text, safe=RFC3986_SUBDELIMS + "/~:@")
    return f"{before}{text}{after}"

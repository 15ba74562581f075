"""Every public address, for tests that must reach them all: each URL pattern of the app,
filled in with what a test gives. A pattern it cannot fill fails loudly, so that a URL added
later is covered, not skipped."""

from collections.abc import Callable, Iterable

from django.urls import reverse

from claims_app import urls
from claims_app.sitemaps import SITEMAPS


def public_addresses(
    *, slugs: Callable[[str], Iterable[str]], passage_ids: Iterable[int]
) -> list[str]:
    """Each public URL pattern, once for every slug `slugs(pattern name)` gives (a source's
    pages: its pages 1 and 2), every passage id, and every sitemap section; patterns without
    parameters as they are."""
    found = []
    for pattern in urls.urlpatterns:
        converters = set(getattr(pattern.pattern, "converters", {}))
        if not converters:
            found.append(reverse(pattern.name))
        elif converters == {"slug"}:
            found += [reverse(pattern.name, kwargs={"slug": s}) for s in slugs(pattern.name)]
        elif converters == {"pk"}:
            found += [reverse(pattern.name, kwargs={"pk": pk}) for pk in passage_ids]
        elif converters == {"slug", "number"}:  # a source's pages: its first and second
            found += [
                reverse(pattern.name, kwargs={"slug": s, "number": n})
                for s in slugs(pattern.name)
                for n in (1, 2)
            ]
        elif converters == {"section"}:
            found += [reverse(pattern.name, kwargs={"section": s}) for s in SITEMAPS]
        else:
            raise AssertionError(f"no way to fill {pattern.pattern}: teach addresses.py")
    return found

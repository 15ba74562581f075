"""The Jinja2 environment the public pages render in (settings.TEMPLATES, jinja2/): Django's
`url` and `static`, the Django filters the templates use, with Django's meaning, and the app's
helpers (claims_app/templating.py)."""

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment

from claims_app import addresses, citations, pictures, search, templating


def url(name: str, *args) -> str:
    """`{{ url("claim_detail", claim.slug) }}`: Django's `{% url %}` (claims_app/addresses.py
    makes the site's own addresses faster)."""
    if not args:
        return addresses.address(name)
    if len(args) == 1:
        return addresses.detail_url(name, args[0])
    return reverse(name, args=args)


def date(value, format: str | None = None) -> str:
    """Django's `date` filter, given local time as Django's engine gives it."""
    return defaultfilters.date(template_localtime(value), format)


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(
        url=url,
        static=static,
        marked_text=templating.marked_text,
        claim_subtitle=templating.claim_subtitle,
        query_with=templating.query_with,
        searched=templating.searched,
        legend_key=pictures.legend_key,
        citation_plain=citations.citation_plain,
        citation_styles=templating.citation_styles,
        citation_meta=citations.meta_tags,
    )
    env.filters.update(
        # Django's, where Jinja2 has none or one that means something else (its `capitalize`
        # lowers the rest; its `truncate` counts differently and ends with "...").
        capfirst=defaultfilters.capfirst,
        date=date,
        pluralize=defaultfilters.pluralize,
        truncatechars=defaultfilters.truncatechars,
        highlighted=search.highlighted,
        before=templating.before,
        after=templating.after,
        before_as_cited=templating.before_as_cited,
        after_as_cited=templating.after_as_cited,
    )
    return env

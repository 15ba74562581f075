"""Who the client is: its address, as login throttling (django-axes) keys it.

Behind DJANGO_PROXY_COUNT trusted proxies (DJANGO_HTTPS_PROXY=1; one unless said otherwise),
each proxy appends to X-Forwarded-For the address it was reached from. A client may send an
X-Forwarded-For of its own, which the proxies append to, so only the entries the proxies added,
the rightmost ones, can be believed: the client is the one the outermost proxy added, the Nth
from the right. Without a proxy the header is anybody's to write, and is ignored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(entry: str) -> str | None:
    """An X-Forwarded-For entry as a plain IP address (a port or brackets dropped), or None."""
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:  # [2001:db8::1]:443
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:  # 203.0.113.7:443
        entry = entry.partition(":")[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that made `request`, as far as it can be trusted."""
    direct = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded.strip():
        return direct
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    # Fewer entries than proxies: the request came in past the outer ones, and every entry is
    # one a trusted proxy added; the leftmost is the farthest out of them.
    entry = entries[-proxies] if len(entries) >= proxies else entries[0]
    return _address(entry) or direct

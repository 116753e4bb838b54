"""Canonical article URLs: the same article reached from a feed (with its tracking
parameters), a saved page or a JSON dump is one URL, so one article id.

Only what never names another page is changed: the scheme and host lower-cased, a
default port dropped, the fragment dropped, and tracking parameters (utm_*, fbclid,
gclid, ...: courlan's list, made for crawling news sites) removed from the query. Every
other byte stays as it was, escapes and order included (`?12345`, `;jsessionid=`, `&reg`).
A string that is not a web URL is kept as it was (trimmed): an id must never depend on a
parse that failed.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web_url(text: str) -> bool:
    """Whether `text` is an http(s) URL with a host (what `newsdesk index` fetches)."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def tracking(key: str) -> bool:
    """Whether a query parameter's name is a tracker's (utm_source, fbclid, ...)."""
    from courlan.clean import TRACKERS_RE

    return bool(TRACKERS_RE.search(unquote(key).lower()))


def canonical_url(url: str) -> str:
    """The canonical form of `url` (see the module's note); non-web URLs as they were."""
    url = url.strip()
    if not is_web_url(url):
        return url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    host = hostport.lower()
    if port is not None and port == _DEFAULT_PORTS.get(scheme):
        host = host.rsplit(":", 1)[0]
    netloc = f"{userinfo}{at}{host}"
    query = "&".join(p for p in parts.query.split("&")
                     if p and not tracking(p.split("=", 1)[0])) if parts.query else ""
    return urlunsplit((scheme, netloc, parts.path, query, ""))

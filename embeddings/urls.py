"""Canonical article URLs: the same article reached from a feed (with its tracking
parameters), a saved page or a JSON dump is one URL, so one article id.

courlan (trafilatura's URL library, made for crawling news sites) does the work: scheme
and host lower-cased, default ports and fragments dropped, tracking parameters (utm_*,
fbclid, gclid, ...) removed, the rest sorted. A string it cannot read as a web URL is kept
as it was (trimmed): an id must never depend on a parse that failed.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def is_web_url(text: str) -> bool:
    """Whether `text` is an http(s) URL with a host (what `newsdesk index` fetches)."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def canonical_url(url: str) -> str:
    """The canonical form of `url` (see the module's note); non-web URLs as they were."""
    url = url.strip()
    if not is_web_url(url):
        return url
    from courlan import normalize_url

    try:
        canonical = normalize_url(url, strict=False)
    except (ValueError, TypeError, UnicodeError):
        return url
    parts = urlsplit(canonical)
    return urlunsplit(parts._replace(fragment=""))  # an anchor is a place in a page


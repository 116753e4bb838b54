"""A polite HTTP client for pages and feeds.

Polite: it says who it is (User-Agent), spaces its requests to one host, asks for a feed
again only if it changed (ETag / Last-Modified), and follows redirects itself so that a
loop or an endless chain ends in a plain message. Careful: every wait is bounded (connect,
each read, and the whole body), and so is the size of what it reads.

httpx is imported on first use: `embeddings` is imported by fast CLI commands.
"""
from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 10 * 2**20
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_HOST_DELAY = 1.0
DEFAULT_ACCEPT = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                  "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.8")
REDIRECTS = frozenset({301, 302, 303, 307, 308})

@functools.cache
def default_user_agent() -> str:
    """newsdesk's User-Agent, with the installed version (read once, on first use: importing
    this module reads no package metadata)."""
    from ..version import installed_version

    return f"newsdesk/{installed_version()} (+https://github.com/newsdesk/newsdesk; news reader)"


def private_host(host: str) -> bool:
    """Whether `host` is, or resolves to, a loopback, private, link-local or otherwise
    non-public address (a name that does not resolve is not: its fetch fails anyway)."""
    import ipaddress
    import socket

    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0])
                         for info in socket.getaddrinfo(host, None)]
        except (OSError, UnicodeError, ValueError):
            return False
    return any(not a.is_global or a.is_multicast for a in addresses)


class FetchError(Exception):
    """A page or feed that could not be fetched; `reason` is short and said to the user."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int  # 200, or 304 for a conditional GET that found nothing new
    content: bytes  # b"" for 304
    media_type: str | None  # "text/html", "application/rss+xml" (lower case, no parameters)
    charset: str | None  # from Content-Type, if any
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header, either None where it says nothing."""
    if not value:
        return None, None
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        name, _, given = param.partition("=")
        if name.strip().lower() == "charset":
            charset = given.strip().strip('"').strip("'") or None
    return media_type.strip().lower() or None, charset


def _number(value: float) -> str:
    """15.0 -> "15", 0.5 -> "0.5": a limit as a person writes it."""
    return f"{value:g}"


def _mib(size: int) -> str:
    mib = size / 2**20
    if mib >= 0.05:  # 100_000 bytes -> "0.1"
        return f"{mib:.1f}".removesuffix(".0")
    return f"{mib:.2g}"


def _status_reason(status: int, phrase: str) -> str:
    if not phrase:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
    return f"HTTP {status} {phrase}".strip()


def _without_errno(error: BaseException) -> str:
    """'[Errno -2] Name or service not known' -> 'name or service not known'."""
    text = str(error).strip()
    if text.startswith("[Errno") and "]" in text:
        text = text.split("]", 1)[1].strip()
    return (text[:1].lower() + text[1:]) if text else type(error).__name__


class Fetcher:
    """GETs pages and feeds; one per thread, reused (it keeps connections alive).

    `user_agent` None is `default_user_agent()`. `waited` is the total time slept so far to space
    requests to one host."""

    def __init__(self, user_agent: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_redirects: int = DEFAULT_MAX_REDIRECTS,
                 host_delay: float = DEFAULT_HOST_DELAY):
        self.user_agent = user_agent or default_user_agent()
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.host_delay = host_delay
        self.waited = 0.0
        self._last_request: dict[str, float] = {}  # host -> when its last exchange ended
        self._client: httpx.Client | None = None

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                headers={"User-Agent": self.user_agent})
        return self._client

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            accept: str | None = None, public_only: bool = False) -> Response:
        """The body at `url` (after redirects), or status 304 and no body if `etag` or
        `last_modified` (from an earlier Response) say it has not changed. `public_only`:
        no hop may lead to this machine or a private network (a link a feed gave, which
        must not reach a router's page or a cloud's metadata service).
        Raises FetchError for anything that is not a usable answer."""
        import httpx

        try:
            current = httpx.URL(url.strip())
        except (httpx.InvalidURL, ValueError, TypeError):
            raise FetchError(url, "not a web address") from None
        if current.scheme not in ("http", "https") or not current.host:
            raise FetchError(url, "not a web address")
        headers = {"Accept": accept or DEFAULT_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = {str(current.copy_with(fragment=None))}  # the first address and each redirect
        while True:
            if public_only and private_host(current.host):
                raise FetchError(url, f"refused: {current.host} is this machine or a private "
                                      f"network, and a feed's link may not lead there")
            hop = self._exchange(url, current, headers)
            if hop.response is not None:
                return hop.response
            location = hop.location
            try:
                target = current.join(location) if location else None
            except (httpx.InvalidURL, ValueError):
                raise FetchError(url, "redirected to a bad address") from None
            if target is None:
                raise FetchError(url, f"redirect without a new address (HTTP {hop.status})")
            if target.scheme not in ("http", "https") or not target.host:
                raise FetchError(url, f"refused a redirect to a non-web address ({target.scheme or location})")
            key = str(target.copy_with(fragment=None))
            if key in visited:
                raise FetchError(url, "redirect loop")
            if len(visited) > self.max_redirects:
                raise FetchError(url, f"too many redirects (more than {self.max_redirects})")
            visited.add(key)
            current = target

    def _wait_for(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is None or self.host_delay <= 0:
            return
        remaining = last + self.host_delay - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
            self.waited += remaining

    def _exchange(self, url: str, current: httpx.URL, headers: dict[str, str]) -> _Hop:
        """One request and its answer (a redirect's body is not read); `url` names errors."""
        import httpx

        host = current.host
        self._wait_for(host)
        try:
            request = self._http().build_request("GET", current, headers=headers)
            deadline = time.monotonic() + self.timeout
            response = self._http().send(request, stream=True)
            try:
                return self._read(url, response, deadline)
            finally:
                response.close()
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {_number(self.timeout)} s") from None
        except httpx.ConnectError as e:
            cause = e.__cause__ or e.__context__
            if isinstance(cause, ConnectionRefusedError) or "refused" in str(e).lower():
                raise FetchError(url, "connection refused") from None
            raise FetchError(url, f"could not connect: {_without_errno(e)}") from None
        except httpx.RemoteProtocolError as e:
            raise FetchError(url, f"the server broke off the answer: {_without_errno(e)}") from None
        except httpx.DecodingError:
            raise FetchError(url, "the answer could not be decoded") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise FetchError(url, "not a web address") from None
        except (httpx.HTTPError, httpx.StreamError) as e:
            raise FetchError(url, f"network error: {_without_errno(e)}") from None
        finally:
            self._last_request[host] = time.monotonic()

    def _read(self, url: str, response: httpx.Response, deadline: float) -> _Hop:
        status = response.status_code
        if status in REDIRECTS:
            return _Hop(status, response.headers.get("Location"))
        if status >= 400:
            raise FetchError(url, _status_reason(status, response.reason_phrase))
        media_type, charset = parse_content_type(response.headers.get("Content-Type"))
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        final = str(response.url)
        if status == 304:
            return _Hop(status, response=Response(final, 304, b"", media_type, charset, etag, last_modified))
        too_large = f"larger than {_mib(self.max_bytes)} MiB (the limit)"
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(url, too_large)
        body = bytearray()
        for chunk in response.iter_bytes():  # decoded: the limit holds after gzip too
            body += chunk
            if len(body) > self.max_bytes:
                raise FetchError(url, too_large)
            if time.monotonic() > deadline:  # a server that trickles bytes
                raise FetchError(url, f"timed out after {_number(self.timeout)} s")
        return _Hop(status, response=Response(final, status, bytes(body), media_type, charset,
                                              etag, last_modified))


@dataclass(frozen=True)
class _Hop:
    """One exchange: a redirect (status, Location) or the final Response."""
    status: int
    location: str | None = None
    response: Response | None = None


@contextlib.contextmanager
def borrowed(fetcher: Fetcher | None) -> Iterator[Fetcher]:
    """`fetcher`, or (for a call given none) a new one, closed after."""
    if fetcher is not None:
        yield fetcher
        return
    with Fetcher() as own:
        yield own

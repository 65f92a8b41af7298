"""HTTP for `kronika watch`: one httpx client with time-outs, retries with back-off, conditional
requests, robots.txt (RFC 9309) and a minimum interval between requests to one host.

Every body is bounded while it arrives, after decompression too: content encodings are decoded
here, chunk by chunk with a cap on each chunk's output, so a small gzip bomb is cut off at the
limit like a large page.
"""
from __future__ import annotations

import logging
import threading
import time
import urllib.robotparser
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from .decoding import human_size
from .version import __version__

log = logging.getLogger(__name__)
USER_AGENT = f"kronika/{__version__} (news event coding; python-httpx)"
ROBOTS_TTL = 24 * 3600.0  # seconds a host's robots.txt is kept
MAX_ROBOTS_BYTES = 500_000  # RFC 9309: crawlers must read at least 500 KiB
MAX_RETRY_AFTER = 60.0
MAX_CRAWL_DELAY = 60.0
RETRIED = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchError(Exception):
    """A request that failed for good (after its retries): the message says why in one line."""

    def __init__(self, message: str, status: int | None = None, retry: bool = True):
        super().__init__(message)
        self.status = status
        self.retry = retry  # worth trying again in a later round (a time-out, a 5xx), unlike a 404


@dataclass
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when the validators matched
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: float = 0.0  # when the last request to the host was sent (monotonic)
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_until: float = 0.0
    delay: float = 0.0  # robots.txt's Crawl-delay


class Fetcher:
    """GET with everything a polite, bounded client needs. `transport` is for tests only
    (an httpx transport); `per_host` is the least number of seconds between two requests to one
    host (robots.txt's Crawl-delay, up to a minute, when larger)."""

    def __init__(self, *, timeout: float = 20.0, retries: int = 2, backoff: float = 1.0, per_host: float = 1.0,
                 user_agent: str = USER_AGENT, transport=None):
        import httpx

        self.retries, self.backoff, self.per_host, self.user_agent = retries, backoff, per_host, user_agent
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True,
                                   max_redirects=5, transport=transport,
                                   headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"})
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self.seconds = 0.0  # time spent in requests, waits included

    def close(self) -> None:
        self.client.close()

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this client fetch `url` (fetched once a day per host)."""
        host = self._host(url)
        now = time.monotonic()
        if host.robots is None or now >= host.robots_until:
            host.robots = self._robots(url)
            host.robots_until = now + ROBOTS_TTL
            delay = host.robots.crawl_delay(self.user_agent) if host.robots else None
            host.delay = min(float(delay or 0.0), MAX_CRAWL_DELAY)
        return host.robots.can_fetch(self.user_agent, url)

    def get(self, url: str, *, max_bytes: int, etag: str | None = None, last_modified: str | None = None,
            accept: str = "*/*") -> Fetched:
        """The response to a GET of `url` (200 or 304), its body at most `max_bytes` decoded;
        raises FetchError once the retries are spent or for an answer not worth retrying."""
        import httpx

        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        started = time.perf_counter()
        try:
            while True:
                attempt += 1
                wait = self.backoff * 2 ** (attempt - 1)
                try:
                    return self._once(url, headers, max_bytes)
                except FetchError as err:
                    if not err.retry or attempt > self.retries:
                        raise
                    wait = max(wait, getattr(err, "retry_after", 0.0))
                    log.debug("%s: %s; trying again in %.1f s", url, err, wait)
                except (httpx.TimeoutException, httpx.TransportError) as err:
                    if attempt > self.retries:
                        kind = "timed out" if isinstance(err, httpx.TimeoutException) else "could not be reached"
                        raise FetchError(f"{kind} ({type(err).__name__}) after {attempt} tries") from None
                    log.debug("%s: %s; trying again in %.1f s", url, type(err).__name__, wait)
                time.sleep(wait)
        finally:
            self.seconds += time.perf_counter() - started

    def _once(self, url: str, headers: dict, max_bytes: int) -> Fetched:
        host = self._host(url)
        with host.lock:  # one request at a time to a host, spaced
            gap = max(self.per_host, host.delay) - (time.monotonic() - host.last)
            if gap > 0:
                time.sleep(gap)
            host.last = time.monotonic()
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    return Fetched(str(r.url), 304, etag=r.headers.get("etag") or headers.get("If-None-Match"),
                                   last_modified=r.headers.get("last-modified") or headers.get("If-Modified-Since"))
                if r.status_code != 200:
                    err = FetchError(f"HTTP {r.status_code}", r.status_code, retry=r.status_code in RETRIED)
                    err.retry_after = _retry_after(r.headers.get("retry-after"))
                    raise err
                return Fetched(str(r.url), 200, _bounded_body(r, max_bytes), r.headers.get("etag"),
                               r.headers.get("last-modified"))

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        with self._lock:
            return self._hosts.setdefault(key, _Host())

    def _robots(self, url: str) -> urllib.robotparser.RobotFileParser:
        """RFC 9309: a robots.txt that is there is obeyed; none (4xx) allows everything; a server
        error or no answer disallows everything until it is read again."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            got = self.get(robots_url, max_bytes=MAX_ROBOTS_BYTES, accept="text/plain")
            parser.parse(got.body.decode("utf-8", "replace").splitlines())
        except FetchError as err:
            if err.status is not None and 400 <= err.status < 500 and err.status != 429:
                parser.allow_all = True
            else:
                log.warning("%s: %s; nothing is fetched from %s until it can be read", robots_url, err, parts.netloc)
                parser.disallow_all = True
        except ValueError:  # a body cut off at the limit: what was read is obeyed
            parser.allow_all = True
        return parser


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        try:
            return min(MAX_RETRY_AFTER, max(0.0, parsedate_to_datetime(value).timestamp() - time.time()))
        except (TypeError, ValueError):
            return 0.0


def _bounded_body(response, max_bytes: int) -> bytes:
    """The response's body decoded (gzip, deflate or none), at most `max_bytes`; FetchError past it."""
    encoding = response.headers.get("content-encoding", "").lower().strip()
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    else:
        raise FetchError(f"the server sent content encoded as {encoding!r}, which kronika does not read", retry=False)
    declared = response.headers.get("content-length")
    if decoder is None and declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the body is {human_size(int(declared))}, over the {human_size(max_bytes)} limit", retry=False)
    out, size = [], 0
    try:
        for chunk in response.iter_raw():
            if decoder is None:
                out.append(chunk)
                size += len(chunk)
            while decoder is not None and chunk and size <= max_bytes:
                # at most what the limit still allows from each step: a bomb stops at the limit
                piece = decoder.decompress(chunk, max_bytes - size + 1)
                out.append(piece)
                size += len(piece)
                chunk = decoder.unconsumed_tail
            if size > max_bytes:
                raise FetchError(f"the body is over the {human_size(max_bytes)} limit", retry=False)
        if decoder is not None:
            out.append(decoder.flush(max_bytes - size + 1))
            size += len(out[-1])
    except zlib.error as err:
        raise FetchError(f"the {encoding} body is corrupt ({err})", retry=False) from None
    if size > max_bytes:
        raise FetchError(f"the body is over the {human_size(max_bytes)} limit", retry=False)
    return b"".join(out)

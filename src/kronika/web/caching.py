"""The read API's answers, cached and tagged by the store's revision (X-Kronika-Cache: hit or miss).

An answer to a GET of the read API depends on the request (path and query) and on the store, whose
revision (`Store.revision`) changes with every write. So an answer is kept in memory under its
request with the revision it was made at and served again while the revision stands; its ETag is
the revision and the request, so a client that sends it back (If-None-Match) gets a 304 without
any query being run, and one that has an answer of an older revision gets the new one. Counts over
a million events (`/api/stats`) and repeated views cost one look at the revision; clients that ask
for the same answer while it is being made wait for that one instead of making it again.
"""
from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool

CACHED = ("/api/events", "/api/stats", "/api/export", "/api/clusters/", "/api/articles/")
MAX_BYTES = 64 << 20  # answers kept, all together
MAX_ENTRY = 8 << 20  # one answer kept at most (a bigger export is made each time)


@dataclass
class _Kept:
    revision: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """A pure ASGI middleware; `revision()` reads the store's revision (in a thread, unless `local`:
    a SQLite file)."""

    def __init__(self, app, revision: Callable[[], int], local: bool = False, max_bytes: int = MAX_BYTES,
                 max_entry: int = MAX_ENTRY):
        self.app, self.revision, self.local = app, revision, local
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._bytes = 0
        self._making: dict[tuple[str, int], asyncio.Future] = {}  # answers being made, for the same requests meanwhile

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("method") != "GET" or not path.startswith(CACHED):
            await self.app(scope, receive, send)
            return
        try:  # a local file answers in microseconds: asked here, not behind the routes' threads
            revision = self.revision() if self.local else await run_in_threadpool(self.revision)
        except Exception:  # the store cannot be reached: the route says so
            await self.app(scope, receive, send)
            return
        key = _key(path, scope.get("query_string", b""))
        etag = f'"{revision}-{hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}"'.encode()
        tags = dict(scope.get("headers") or ()).get(b"if-none-match", b"")
        if etag in [t.strip() for t in tags.split(b",")]:
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", etag), (b"cache-control", b"no-cache")]})
            await send({"type": "http.response.body", "body": b""})
            return
        kept = self._kept.get(key)
        if kept is None or kept.revision != revision:
            making = self._making.get((key, revision))
            if making is not None:  # the same answer is being made for another client: wait for it
                kept = await asyncio.shield(making)
        if kept is not None and kept.revision == revision:
            self._kept.move_to_end(key)
            await send({"type": "http.response.start", "status": kept.status,
                        "headers": kept.headers + [(b"x-kronika-cache", b"hit")]})
            await send({"type": "http.response.body", "body": kept.body})
            return
        made_here = asyncio.get_running_loop().create_future()
        self._making[(key, revision)] = made_here
        try:
            await self._make(scope, receive, send, key, revision, etag, made_here)
        finally:
            self._making.pop((key, revision), None)
            if not made_here.done():
                made_here.set_result(None)  # no answer to share (an error): the waiters make their own

    async def _make(self, scope, receive, send, key: str, revision: int, etag: bytes, made_here) -> None:
        start: dict = {}
        parts: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] == 200:
                    headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in (b"etag", b"cache-control")]
                    start["headers"] = headers + [(b"etag", etag), (b"cache-control", b"no-cache")]
                return
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                body = b"".join(parts)
                made = start.get("status") == 200
                if made:  # kept, and given to the clients waiting for it, before it is sent
                    kept = _Kept(revision, 200, start["headers"], body)
                    self._keep(key, kept)
                    made_here.set_result(kept)
                await send({**start, "headers": start["headers"] + [(b"x-kronika-cache", b"miss")]} if made else start)
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)

    def _keep(self, key: str, kept: _Kept) -> None:
        if len(kept.body) > self.max_entry:
            return
        old = self._kept.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._kept[key] = kept
        self._bytes += len(kept.body)
        while self._bytes > self.max_bytes and self._kept:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped.body)


def _key(path: str, query: bytes) -> str:
    """The request as a key: the path and its query parameters in order of name (so that
    ?a=1&b=2 and ?b=2&a=1 are one answer)."""
    pairs = sorted(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    return path + "?" + urlencode(pairs)

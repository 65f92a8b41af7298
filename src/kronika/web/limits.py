"""Bounds on request bodies, checked while a body arrives and before any parsing or authentication
work: a pure ASGI middleware, so nothing on the way buffers the body.

A declared `Content-Length` over a path's limit is answered 413 at once, without reading a byte; a
body without one (chunked) is counted as it streams and cut off at the limit. A path may have a
gate (the write token) that is asked before any of its body is read. Refusals are the API's JSON
error (`{"detail": ...}`) and close the connection, so the unread rest of a body is not drained.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class BodyRule:
    """What one path takes: at most `limit` bytes of body (`what` says it in words, for the 413
    message), and an optional `gate`, given the request's headers before the body is read, that
    returns the refusal or None to let it through; it guards the route's `methods` (another method
    is the route's 405)."""

    limit: int
    what: str
    gate: Callable[[Headers], HTTPException | None] | None = None
    methods: frozenset[str] = frozenset({"POST"})


class BodyTooLarge(HTTPException):
    """A body over its path's limit; the app's HTTPException handler answers it as 413."""

    def __init__(self, path: str, rule: BodyRule):
        super().__init__(413, f"the request body is over {rule.limit:,} bytes, the most {path} takes ({rule.what}); "
                              "send less", headers={"Connection": "close"})


class BodyLimit:
    """The middleware: `rules` by exact path, `default` for every other path.

    >>> app.add_middleware(BodyLimit, rules={"/api/extract": BodyRule(620_000, "one article")},
    ...                    default=BodyRule(16_384, "no body"))  # doctest: +SKIP
    """

    def __init__(self, app: ASGIApp, rules: dict[str, BodyRule], default: BodyRule):
        self.app = app
        self.rules = rules
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        rule = self.rules.get(path, self.default)
        headers = Headers(scope=scope)
        if rule.gate is not None and scope["method"] in rule.methods:
            refusal = rule.gate(headers)
            if refusal is not None:
                await _refuse(refusal, scope, receive, send)
                return
        declared = _content_length(headers)
        if declared is not None and declared > rule.limit:
            await _refuse(BodyTooLarge(path, rule), scope, receive, send)
            return

        received = 0
        over = started = ours = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > rule.limit:
                    over = True
                    raise BodyTooLarge(path, rule)  # FastAPI passes HTTPExceptions from reading on
            return message

        async def watched(message: Message) -> None:
            nonlocal started, ours
            if over and not started:  # the answer is 413, whatever a wrapper made of the exception
                started = ours = True
                await _refuse(BodyTooLarge(path, rule), scope, receive, send)
            if ours:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # read by something that did not answer it itself
            if not started:
                await _refuse(exc, scope, receive, send)
            elif not ours:
                raise


def _content_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


async def _refuse(exc: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    headers = {**(exc.headers or {}), "Connection": "close"}
    await JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)(scope, receive, send)

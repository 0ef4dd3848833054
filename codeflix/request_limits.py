"""Limits on what a request may carry, checked before any route parses it.

:class:`QueryLimit` refuses a query string longer than 8 KiB (414) or carrying an encoded NUL
(422): no parameter of ours takes either, and a NUL that reaches PostgreSQL is a 500. Routes
that read ``request.query_params`` by hand (the OIDC pages) are covered as well as those
declaring typed parameters.

A ceiling on request bodies:

FastAPI reads a whole body into memory before validating it, so without a ceiling anyone can
make a service hold (and parse) hundreds of megabytes. :class:`BodyLimit` refuses a body past
the limit with a 413 problem: at once when its ``Content-Length`` says so, and after reading
at most the limit when it comes chunked; whatever follows is discarded by the server. Uploads
that a route streams itself (tus ``PATCH``) are named as :class:`StreamedBody` and pass
untouched; they have limits of their own.

A ceiling on requests in progress:

An overloaded service that takes every request serves none of them in time: each waits for a
CPU and a pooled connection behind all the others, and goes on being worked on after its
client gave up. :class:`InFlightLimit` answers a request beyond ``max_in_flight`` at once with
a 503 problem and ``Retry-After``, so the service keeps answering at its capacity and clients
(and Istio's retries) back off. Health, readiness and metrics are never refused, nor are the
paths a service names as long-lived (media streamed to a viewer, an upload, an event stream):
they wait on the network, not on the CPU.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codeflix.problems import problem_response

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_QUERY_BYTES = 8 * 1024
ALWAYS_ANSWERED = (r"/healthz", r"/readyz", r"/metrics")
RETRY_AFTER_SECONDS = 1


class QueryLimit:
    """ASGI middleware refusing query strings that are too long or carry a NUL."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_QUERY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if len(query) > self.max_bytes:
            detail = f"the query string is longer than {self.max_bytes} bytes"
            await problem_response(414, detail)(scope, receive, send)
        elif b"%00" in query or b"\x00" in query:
            await problem_response(
                422,
                "the query string holds a NUL character, which no parameter takes",
                type_suffix="validation-error",
                errors=[{"loc": ["query"], "msg": "NUL is not allowed"}],
            )(scope, receive, send)
        else:
            await self.app(scope, receive, send)


@dataclass(frozen=True)
class StreamedBody:
    """Requests whose body a route streams to storage itself: method, path, content type."""

    method: str
    path: str  # a regular expression the whole path matches
    content_type: str

    def matches(self, scope: Scope, content_type: str) -> bool:
        return (
            scope["method"] == self.method
            and content_type == self.content_type
            and re.fullmatch(self.path, scope["path"]) is not None
        )


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with a 413 problem."""

    def __init__(self, app: ASGIApp, max_bytes: int, streamed: Sequence[StreamedBody] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = tuple(streamed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if any(s.matches(scope, content_type) for s in self.streamed):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None:
            # The server holds the body to its declared length, so the header is enough.
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        # No length given (chunked): read at most the limit before the app sees a byte.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(message, receive), send)
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app(scope, _replay(whole, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            f"the request body is larger than {self.max_bytes} bytes",
            type_suffix="content-too-large",
            max_bytes=self.max_bytes,
        )
        # The rest of the body may still be on its way: the server discards it as it comes
        # (nothing is buffered) and the connection stays usable. Closing it instead would
        # make the client's TCP stack drop our answer unread.
        await response(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A ``receive`` that hands out ``first`` and then goes on with the real one."""
    pending: list[Message] = [first]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


class InFlightLimit:
    """ASGI middleware answering 503 to requests beyond ``max_in_flight`` at a time."""

    def __init__(self, app: ASGIApp, max_in_flight: int, unlimited: Sequence[str] = ()) -> None:
        """``unlimited``: regular expressions of whole paths that are never counted."""
        self.app = app
        self.max_in_flight = max_in_flight
        self.unlimited = re.compile("|".join(f"(?:{p})" for p in (*ALWAYS_ANSWERED, *unlimited)))
        self.in_flight = 0  # one event loop per process: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.unlimited.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            response = problem_response(
                503,
                "the service is busy; retry in a moment",
                type_suffix="overloaded",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

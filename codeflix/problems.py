"""RFC 9457 problem details for every Codeflix API.

Services raise the small hierarchy below from their plain service functions (no FastAPI
there); ``install_problem_handlers`` turns them, FastAPI's validation errors and plain HTTP
errors into ``application/problem+json`` bodies:
``{"type", "title", "status", "detail", "errors": [{"loc", "msg"}]}``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codeflix.observability import get_correlation_id

_log = logging.getLogger("codeflix.errors")
PROBLEM_JSON = "application/problem+json"
# RFC 9110 renamed these; older Pythons still carry the RFC 7231 phrases.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


class Problem(Exception):
    """An error a client can act on; subclasses fix the status."""

    status = 400
    type_suffix = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = headers
        self.extra = extra


class BadRequest(Problem):
    status, type_suffix = 400, "bad-request"


class Unauthorized(Problem):
    status, type_suffix = 401, "unauthorized"


class PaymentRequired(Problem):
    status, type_suffix = 402, "payment-required"


class Forbidden(Problem):
    status, type_suffix = 403, "forbidden"


class NotFound(Problem):
    status, type_suffix = 404, "not-found"


class Conflict(Problem):
    status, type_suffix = 409, "conflict"


class Gone(Problem):
    status, type_suffix = 410, "gone"


class PreconditionFailed(Problem):
    status, type_suffix = 412, "precondition-failed"


class PayloadTooLarge(Problem):
    status, type_suffix = 413, "payload-too-large"


class UnprocessableContent(Problem):
    status, type_suffix = 422, "validation-error"


def problem_response(
    status: int,
    detail: str,
    *,
    type_suffix: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    title = _TITLES.get(status) or (
        HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    )
    suffix = type_suffix or title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"https://codeflix.dev/problems/{suffix}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = list(errors)
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", "invalid"), "type": err.get("type")}
        for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of the app as problem details."""

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            type_suffix=exc.type_suffix,
            errors=exc.errors,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
        return problem_response(
            422,
            f"the request has invalid fields: {fields}",
            type_suffix="validation-error",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


class UnexpectedErrors:
    """ASGI middleware: an exception no handler took becomes a 500 problem, not a dropped
    connection.

    Starlette answers such an exception with a plain-text 500 and raises it on to the server,
    which then closes the keep-alive connection under the client. Here it is logged with the
    correlation id, answered as a problem carrying that id, and stops. Only a response that
    had already begun cannot be mended: its connection has to end, so the error goes on up.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = finished = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            _log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if finished:
                return  # the client has its whole response; the connection stays good
            if started:
                raise
            extra: dict[str, Any] = {}
            if correlation_id := get_correlation_id():
                extra["correlation_id"] = correlation_id
            response = problem_response(
                500,
                "something went wrong on our side; quote the correlation id if you report it",
                type_suffix="internal-error",
                **extra,
            )
            await response(scope, receive, send)

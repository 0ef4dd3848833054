"""Request bodies past the limit are refused with a 413 problem before a route reads them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from codeflix.request_limits import StreamedBody
from codeflix.web import service_app

LIMIT = 4096
UPLOAD = StreamedBody("PATCH", r"/uploads/[^/]+", "application/offset+octet-stream")


class Note(BaseModel):
    text: str


def make_app() -> tuple[TestClient, list[int]]:
    app = service_app("demo", title="demo", max_body_bytes=LIMIT, streamed_bodies=[UPLOAD])
    read: list[int] = []

    @app.post("/notes")
    def create(note: Note) -> dict:
        read.append(len(note.text))
        return {"length": len(note.text)}

    @app.patch("/uploads/{upload_id}")
    async def upload(upload_id: str, request: Request) -> dict:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        read.append(size)
        return {"received": size}

    return TestClient(app), read


def note(size: int) -> bytes:
    return b'{"text": "' + b"x" * size + b'"}'


def chunked(body: bytes, piece: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), piece):
        yield body[start : start + piece]


def assert_too_large(response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Content Too Large" and problem["max_bytes"] == LIMIT
    assert response.headers["x-correlation-id"]


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    client, read = make_app()
    json = {"content-type": "application/json"}
    assert_too_large(client.post("/notes", content=note(LIMIT), headers=json))
    assert read == []
    assert client.post("/notes", content=note(LIMIT - 100), headers=json).status_code == 200


def test_a_chunked_body_is_counted_as_it_comes() -> None:
    client, read = make_app()
    json = {"content-type": "application/json"}
    assert_too_large(client.post("/notes", content=chunked(note(LIMIT * 10)), headers=json))
    assert read == []
    small = client.post("/notes", content=chunked(note(LIMIT - 100)), headers=json)
    assert small.json() == {"length": LIMIT - 100}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_every_other_body_has_the_same_limit(content_type: str) -> None:
    client, _ = make_app()
    headers = {"content-type": content_type} if content_type else {}
    assert_too_large(client.post("/notes", content=b"x" * (LIMIT + 1), headers=headers))


def test_streamed_uploads_pass_whatever_their_size() -> None:
    client, read = make_app()
    body = b"\0" * (LIMIT * 50)
    tus = {"content-type": "application/offset+octet-stream"}
    assert client.patch("/uploads/u1", content=body, headers=tus).json() == {"received": len(body)}
    streamed = client.patch("/uploads/u1", content=chunked(body, 10_000), headers=tus)
    assert streamed.json() == {"received": len(body)}
    # Only that content type on that path: a JSON body there, or a tus one elsewhere, is limited.
    json = {"content-type": "application/json"}
    assert_too_large(client.patch("/uploads/u1", content=body, headers=json))
    assert_too_large(client.patch("/uploads/u1/more", content=body, headers=tus))
    assert read == [len(body), len(body)]


def test_a_query_string_with_nul_is_a_422_and_a_huge_one_a_414() -> None:
    client, _ = make_app()
    for query in ("q=%00", "q=a%00b", "a=1&q=%00&b=2"):
        refused = client.get(f"/healthz?{query}")
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["loc"] == ["query"]
    assert client.get("/healthz?" + "q=" + "x" * 9000).status_code == 414
    assert client.get("/healthz?q=%C3%A9&x=" + "y" * 4000).status_code == 200

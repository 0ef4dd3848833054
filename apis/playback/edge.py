"""The media edge: ``GET /media/g/<grant>/<key>`` serves a granted HLS tree from storage.

It checks the grant (403 for a bad signature or an object outside the grant, 410 once
expired), refuses path tricks (400) and anything a player does not load (404: only
playlists, segments, init segments, images and WebVTT are media), and serves the object with
``Range`` support, the right content type, caching headers bounded by the grant's lifetime
and CORS for browser players.
A grant that limits the height gets a master playlist without the taller rungs, and those
rungs' playlists and segments are refused.

Segments, init segments and images a process has just served are kept in memory for a few
seconds: the viewers of a popular title ask for the same segments at about the same time, and
each read from the store costs a trip to a worker thread that, on a small machine, costs more
than sending the bytes. Playlists are always read again (a title still encoding grows them).
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping

from fastapi.responses import Response, StreamingResponse

from apis.playback.grants import ExpiredGrant, Grant, GrantSigner, InvalidGrant
from apis.playback.media import (
    SMALL_RANGE,
    ObjectInfo,
    UnsatisfiableRange,
    content_type,
    object_info,
    parse_range,
    read_range,
    read_whole,
    servable,
    small_object,
    stream_range,
)
from apis.playback.playlists import is_master_playlist, limit_master_playlist, variant_uris_above
from codeflix.cache import ReadCache
from codeflix.clock import Clock, epoch_seconds
from codeflix.observability import domain_counter
from codeflix.problems import problem_response
from codeflix.storage import ObjectNotFound, ObjectStore

MASTER_PLAYLIST = "master.m3u8"
MAX_PLAYLIST_BYTES = 1024 * 1024
LADDER_CACHE_SECONDS = 300
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges, ETag",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Range, If-Range, If-None-Match",
    "Access-Control-Max-Age": "86400",
}

refusals = domain_counter("media_refusals_total", "Media requests refused, by reason", ("reason",))


class MediaEdge:
    """Checks grants and serves objects; one per app, sharing the store and the signer."""

    def __init__(
        self,
        *,
        store: ObjectStore,
        signer: GrantSigner,
        clock: Clock,
        cache_seconds: float = 0.0,
        cache_objects: int = 64,
    ) -> None:
        self.store, self.signer, self.clock = store, signer, clock
        # key -> (size and validator, the bytes when at most SMALL_RANGE); at most
        # cache_objects times 4 MB of memory.
        self._recent: ReadCache[str, tuple[ObjectInfo, bytes | memoryview | None]] | None = (
            ReadCache(ttl=cache_seconds, max_entries=cache_objects) if cache_seconds > 0 else None
        )
        # (prefix, max height) -> (read at, relative paths of the rungs it may not load); read
        # again after a while so a re-encoded ladder is picked up.
        self._blocked: dict[tuple[str, int], tuple[float, frozenset[str]]] = {}

    async def serve(
        self, *, token: str, key: str, headers: Mapping[str, str], head: bool = False
    ) -> Response:
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts) or "\\" in key or "\x00" in key:
            return _refuse(400, "path", "the media path must not contain empty, '.' or '..' parts")
        now = epoch_seconds(self.clock)
        try:
            grant = self.signer.verify(token, now=now)
        except InvalidGrant as e:
            return _refuse(403, "signature", str(e))
        except ExpiredGrant as e:
            return _refuse(410, "expired", str(e))
        if not grant.covers(key):
            return _refuse(403, "outside", "this grant does not cover the requested object")
        if not servable(key):
            # As if absent: the tree may hold more than a player needs, none of it for viewers.
            return _refuse(404, "not_media", "no such media object under this grant")
        if grant.max_height is not None and await self._rung_refused(grant, key):
            return _refuse(403, "rung", "this grant does not include that rendition")
        try:
            if grant.max_height is not None and key.endswith(".m3u8"):
                return await self._limited_playlist(grant, key, headers, now, head)
            return await self._object(grant, key, headers, now, head)
        except ObjectNotFound:
            return _refuse(404, "missing", "no such media object under this grant")

    async def _object(
        self, grant: Grant, key: str, headers: Mapping[str, str], now: float, head: bool
    ) -> Response:
        wanted = headers.get("range")
        whole: bytes | memoryview | None = None
        if self._recent is not None and not key.endswith(".m3u8"):
            info, whole = await self._recent.get(key, lambda: small_object(self.store, key))
        elif head or wanted or headers.get("if-none-match"):
            info = await object_info(self.store, key)
        else:
            info, whole = await small_object(self.store, key)
        common = {**_cache_headers(grant, now, key), "ETag": info.etag}
        if info.etag in _tags(headers.get("if-none-match")):
            return Response(status_code=304, headers=common)
        if_range = headers.get("if-range")
        if if_range and if_range != info.etag:
            wanted = None  # the client's partial copy is of another version: send it whole
        try:
            window = parse_range(wanted, info.size)
        except UnsatisfiableRange:
            return _refuse(
                416, "range", "the range is beyond the object",
                {"Content-Range": f"bytes */{info.size}"},
            )  # fmt: skip
        start, end = window or (0, info.size)
        status = 206 if window else 200
        out = {**common, "Content-Length": str(end - start), "Accept-Ranges": "bytes"}
        if window:
            out["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
        media_type = content_type(key)
        if head or start == end:
            return Response(status_code=status, headers=out, media_type=media_type)
        if whole is not None and len(whole) == info.size:
            part = whole if (start, end) == (0, info.size) else whole[start:end]
            return Response(part, status_code=status, headers=out, media_type=media_type)
        if end - start <= SMALL_RANGE:
            part = await read_range(self.store, key, start, end)
            return Response(part, status_code=status, headers=out, media_type=media_type)
        body = stream_range(self.store, key, start, end)
        return StreamingResponse(body, status_code=status, headers=out, media_type=media_type)

    async def _limited_playlist(
        self, grant: Grant, key: str, headers: Mapping[str, str], now: float, head: bool
    ) -> Response:
        assert grant.max_height is not None
        if (await object_info(self.store, key)).size > MAX_PLAYLIST_BYTES:
            return _refuse(403, "playlist", "the playlist is too large to serve")
        text = (await read_whole(self.store, key)).decode("utf-8", errors="replace")
        if is_master_playlist(text):
            text = limit_master_playlist(text, grant.max_height)
        body = text.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        out = {**_cache_headers(grant, now, key), "ETag": etag, "Accept-Ranges": "none"}
        if etag in _tags(headers.get("if-none-match")):
            return Response(status_code=304, headers=out)
        return Response(
            b"" if head else body,
            headers={**out, "Content-Length": str(len(body))},
            media_type=content_type(key),
        )

    async def _rung_refused(self, grant: Grant, key: str) -> bool:
        """Whether ``key`` belongs to a rung taller than the grant allows."""
        assert grant.max_height is not None
        cache_key = (grant.prefix, grant.max_height)
        now = epoch_seconds(self.clock)
        read_at, blocked = self._blocked.get(cache_key, (0.0, None))
        if blocked is None or now - read_at > LADDER_CACHE_SECONDS:
            try:
                master = await read_whole(self.store, grant.prefix + MASTER_PLAYLIST)
            except ObjectNotFound:
                master = b""
            uris = variant_uris_above(master.decode("utf-8", "replace"), grant.max_height)
            # A variant in a folder of its own takes its segments along; one at the root
            # blocks only its playlist.
            blocked = frozenset(
                posixpath.dirname(u) + "/" if "/" in u else u
                for u in uris
                if "://" not in u and not u.startswith("/")
            )
            if len(self._blocked) > 4096:
                self._blocked.clear()
            self._blocked[cache_key] = (now, blocked)
        relative = key[len(grant.prefix) :]
        return any(relative == b or (b.endswith("/") and relative.startswith(b)) for b in blocked)


def _tags(header: str | None) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",")} if header else set()


def _cache_headers(grant: Grant, now: float, key: str) -> dict[str, str]:
    # The URL carries the grant, so a cache may keep the object only as long as the grant lives.
    max_age = max(0, min(int(grant.expires_at - now), 86400))
    control = f"private, max-age={max_age}"
    if key.endswith(".m3u8"):
        # A title still encoding has media playlists that grow, and its master is rewritten
        # when the encode ends: a cache asks again every time (the ETag keeps that cheap).
        control = "private, no-cache"
    return {
        **CORS_HEADERS,
        "Cache-Control": control,
        "X-Content-Type-Options": "nosniff",
    }


def _refuse(
    status: int, reason: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    refusals.labels(reason=reason).inc()
    return problem_response(
        status, detail, headers={**CORS_HEADERS, "Cache-Control": "no-store", **(headers or {})}
    )

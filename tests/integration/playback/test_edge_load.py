"""The edge under weight: a 100 MB object in flat memory, 200 concurrent range requests."""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import time
from pathlib import Path

import httpx

from apis.playback.grants import Grant
from codeflix.storage import ObjectStore
from tests.integration.playback.conftest import playback_app, serving
from tests.support.identity import IdentityHarness

MB = 1024 * 1024


def rss_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match
    return int(match.group(1)) * 1024


def write_object(store: ObjectStore, key: str, size: int, seed: int) -> bytes:
    """An object of ``size`` bytes repeating one random megabyte; returns that block."""
    block = random.Random(seed).randbytes(MB)
    with store.open_write(key) as f:
        for _ in range(size // MB):
            f.write(block)
    return block


def token_for(app: object, prefix: str) -> str:
    playback = app.state.playback  # type: ignore[attr-defined]
    return playback.signer.sign(Grant(prefix, int(time.time()) + 600))  # type: ignore[no-any-return]


async def test_a_100_mb_segment_streams_in_flat_memory(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    size = 100 * MB
    block = await asyncio.to_thread(write_object, store, "videos/big/hls/v1080/seg.m4s", size, 1)
    expected = hashlib.sha256()
    for _ in range(size // MB):
        expected.update(block)
    async with serving(playback_app(tmp_path, store, identity.verifier)) as (app, base):
        url = f"{base}/media/g/{token_for(app, 'videos/big/hls/')}/videos/big/hls/v1080/seg.m4s"
        async with httpx.AsyncClient(timeout=60) as client:
            assert (await client.head(url)).headers["content-length"] == str(size)
            baseline = peak = rss_bytes()
            received = hashlib.sha256()
            count = 0
            async with client.stream("GET", url) as response:
                assert response.status_code == 200
                async for chunk in response.aiter_raw():
                    received.update(chunk)
                    count += len(chunk)
                    peak = max(peak, rss_bytes())
    assert count == size and received.digest() == expected.digest()
    # Server and client share this process; holding the object would add 100 MB.
    assert peak - baseline < 24 * MB, f"memory grew by {(peak - baseline) / MB:.1f} MB"


async def test_200_concurrent_range_requests_all_succeed(
    tmp_path: Path, identity: IdentityHarness
) -> None:
    store = ObjectStore(f"file://{tmp_path / 'media'}")
    size = 8 * MB
    block = await asyncio.to_thread(write_object, store, "videos/load/hls/v720/seg.m4s", size, 2)
    whole = block * (size // MB)
    pick = random.Random(3)
    ranges = []
    for _ in range(200):
        start = pick.randrange(size - 1)
        ranges.append((start, min(size, start + pick.randrange(1, 2 * MB))))
    async with serving(playback_app(tmp_path, store, identity.verifier)) as (app, base):
        url = f"{base}/media/g/{token_for(app, 'videos/load/hls/')}/videos/load/hls/v720/seg.m4s"
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=120) as client:

            async def fetch(start: int, end: int) -> tuple[int, bytes, str]:
                response = await client.get(url, headers={"Range": f"bytes={start}-{end - 1}"})
                return response.status_code, response.content, response.headers["content-range"]

            results = await asyncio.gather(*(fetch(s, e) for s, e in ranges))
    for (start, end), (status, body, content_range) in zip(ranges, results, strict=True):
        assert status == 206
        assert content_range == f"bytes {start}-{end - 1}/{size}"
        assert body == whole[start:end]


async def test_ranges_from_an_s3_bucket(
    s3_store: ObjectStore, tmp_path: Path, identity: IdentityHarness
) -> None:
    size = 3 * MB
    block = await asyncio.to_thread(write_object, s3_store, "videos/s3/hls/v720/seg.m4s", size, 4)
    whole = block * 3
    async with serving(playback_app(tmp_path, s3_store, identity.verifier)) as (app, base):
        url = f"{base}/media/g/{token_for(app, 'videos/s3/hls/')}/videos/s3/hls/v720/seg.m4s"
        async with httpx.AsyncClient(timeout=60) as client:
            small = await client.get(url, headers={"Range": "bytes=100-199"})
            large = await client.get(url, headers={"Range": f"bytes={MB // 2}-{MB // 2 + 2 * MB}"})
            tail = await client.get(url, headers={"Range": "bytes=-5"})
            full = await client.get(url)
            head = await client.head(url)
    assert small.status_code == 206 and small.content == whole[100:200]
    assert large.status_code == 206 and large.content == whole[MB // 2 : MB // 2 + 2 * MB + 1]
    assert tail.content == whole[-5:]
    assert full.status_code == 200 and full.content == whole
    assert head.headers["etag"] == full.headers["etag"] and head.headers["etag"].startswith('"')

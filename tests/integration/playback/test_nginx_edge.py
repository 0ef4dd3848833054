"""Deployed mode: nginx with manifests/base/playback/media-edge checks the same grants.

The test runs the manifest's nginx.conf.template, rendered by the image's start script
(deploy/media-edge/start.sh) for the S3 API server holding a real HLS tree, and grant.js (only
the container's ports and paths swapped for local ones), with the playback service behind it
for playlists, and plays the grant with ffmpeg.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from apis.playback.grants import Grant, GrantSigner, SigningKey
from codeflix.storage import ObjectStore
from tests.integration.conftest import free_port
from tests.integration.playback.conftest import DURATION, add_playable_video, playback_app, serving
from tests.integration.playback.test_hls_playback import decode
from tests.support.identity import IdentityHarness
from tests.support.media_edge import local_edge

GRANT_SIGNING_KEYS = [
    {"id": "edge-2", "secret": "media-edge-test-secret-two-0123456789"},
    {"id": "edge-1", "secret": "media-edge-test-secret-one-0123456789",
     "retired_at": "2026-01-01T00:00:00Z"},
]  # fmt: skip


def nginx_binary() -> str:
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")
    assert found, "nginx is missing: scripts/services.sh installs it (Debian: nginx-light)"
    return found


@contextmanager
def nginx(workdir: Path, conf: Path, port: int) -> Iterator[str]:
    env = {
        "CODEFLIX_GRANT_SIGNING_KEYS": json.dumps(GRANT_SIGNING_KEYS),
        "CODEFLIX_GRANT_TTL_SECONDS": "3600",
    }
    log = workdir / "logs" / "stderr.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
            env=env, stderr=sink,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise AssertionError(f"nginx exited: {log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        print(log.read_text())  # shown by pytest when the test fails


def let_the_edge_read(s3_endpoint: str, bucket: str) -> None:
    """The bucket policy a deployment gives the edge (here: any caller of the test server)."""
    import boto3

    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }  # fmt: skip
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-1")
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


@dataclass
class DeployedEdge:
    edge_url: str  # nginx
    playback_url: str  # the playback service (grants, playlists)
    app: FastAPI


@asynccontextmanager
async def deployed_edge(
    tmp_path: Path, store: ObjectStore, s3_endpoint: str, identity: IdentityHarness
) -> AsyncIterator[DeployedEdge]:
    """nginx from the manifest in front of the S3 API server and the playback service."""
    port = free_port()
    edge_url = f"http://127.0.0.1:{port}"
    app_for = playback_app(
        tmp_path, store, identity.verifier, media_base_url=edge_url,
        grant_signing_keys=GRANT_SIGNING_KEYS, grant_ttl_seconds=3600,
    )  # fmt: skip
    async with serving(app_for) as (app, playback_url):
        workdir = tmp_path / "edge"
        workdir.mkdir()
        bucket = store.url.removeprefix("s3://")
        let_the_edge_read(s3_endpoint, bucket)
        conf = local_edge(
            workdir, port=port, store_url=s3_endpoint, storage_url=store.url, playback=playback_url
        )
        with nginx(workdir, conf, port):
            yield DeployedEdge(edge_url, playback_url, app)


async def raw_status(base: str, path: str) -> int:
    """The status of a GET sent byte for byte as given (no client-side path clean-up)."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


async def test_nginx_checks_grants_and_ffmpeg_plays_through_it(
    s3_store: ObjectStore, s3_endpoint: str, hls_tree: Path, identity: IdentityHarness,
    tmp_path: Path,
) -> None:  # fmt: skip
    async with deployed_edge(tmp_path, s3_store, s3_endpoint, identity) as deployed:
        video_id, other = str(uuid.uuid4()), str(uuid.uuid4())
        await add_playable_video(deployed.app, s3_store, hls_tree, video_id)
        await add_playable_video(deployed.app, s3_store, hls_tree, other)
        async with httpx.AsyncClient(base_url=deployed.playback_url, timeout=30) as client:
            response = await client.post(f"/api/v1/playback/{video_id}", headers=identity.headers())
        body = response.json()
        manifest = body["manifest_url"]
        assert manifest.startswith(deployed.edge_url + "/media/g/edge-2.")
        streams = await decode(manifest)

        tree = manifest.rsplit("/", 1)[0]
        token = manifest.split("/media/g/")[1].split("/")[0]
        segment = (hls_tree / "v360" / "seg_00001.m4s").read_bytes()
        async with httpx.AsyncClient(timeout=30) as client:
            part = await client.get(f"{tree}/v360/seg_00001.m4s", headers={"Range": "bytes=10-99"})
            poster = await client.get(body["poster_url"])
            tampered = await client.get(
                manifest.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
            )
            tampered_segment = await client.get(
                f"{tree}/v360/seg_00001.m4s".replace(token, token[:-2] + "xx")
            )
            elsewhere = await client.get(
                f"{deployed.edge_url}/media/g/{token}/videos/{other}/hls/v360/seg_00000.m4s"
            )
            current_signer = GrantSigner(
                [SigningKey("edge-2", GRANT_SIGNING_KEYS[0]["secret"].encode())],
                active_key_id="edge-2", max_ttl_seconds=3600,
            )  # fmt: skip
            past = current_signer.sign(Grant(f"videos/{video_id}/hls/", int(time.time()) - 5))
            retired = GrantSigner(
                [SigningKey("edge-1", GRANT_SIGNING_KEYS[1]["secret"].encode())],
                active_key_id="edge-1", max_ttl_seconds=3600,
            ).sign(Grant(f"videos/{video_id}/hls/", int(time.time()) + 60))  # fmt: skip
            by_retired_key = await client.get(
                f"{deployed.edge_url}/media/g/{retired}/videos/{video_id}/hls/v360/seg_00000.m4s"
            )
            expired = await client.get(
                f"{deployed.edge_url}/media/g/{past}/videos/{video_id}/hls/v360/seg_00000.m4s"
            )
            preflight = await client.options(f"{tree}/v360/seg_00001.m4s")
            small = current_signer.sign(
                Grant(f"videos/{video_id}/hls/", int(time.time()) + 60, max_height=180,
                      denied=("v360/",))
            )  # fmt: skip
            small_tree = f"{deployed.edge_url}/media/g/{small}/videos/{video_id}/hls"
            taller_rung = await client.get(f"{small_tree}/v360/seg_00000.m4s")
            allowed_rung = await client.get(f"{small_tree}/v180/seg_00000.m4s")
        sneaky = f"{tree}/v360/../../../{other}/hls/v360/seg_00000.m4s".removeprefix(
            deployed.edge_url
        )
        traversal = await raw_status(deployed.edge_url, sneaky)

    videos = sorted(s.dimensions or "" for s in streams.values() if s.media_type == "video")
    assert videos == ["320x180", "640x360"]
    for stream in streams.values():
        assert abs(stream.seconds - DURATION) < 0.1, stream
    assert part.status_code == 206 and part.content == segment[10:100]
    assert part.headers["content-type"] == "video/iso.segment"
    assert part.headers["access-control-allow-origin"] == "*"
    assert re.fullmatch(r"private, max-age=3[0-9]{3}", part.headers["cache-control"])
    assert "x-amz-request-id" not in part.headers
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert tampered.status_code == 403  # the playlist, answered by the playback service
    assert tampered_segment.status_code == 403  # a segment, answered by nginx itself
    assert elsewhere.status_code == 403
    assert expired.status_code == 410
    assert by_retired_key.status_code == 403  # retired long before this grant would end
    assert traversal == 400
    assert preflight.status_code == 204
    assert taller_rung.status_code == 403  # closed by the grant, refused by nginx itself
    assert allowed_rung.status_code == 200


async def test_nginx_serves_only_playback_files_even_under_a_valid_grant(
    s3_store: ObjectStore, s3_endpoint: str, hls_tree: Path, identity: IdentityHarness,
    tmp_path: Path,
) -> None:  # fmt: skip
    async with deployed_edge(tmp_path, s3_store, s3_endpoint, identity) as deployed:
        video_id = str(uuid.uuid4())
        await add_playable_video(deployed.app, s3_store, hls_tree, video_id)
        # What an encoder of an older version left in the published tree, and a stray file.
        strays = [
            "_job/0123456789abcdef0123/chunks/chunk_00000.json",
            "_job/0123456789abcdef0123/tiles/chunk_00000.jpg",
            "v360/notes.txt",
            "v360/master.mp4",
        ]
        for stray in strays:
            s3_store.write_bytes(f"videos/{video_id}/hls/{stray}", b'{"secret": 1}')
        async with httpx.AsyncClient(base_url=deployed.playback_url, timeout=30) as client:
            response = await client.post(f"/api/v1/playback/{video_id}", headers=identity.headers())
        tree = response.json()["manifest_url"].rsplit("/", 1)[0]
        async with httpx.AsyncClient(timeout=30) as client:
            refused = {stray: await client.get(f"{tree}/{stray}") for stray in strays}
            segment = await client.get(f"{tree}/v360/seg_00000.m4s")
            init = await client.get(f"{tree}/v360/init_0.mp4")
            vtt = await client.get(f"{tree}/thumbnails.vtt")
    for stray, answer in refused.items():
        assert answer.status_code == 404, stray
        assert b"secret" not in answer.content
    assert segment.status_code == 200 and init.status_code == 200 and vtt.status_code == 200

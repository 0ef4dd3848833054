"""The deployed shape under an open-loop load: latency at a fixed arrival rate, edge vs nginx.

Starts, on loopback and on free ports, what a deployment runs: a private PostgreSQL cluster
and a private RabbitMQ node (``tests/support/processes.py``; the machine's shared ones are
left alone), the identity service (in this process, for the tokens), and the catalog,
subscription and playback services as ``uvicorn --factory`` processes with ``--workers``.
It seeds published titles, one of them with a real HLS tree (ffmpeg, 720p at 2 Mb/s and 360p,
4 s MPEG-TS segments) announced by a ``video.encoding.completed`` event as the encoder would,
and a subscribed viewer; then:

1. **open loop** (requests leave at a fixed rate whatever the answers do, so a slow server
   meets a queue as it would in production; latency counts from when a request was due):
   ``GET /api/v1/videos``, ``POST /api/v1/playback/{id}`` and ``GET /media/...`` (a segment
   through the playback service's Python edge), each at ``--rate`` requests/s;
2. **edge throughput**: ``wrk`` at saturation through the Python edge and through nginx with
   the manifest's grant check (``manifests/base/playback/media-edge``, the bucket proxy
   swapped for the same files on disk), as a ratio: once on one segment asked again and again
   (what the viewers of a popular title do; the Python edge keeps it in memory), once in turn
   over ``SPREAD_SEGMENTS`` distinct segments, more than the Python edge keeps, so that every
   request reads the store (its slowest case);
3. when browse or grant misses its p99 target, a pyinstrument profile of that request path
   (in-process through ``httpx.ASGITransport``, against the same database) shows what the
   time goes to.

Prints the table and saves it, with the profiles, under ``benchmarks/out/``.

    .venv/bin/python benchmarks/load.py [--rate 200] [--seconds 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
SECRET = "load-benchmark-secret-0123456789"
KEYS = [{"id": "load", "secret": SECRET}]
TARGET_P99_MS = 25.0
TARGET_EDGE_RATIO = 0.80
# Distinct segments the second edge measurement goes round: more than the Python edge keeps in
# memory (CODEFLIX_MEDIA_CACHE_OBJECTS, 64), so it reads every one from the store.
SPREAD_SEGMENTS = 256
CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
        "cvc": "123"}  # fmt: skip

from codeflix.bus.rabbitmq import RabbitMQBus  # noqa: E402
from codeflix.events import Rendition, VideoEncodingCompleted, new_event  # noqa: E402
from tests.support.media_edge import local_edge  # noqa: E402
from tests.support.processes import (  # noqa: E402
    IdentityServer,
    PrivatePostgres,
    PrivateRabbitMQ,
    ServiceProcess,
    free_port,
    wait_until,
)


# -- the deployment ---------------------------------------------------------------------------
@dataclass
class Shape:
    root: Path
    postgres: PrivatePostgres
    rabbitmq: PrivateRabbitMQ
    identity: IdentityServer
    services: dict[str, ServiceProcess]
    env: dict[str, str]

    def url(self, service: str) -> str:
        return self.services[service].base_url


async def start_shape(root: Path, workers: int) -> Shape:
    postgres, rabbitmq = PrivatePostgres(root), PrivateRabbitMQ(root)
    postgres.start(wait=False)
    rabbitmq.start(wait=False)
    await asyncio.to_thread(wait_until, postgres.ready, "PostgreSQL")
    await asyncio.to_thread(wait_until, rabbitmq.ready, "RabbitMQ")
    identity = IdentityServer(root)
    identity.start()
    env = {
        "CODEFLIX_ENVIRONMENT": "production",
        "CODEFLIX_SECRET_KEY": SECRET,
        "CODEFLIX_TYPESENSE_API_KEY": SECRET,
        "CODEFLIX_PAYMENT_WEBHOOK_SECRET": SECRET,
        "CODEFLIX_DATA_DIR": str(root / "var"),
        "CODEFLIX_STORAGE_URL": f"file://{root / 'media'}",
        "CODEFLIX_AMQP_URL": rabbitmq.url,
        "CODEFLIX_OIDC_ISSUER": identity.issuer,
        "CODEFLIX_PUBLIC_URL": "http://codeflix.test",
        "CODEFLIX_LOG_LEVEL": "WARNING",
        "CODEFLIX_GRANT_SIGNING_KEYS": json.dumps(KEYS),
        "CODEFLIX_SEED_PLANS": "true",
    }
    for name in ("catalog", "subscription", "playback"):
        env[f"CODEFLIX_{name.upper()}_DATABASE_URL"] = await postgres.create_database(name)
    shape = Shape(root, postgres, rabbitmq, identity, {}, env)
    for name, count in (("catalog", workers), ("subscription", 1), ("playback", workers)):
        service = ServiceProcess(name, root, env, workers=count)
        # The first start migrates: one process, then the workers against a ready schema.
        service.workers = 1
        service.start()
        service.stop()
        service.workers = count
        service.start(wait=False)
        shape.services[name] = service
    for service in shape.services.values():
        await asyncio.to_thread(wait_until, service.ready, service.name)
    return shape


def stop_shape(shape: Shape) -> None:
    for service in shape.services.values():
        service.stop()
    shape.identity.stop()
    shape.rabbitmq.stop()
    shape.postgres.stop()


# -- what the load reads ----------------------------------------------------------------------
def hls_tree(folder: Path) -> list[Rendition]:
    """A 12 s title as MPEG-TS HLS, 720p at 2 Mb/s and 360p at 800 kb/s, 4 s segments."""
    folder.mkdir(parents=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=12",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=12",
         "-filter_complex", "[0:v]split=2[a][b];[b]scale=640:360[b2]",
         "-map", "[a]", "-map", "[b2]", "-map", "1:a", "-map", "1:a",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-sc_threshold", "0",
         "-b:v:0", "2000k", "-b:v:1", "800k", "-c:a", "aac", "-b:a", "96k",
         "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod",
         "-hls_segment_filename", "v%v/seg_%05d.ts", "-master_pl_name", "master.m3u8",
         "-var_stream_map", "v:0,a:0,name:720 v:1,a:1,name:360", "v%v/index.m3u8"],
        cwd=folder, check=True, timeout=300,
    )  # fmt: skip
    return [
        Rendition(name="720", width=1280, height=720, bandwidth=2_200_000,
                  codecs="avc1.64001f,mp4a.40.2", playlist="v720/index.m3u8"),
        Rendition(name="360", width=640, height=360, bandwidth=900_000,
                  codecs="avc1.64001e,mp4a.40.2", playlist="v360/index.m3u8"),
    ]  # fmt: skip


@dataclass
class Seeded:
    viewer: dict[str, str]
    video_id: str
    segment_path: str  # /media/g/<grant>/videos/<id>/hls/v720/seg_00000.ts
    segment_bytes: int
    spread_path: str  # /media/g/<grant>/videos/<id>/hls/v720/spread_ + 00000.ts and on


async def seed(shape: Shape, titles: int) -> Seeded:
    admin = shape.identity.headers(roles=["user", "catalog-admin"])
    user_id = str(uuid.uuid4())
    viewer = shape.identity.headers(subject=user_id)
    async with httpx.AsyncClient(timeout=30) as http:
        ids = []
        for n in range(titles):
            body = {"title": f"Title {n:03d}", "launch_year": 2000 + n % 25, "duration": 90,
                    "rating": "L", "published": True, "opened": True}  # fmt: skip
            created = await http.post(
                f"{shape.url('catalog')}/api/v1/admin/videos", json=body, headers=admin
            )
            created.raise_for_status()
            ids.append(created.json()["id"])
        video_id = ids[0]
        prefix = f"videos/{video_id}/hls"
        renditions = await asyncio.to_thread(hls_tree, shape.root / "media" / prefix)
        bus = RabbitMQBus(shape.rabbitmq.url)
        await bus.start()
        data = VideoEncodingCompleted(
            video_id=video_id, hls_prefix=prefix, master_playlist_key=f"{prefix}/master.m3u8",
            duration_seconds=12.0, renditions=renditions, chunks_total=3, chunks_encoded=3,
        )  # fmt: skip
        await bus.publish(
            new_event("video.encoding.completed", data, subject=video_id, producer="encoder")
        )
        await bus.close()
        plans = (await http.get(f"{shape.url('subscription')}/api/v1/plans")).json()["items"]
        plan_id = next(p["id"] for p in plans if p["name"] == "premium")
        subscribed = await http.post(
            f"{shape.url('subscription')}/api/v1/subscriptions",
            json={"plan_id": plan_id, "payment_method": CARD},
            headers={**viewer, "Idempotency-Key": uuid.uuid4().hex},
        )
        subscribed.raise_for_status()
        grant_url = f"{shape.url('playback')}/api/v1/playback/{video_id}"
        deadline = time.monotonic() + 60
        while (granted := await http.post(grant_url, headers=viewer)).status_code != 200:
            assert time.monotonic() < deadline, f"no grant: {granted.status_code} {granted.text}"
            await asyncio.sleep(0.2)
    manifest = urlsplit(granted.json()["manifest_url"]).path
    segment = manifest.rsplit("/", 1)[0] + "/v720/seg_00000.ts"
    first = shape.root / "media" / prefix / "v720" / "seg_00000.ts"
    for n in range(SPREAD_SEGMENTS):  # the same bytes under many names (hard links)
        os.link(first, first.with_name(f"spread_{n:05d}.ts"))
    spread = manifest.rsplit("/", 1)[0] + "/v720/spread_"
    return Seeded(viewer, video_id, segment, first.stat().st_size, spread)


# -- open-loop load ---------------------------------------------------------------------------
# The load generator speaks HTTP/1.1 itself over asyncio streams: httpx's connection pool
# slows down sharply with thousands of waiting requests, which made the client, not the
# servers, the bottleneck of an open loop.
@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str]

    def encode(self) -> tuple[str, int, bytes]:
        parts = urlsplit(self.url)
        lines = [f"{self.method} {parts.path} HTTP/1.1", f"Host: {parts.netloc}",
                 "Content-Length: 0", *(f"{k}: {v}" for k, v in self.headers.items())]  # fmt: skip
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return str(parts.hostname), int(parts.port or 80), wire


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: bytes) -> int:
    """Send one request on a kept-alive connection; read the whole answer; its status."""
    writer.write(wire)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    if headers.get("connection") == "close":
        raise ConnectionResetError("the server closed the connection")
    return status


async def open_loop(
    request: Request, rate: float, seconds: float, *, connections: int, give_up_after: float
) -> dict[str, Any]:
    """Requests fall due ``rate`` times a second, answered or not; latency counts from when
    each fell due (waiting for a free connection included). An answer later than
    ``give_up_after`` seconds,
    or none, is an error."""
    loop = asyncio.get_running_loop()
    host, port, wire = request.encode()
    total = int(rate * seconds)
    due_times: asyncio.Queue[float | None] = asyncio.Queue()
    results: list[tuple[float, bool]] = []

    async def connection() -> None:
        stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while (due := await due_times.get()) is not None:
            left = due + give_up_after - loop.time()
            ok = False
            try:
                if left <= 0:
                    raise TimeoutError
                if stream is None:
                    stream = await asyncio.wait_for(asyncio.open_connection(host, port), left)
                    left = due + give_up_after - loop.time()
                status = await asyncio.wait_for(exchange(*stream, wire), left)
                ok = status < 400
            except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError):
                if stream is not None:
                    stream[1].close()
                stream = None
            results.append((loop.time() - due, ok))
        if stream is not None:
            stream[1].close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = loop.time() + 0.2
    for i in range(total):
        due = start + i / rate
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        due_times.put_nowait(due)
    for _ in workers:
        due_times.put_nowait(None)
    await asyncio.gather(*workers)
    wall = loop.time() - start
    latencies = sorted(latency for latency, _ in results)
    errors = sum(1 for _, ok in results if not ok)
    return {
        "requests": total,
        "offered_per_s": rate,
        "answered_per_s": (total - errors) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "max_ms": latencies[-1] * 1000,
        "error_rate": errors / total,
    }


async def run_open_loop(
    shape: Shape, seeded: Seeded, args: argparse.Namespace
) -> list[dict[str, Any]]:
    cases = {
        "browse GET /api/v1/videos": Request(
            "GET", f"{shape.url('catalog')}/api/v1/videos", seeded.viewer
        ),
        "grant POST /api/v1/playback/{id}": Request(
            "POST", f"{shape.url('playback')}/api/v1/playback/{seeded.video_id}", seeded.viewer
        ),
        f"segment GET /media/... ({seeded.segment_bytes // 1024} KB, Python edge)": Request(
            "GET", f"{shape.url('playback')}{seeded.segment_path}", {}
        ),
    }
    rows = []
    for case, request in cases.items():
        # Warm every worker's connections and caches, then a short pause to let them settle.
        await open_loop(request, 10, 2, connections=4, give_up_after=args.timeout)
        await asyncio.sleep(2)
        result = await open_loop(
            request, args.rate, args.seconds, connections=args.open_connections,
            give_up_after=args.timeout,
        )  # fmt: skip
        rows.append({"case": case, **result})
        print(
            f"  {case}: p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
            f"errors {result['error_rate']:.1%}"
        )
        await asyncio.sleep(args.timeout)  # what the server still works on ends before the next
    return rows


# -- the edge against nginx -------------------------------------------------------------------
def nginx_conf(workdir: Path, *, port: int, media_root: Path, playback: str) -> Path:
    """The manifest's nginx configuration as its container renders it, serving the media files
    from disk instead of the bucket."""
    path = local_edge(
        workdir, port=port, store_url="http://127.0.0.1:9", storage_url="s3://unused",
        playback=playback,
    )  # fmt: skip
    pattern = r"proxy_pass http://media_store/\$media_root/\$grant_key;"
    from_disk = f"root {media_root}; try_files /$grant_key =404;"
    conf, count = re.subn(pattern, from_disk, path.read_text())
    assert count == 1, f"the manifest no longer has {pattern!r}"
    path.write_text(conf)
    return path


def nginx_binary() -> str:
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")
    assert found, "nginx is missing (Debian: apt-get install nginx-light libnginx-mod-http-js)"
    return found


def wrk(url: str, *, seconds: int, connections: int, script: Path | None = None) -> dict[str, Any]:
    scripted = ["-s", str(script)] if script else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *scripted, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "requests_per_s": rate,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
        "errors": int(bad.group(1)) if bad else 0,
        "requests": requests,
    }


def edge_against_nginx(
    shape: Shape, seeded: Seeded, seconds: int, connections: int
) -> list[dict[str, Any]]:
    assert shutil.which("wrk"), "wrk is missing (Debian: apt-get install wrk)"
    workdir = shape.root / "nginx"
    workdir.mkdir()
    port = free_port()
    conf = nginx_conf(
        workdir, port=port, media_root=shape.root / "media", playback=shape.url("playback")
    )
    env = {"CODEFLIX_GRANT_SIGNING_KEYS": json.dumps(KEYS), "CODEFLIX_GRANT_TTL_SECONDS": "3600"}
    nginx = subprocess.Popen(
        [nginx_binary(), "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
        env=env, stderr=open(workdir / "logs" / "stderr.log", "w"),
    )  # fmt: skip
    nginx_url = f"http://127.0.0.1:{port}{seeded.segment_path}"
    # Each wrk thread goes round the distinct segments in turn.
    spread = workdir / "spread.lua"
    spread.write_text(
        f"local n = 0\nrequest = function()\n  n = (n + 1) % {SPREAD_SEGMENTS}\n"
        f'  return wrk.format("GET", "{seeded.spread_path}" .. string.format("%05d", n) .. ".ts")'
        "\nend\n"
    )
    edges = {
        "Python edge (playback service)": shape.url("playback"),
        "nginx (manifest config, files on disk)": f"http://127.0.0.1:{port}",
    }
    rows = []
    try:
        wait_until(lambda: _status(nginx_url) == 200, "nginx", within=20)
        for case, script in (("one segment", None), (f"{SPREAD_SEGMENTS} segments", spread)):
            for edge, base in edges.items():
                measured = wrk(f"{base}{seeded.segment_path}", seconds=seconds,
                               connections=connections, script=script)  # fmt: skip
                rows.append({"case": case, "edge": edge, **measured})
    finally:
        nginx.terminate()
        nginx.wait(20)
    mb = seeded.segment_bytes / 1024 / 1024
    return [{**row, "mb_per_s": row["requests_per_s"] * mb} for row in rows]


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return 0


# -- profile ----------------------------------------------------------------------------------
async def profile(shape: Shape, seeded: Seeded, case: str, requests: int) -> str:
    """pyinstrument over ``requests`` sequential requests of one path, app in-process."""
    from pyinstrument import Profiler

    os.environ.update(shape.env)
    if case.startswith("browse"):
        from apis.catalog.app import create_app as create_catalog

        app, method, path = create_catalog(), "GET", "/api/v1/videos"
    else:
        from apis.playback.app import create_app as create_playback

        app, method, path = create_playback(), "POST", f"/api/v1/playback/{seeded.video_id}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://codeflix.test") as c:
            for _ in range(20):
                await c.request(method, path, headers=seeded.viewer)
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            with profiler:
                for _ in range(requests):
                    await c.request(method, path, headers=seeded.viewer)
    session = profiler.last_session
    assert session is not None
    summary = (
        f"{requests} requests of {method} {path} in-process (no uvicorn, no network): "
        f"{session.duration / requests * 1000:.1f} ms wall and "
        f"{session.cpu_time / requests * 1000:.1f} ms CPU per request\n"
    )
    return summary + str(profiler.output_text(unicode=False, color=False, show_all=False))


# -- report -----------------------------------------------------------------------------------
def table(args: argparse.Namespace, load: list[dict], edges: list[dict], loadavg: float) -> str:
    lines = [
        f"Open loop at {args.rate:.0f} requests/s for {args.seconds:.0f} s per path; "
        f"uvicorn --workers {args.workers}; {args.open_connections} client connections, an answer "
        f"later than {args.timeout:.0f} s (or none) counts as an error; {os.cpu_count()} CPUs, "
        f"load average {loadavg:.1f} when the run started; client, servers, PostgreSQL and "
        "RabbitMQ on the same machine.",
        "",
        "| path | requests | answered/s | p50 ms | p99 ms | max ms | errors | p99 target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in load:
        target = "-" if r["case"].startswith("segment") else (
            "met" if r["p99_ms"] <= TARGET_P99_MS else f"**missed** (≤ {TARGET_P99_MS:.0f} ms)"
        )  # fmt: skip
        lines.append(
            f"| {r['case']} | {r['requests']} | {r['answered_per_s']:.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['max_ms']:.0f} | {r['error_rate']:.2%} | {target} |"
        )
    lines += [
        "",
        f"Media edge at saturation (wrk, 2 threads, {args.connections} connections, "
        f"{args.edge_seconds} s each, 4 s 720p segments of "
        f"{edges[0]['mb_per_s'] / edges[0]['requests_per_s'] * 1024:.0f} KB): one segment "
        f"asked again and again, then {SPREAD_SEGMENTS} distinct segments in turn (more than "
        "the Python edge keeps in memory: every request reads the store):",
        "",
        "| asked for | edge | requests/s | MB/s | p99 ms | non-2xx |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for e in edges:
        p99 = f"{e['p99_ms']:.1f}" if e["p99_ms"] is not None else "-"
        lines.append(
            f"| {e['case']} | {e['edge']} | {e['requests_per_s']:.0f} | {e['mb_per_s']:.0f} | "
            f"{p99} | {e['errors']} |"
        )
    lines.append("")
    for python, native in zip(edges[::2], edges[1::2], strict=True):
        ratio = python["requests_per_s"] / native["requests_per_s"]
        verdict = "met" if ratio >= TARGET_EDGE_RATIO else f"**missed** (≥ {TARGET_EDGE_RATIO:.0%})"
        lines.append(
            f"Python edge / nginx, {python['case']}: **{ratio:.0%}** of nginx's throughput "
            f"(target {verdict})."
        )
    return "\n".join(lines)


async def measure(
    args: argparse.Namespace, root: Path
) -> tuple[list[dict], list[dict], dict[str, str]]:
    shape = await start_shape(root, args.workers)
    try:
        seeded = await seed(shape, args.titles)
        print("open loop:")
        load = await run_open_loop(shape, seeded, args)
        print("edge throughput (wrk):")
        edges = await asyncio.to_thread(
            edge_against_nginx, shape, seeded, args.edge_seconds, args.connections
        )
        profiles = {}
        for row in load:
            if not row["case"].startswith("segment") and row["p99_ms"] > TARGET_P99_MS:
                name = "browse" if row["case"].startswith("browse") else "grant"
                profiles[name] = await profile(shape, seeded, row["case"], args.profile)
    finally:
        stop_shape(shape)
    return load, edges, profiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s per path")
    parser.add_argument("--seconds", type=float, default=20.0, help="open-loop time per path")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per service")
    parser.add_argument("--titles", type=int, default=30, help="published titles to browse")
    parser.add_argument("--edge-seconds", type=int, default=10, help="wrk time per edge")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--profile", type=int, default=300, help="requests per profile")
    parser.add_argument(
        "--open-connections", type=int, default=256, help="connections of the open loop"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="an answer later is an error")
    args = parser.parse_args()
    loadavg = os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix="codeflix-load-"))
    root.chmod(0o755)  # PostgreSQL's own account works in here
    try:
        load, edges, profiles = asyncio.run(measure(args, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    text = table(args, load, edges, loadavg)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "load.md").write_text(text + "\n")
    results = {"args": vars(args), "loadavg": loadavg, "load": load, "edges": edges}
    (OUT / "load.json").write_text(json.dumps(results, indent=2))
    for name, report in profiles.items():
        (OUT / f"profile_{name}.txt").write_text(report)
        print(f"\nprofile of {name} ({args.profile} requests, in-process):\n{report}")


if __name__ == "__main__":
    main()

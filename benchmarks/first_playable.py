"""How soon a title can be watched while it encodes: time to first playable against the full encode.

Generates a master with the tests' media helper (``testsrc2`` and a tone, x264, 2 s GOP; 720p
and 10 minutes by default), then runs ``actors.coordinator.run_encode_job`` on a local Ray and
notes when ``on_playable`` fires (the master playlist is written and every rendition has its
first segments) and when the job ends. Ray is started before the clock starts, as the encoder
worker keeps it between jobs; its start-up is printed apart, and the cold ratio adds it to both
sides. The table is saved in ``benchmarks/results/first_playable.{md,json}``.

    .venv/bin/python benchmarks/first_playable.py [--seconds 600] [--size 1280x720] [--master F]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
BAR = 0.10  # time to first playable at most a tenth of the full encode


def run(master: Path, out: Path, quality: str) -> dict[str, float | str]:
    from actors import cluster
    from actors.coordinator import run_encode_job
    from pipeline.job import EncodeRequest, PlayableStream

    started = time.monotonic()
    cluster.connect(num_cpus=os.cpu_count())
    ray_start = time.monotonic() - started
    playable: dict[str, float] = {}

    def on_playable(stream: PlayableStream) -> None:
        playable["seconds"] = time.monotonic() - began
        playable["segments"] = stream.segments

    began = time.monotonic()
    result = run_encode_job(
        EncodeRequest(source_uri=str(master), output_uri=f"file://{out}", quality=quality),  # type: ignore[arg-type]
        on_playable=on_playable,
    )
    full = time.monotonic() - began
    cluster.shutdown()
    return {
        "ray_start_s": ray_start,
        "playable_s": playable["seconds"],
        "playable_segments": playable["segments"],
        "full_encode_s": full,
        "ratio": playable["seconds"] / full,
        "cold_ratio": (playable["seconds"] + ray_start) / (full + ray_start),
        "duration_s": result.duration_seconds,
        "chunks": result.chunks_total,
        "rungs": len(result.renditions),
        "top": f"{result.renditions[0].width}x{result.renditions[0].height}",
    }


def table(row: dict[str, float | str], master: str, cpus: int) -> str:
    verdict = "met" if float(row["ratio"]) <= BAR else "**missed**"
    return "\n".join(
        [
            "| master | CPUs | Ray start (s) | time to playable (s) | full encode (s) "
            "| ratio | ratio with Ray start | bar ≤ 0.10 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {master} | {cpus} | {row['ray_start_s']:.1f} | {row['playable_s']:.1f} "
            f"| {row['full_encode_s']:.1f} | {row['ratio']:.3f} | {row['cold_ratio']:.3f} "
            f"| {verdict} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the master")
    parser.add_argument("--size", default="1280x720", help="picture size of the master")
    parser.add_argument("--master", type=Path, help="encode this file instead of generating one")
    parser.add_argument("--quality", default="per-title", choices=("per-title", "fixed"))
    args = parser.parse_args()
    from tests.support.media import make_clip

    with tempfile.TemporaryDirectory(prefix="codeflix-first-playable-") as work:
        master = args.master
        if master is None:
            print(f"generating a {args.seconds:.0f} s {args.size} master …", flush=True)
            master = make_clip(Path(work) / "master.mp4", seconds=args.seconds, size=args.size)
        row = run(master, Path(work) / "hls", args.quality)
    label = (
        f"{row['top']}, {row['duration_s']:.0f} s, {row['rungs']} rungs, "
        f"{row['chunks']} chunks, {args.quality}"
    )
    text = table(row, label, os.cpu_count() or 1)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "first_playable.md").write_text(text + "\n")
    (RESULTS / "first_playable.json").write_text(
        json.dumps({"master": label, "load_avg": os.getloadavg(), **row}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()

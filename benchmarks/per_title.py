"""Per-title against fixed ladders: bytes, PSNR and SSIM per rung on easy, real and hard clips.

Every clip is encoded twice in this process, exactly as the chunk tasks would encode it (no
Ray: bytes and quality do not depend on where a chunk runs), once with ``quality="fixed"`` and
once with ``quality="per-title"``, at the ladder's default preset. Each rung is then compared
with the master scaled to the rung (bicubic, as the ladder scales) by FFmpeg's ``psnr`` and
``ssim`` filters, reading the rung through FFmpeg's HLS demuxer. Bytes are the rung's segments.
The cost of measuring the complexity is given as a share of the CPU time of the per-title
encode's chunk transcodes. The summary checks the agreed bar: on easy and real clips at least
20 % fewer bytes on average and every rung within the quality floor; on hard clips better
PSNR and SSIM on every rung, within the rung caps.

    .venv/bin/python benchmarks/per_title.py [--seconds 10] [--clips slide,noise]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

SIZE = "1280x720"
# name -> (kind, lavfi graph making the master; None: the real Big Buck Bunny clip)
CLIPS: dict[str, tuple[str, str | None]] = {
    "bbb": ("real", None),
    "testsrc2": ("real", f"testsrc2=size={SIZE}:rate=30"),
    "slide": ("easy", f"smptehdbars=size={SIZE}:rate=30"),
    "cartoon_pan": ("easy", "testsrc=size=2560x720:rate=30,crop=1280:720:x='t*40':y=0"),
    "talking_head": ("easy", None),  # a still of the real clip with a moving face-sized window
    "noise": ("hard", f"color=c=gray:size={SIZE}:rate=30,noise=alls=60:allf=t+u"),
    "mandelbrot": ("hard", "mandelbrot=size=1280x720:rate=30"),
    "life": (
        "hard",
        "life=size=1280x720:rate=30:ratio=0.5:mold=10:life_color=#00ff00:death_color=#aa0000",
    ),
}


def ffmpeg(*args: str) -> str:
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-y", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stderr


def make_master(name: str, folder: Path, seconds: float) -> Path:
    from tests.support.media import big_buck_bunny

    graph = CLIPS[name][1]
    path = folder / f"{name}.mp4"
    encode = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p"]
    if name == "bbb":
        return big_buck_bunny()
    if name == "talking_head":
        bbb = str(big_buck_bunny())
        ffmpeg(
            "-stream_loop", "-1", "-i", bbb,
            "-filter_complex",
            "[0:v]split[a][b];[a]trim=end_frame=1,loop=-1:size=1,setpts=N/25/TB[still];"
            "[b]crop=320:320:560:200[face];[still][face]overlay=560:200",
            "-t", str(seconds), "-an", *encode, str(path),
        )  # fmt: skip
        return path
    assert graph is not None
    ffmpeg("-f", "lavfi", "-i", graph, "-t", str(seconds), "-an", *encode, str(path))
    return path


def encode(master: Path, out: Path, quality: str) -> dict[str, Any]:
    """Plan, transcode every chunk and package in this process; CPU time of each part."""
    from codeflix.storage import ObjectStore
    from pipeline.job import EncodeRequest
    from pipeline.packaging import package
    from pipeline.planning import plan_job
    from pipeline.transcode import transcode_chunk

    request = EncodeRequest(
        source_uri=str(master),
        output_uri=f"file://{out}",
        quality=quality,  # type: ignore[arg-type]
    )
    plan = plan_job(request)
    started = time.process_time()
    outcomes = [transcode_chunk(plan, chunk.index) for chunk in plan.chunks]
    transcode_cpu = time.process_time() - started
    store, state = ObjectStore(plan.output_uri), ObjectStore(plan.state_uri)
    result = package(plan, store, state, outcomes, [], chunks_encoded=len(outcomes))
    assert result.ladder is not None
    return {"result": result, "plan": plan, "transcode_cpu": transcode_cpu}


def quality(master: Path, playlist: Path, width: int, height: int) -> tuple[float, float]:
    """Mean PSNR (dB, all planes) and SSIM of a rendition against the master scaled to it."""
    log = ffmpeg(
        "-i", str(playlist), "-i", str(master),
        "-filter_complex",
        "[0:v]setpts=PTS-STARTPTS,split[d1][d2];"
        f"[1:v]scale={width}:{height}:flags=bicubic,format=yuv420p,setpts=PTS-STARTPTS,"
        "split[r1][r2];[d1][r1]psnr[p];[d2][r2]ssim[s]",
        "-map", "[p]", "-f", "null", "-", "-map", "[s]", "-f", "null", "-",
    )  # fmt: skip
    psnr = re.search(r"PSNR .*average:([\d.]+|inf)", log)
    ssim = re.search(r"SSIM .*All:([\d.]+)", log)
    assert psnr and ssim, log[-2000:]
    return float(psnr.group(1).replace("inf", "100")), float(ssim.group(1))


def rung_bytes(out: Path, rung: str) -> int:
    return sum(p.stat().st_size for p in (out / "video" / rung).glob("*.ts"))


def within_floor(fixed: dict[str, Any], per_title: dict[str, Any]) -> bool:
    """The agreed quality floor: no rung loses more than 0.5 dB PSNR or 0.005 SSIM, unless it
    stays at or above 45 dB and 0.99 (no visible difference at either level)."""
    return (per_title["psnr"] >= min(fixed["psnr"] - 0.5, 45.0)) and (
        per_title["ssim"] >= min(fixed["ssim"] - 0.005, 0.99)
    )


def floor_misses(row: dict[str, Any]) -> list[str]:
    return [e["rung"] for e in row["rungs"] if not within_floor(e["fixed"], e["per-title"])]


def measure_clip(name: str, folder: Path, seconds: float) -> dict[str, Any]:
    from pipeline.ladder import rung_cap

    master = make_master(name, folder, seconds)
    row: dict[str, Any] = {"clip": name, "kind": CLIPS[name][0], "rungs": []}
    runs = {}
    for mode in ("fixed", "per-title"):
        out = folder / f"{name}-{mode}"
        runs[mode] = (out, encode(master, out, mode))
    per_title = runs["per-title"][1]
    decision = per_title["result"].ladder
    row["complexity"] = decision.complexity
    row["size_exponent"] = decision.size_exponent
    row["sample_cpu_seconds"] = decision.sample_cpu_seconds
    row["transcode_cpu_seconds"] = round(per_title["transcode_cpu"], 2)
    row["sample_cost"] = decision.sample_cpu_seconds / per_title["transcode_cpu"]
    # A 10-minute master of the same content: three samples of 2 s, 600 s encoded.
    row["sample_cost_10_min"] = (decision.sample_cpu_seconds / decision.sample_seconds * 6.0) / (
        per_title["transcode_cpu"] / per_title["result"].duration_seconds * 600.0
    )
    row["duration"] = per_title["result"].duration_seconds
    for rung in per_title["plan"].ladder.rungs:
        entry: dict[str, Any] = {"rung": rung.name, "cap_kbps": rung_cap(rung) // 1000}
        for mode, (out, run) in runs.items():
            target = run["result"].ladder.bitrates[rung.name]
            psnr, ssim = quality(
                master, out / "video" / rung.name / "index.m3u8", rung.width, rung.height
            )
            entry[mode] = {
                "target_kbps": target // 1000,
                "bytes": rung_bytes(out, rung.name),
                "psnr": round(psnr, 2),
                "ssim": round(ssim, 4),
            }
        entry["per-title"]["crf"] = rung.crf  # None: the cap as an average bitrate
        row["rungs"].append(entry)
    row["fixed_bytes"] = sum(r["fixed"]["bytes"] for r in row["rungs"])
    row["per_title_bytes"] = sum(r["per-title"]["bytes"] for r in row["rungs"])
    return row


def verdicts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The agreed bar (easy and real: bytes and the quality floor; hard: better quality within
    the caps), and the original bar's "equal or better on every rung" for comparison."""
    ratios = [r["per_title_bytes"] / r["fixed_bytes"] for r in rows]
    easy_real = [q for q, r in zip(ratios, rows, strict=True) if r["kind"] != "hard"]

    def every_rung(row: dict[str, Any], ok: Any) -> bool:
        return all(ok(e["fixed"], e["per-title"]) for e in row["rungs"])

    def better(f: dict[str, Any], p: dict[str, Any]) -> bool:
        return p["psnr"] >= f["psnr"] and p["ssim"] >= f["ssim"]

    hard = [r for r in rows if r["kind"] == "hard"]
    return {
        "mean_bytes_ratio": sum(ratios) / len(ratios),
        "max_bytes_ratio": max(ratios),
        "easy_real_mean_bytes_ratio": sum(easy_real) / len(easy_real) if easy_real else None,
        "quality_as_written": [every_rung(r, better) for r in rows],
        "quality_floor": [not floor_misses(r) for r in rows],
        "hard_better_within_caps": [
            every_rung(r, better)
            and all(e["per-title"]["target_kbps"] <= e["cap_kbps"] for e in r["rungs"])
            for r in hard
        ],
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| clip | kind | rung | fixed kb/s → per-title | per-title CRF | fixed bytes "
        "| per-title bytes | Δ bytes | PSNR fixed / per-title (dB) | SSIM fixed / per-title |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        for e in r["rungs"]:
            f, p = e["fixed"], e["per-title"]
            crf = "cap" if p["crf"] is None else str(p["crf"])
            lines.append(
                f"| {r['clip']} | {r['kind']} | {e['rung']} | "
                f"{f['target_kbps']} → {p['target_kbps']} | {crf} | {f['bytes']:,} | "
                f"{p['bytes']:,} | "
                f"{(p['bytes'] / f['bytes'] - 1) * 100:+.0f} % | {f['psnr']:.2f} / {p['psnr']:.2f} "
                f"| {f['ssim']:.4f} / {p['ssim']:.4f} |"
            )
    lines += [
        "",
        "| clip | kind | complexity (bit/px at CRF 23) | size exponent | total bytes vs fixed "
        "| quality floor | sampling CPU | share of the encode's CPU "
        "| projected for a 10-minute master |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for r in rows:
        misses = floor_misses(r)
        floor = "missed: " + ", ".join(misses) if misses else "met"
        lines.append(
            f"| {r['clip']} | {r['kind']} | {r['complexity']:.4f} | {r['size_exponent']:.2f} | "
            f"{(r['per_title_bytes'] / r['fixed_bytes'] - 1) * 100:+.0f} % | {floor} | "
            f"{r['sample_cpu_seconds']:.2f} s | {r['sample_cost'] * 100:.1f} % | "
            f"{r['sample_cost_10_min'] * 100:.1f} % |"
        )
    v = verdicts(rows)
    missed = [f"{r['clip']} {', '.join(floor_misses(r))}" for r in rows if floor_misses(r)]
    summary = [
        "Within the quality floor (every rung at PSNR ≥ min(fixed - 0.5 dB, 45 dB) and SSIM "
        f"≥ min(fixed - 0.005, 0.99)): {sum(v['quality_floor'])} of {len(rows)} clips"
        + (f"; missed: {'; '.join(missed)}." if missed else ".")
    ]
    if v["easy_real_mean_bytes_ratio"] is not None:
        summary.append(
            "Easy and real clips: total bytes vs fixed mean "
            f"{(v['easy_real_mean_bytes_ratio'] - 1) * 100:+.0f} % (bar: -20 % or less)."
        )
    if v["hard_better_within_caps"]:
        summary.append(
            "Hard clips with better PSNR and SSIM than fixed on every rung, within the caps: "
            f"{sum(v['hard_better_within_caps'])} of {len(v['hard_better_within_caps'])}."
        )
    summary.append(
        f"All clips: total bytes vs fixed mean {(v['mean_bytes_ratio'] - 1) * 100:+.0f} %, "
        f"worst clip {(v['max_bytes_ratio'] - 1) * 100:+.0f} %; every rung at equal or better "
        f"PSNR and SSIM: {sum(v['quality_as_written'])} of {len(rows)} clips."
    )
    lines += ["", " ".join(summary)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="length of generated clips")
    parser.add_argument("--clips", default=",".join(CLIPS), help="which clips, comma-separated")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="codeflix-per-title-") as scratch:
        for name in args.clips.split(","):
            print(f"{name} …", file=sys.stderr, flush=True)
            rows.append(measure_clip(name, Path(scratch), args.seconds))
    text = table(rows)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "per_title.json").write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / "per_title.md").write_text(text + "\n")


if __name__ == "__main__":
    main()

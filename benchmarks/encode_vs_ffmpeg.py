"""Codeflix's chunked encoder against the ``ffmpeg`` command line, on the same 4-rung ladder.

Builds (or takes with ``--master``) a 1080p master of about a minute, then encodes the ladder
1080/720/480/360 into HLS with one ``ffmpeg`` process (split filter, four libx264 encoders,
the HLS muxer) and with ``codeflix encode``, with the same preset, bitrates, VBV, GOP and
segment length, alternating the two ``--repeat`` times and keeping each one's fastest attempt.
For each it measures the wall time, the CPU time and the peak memory of the whole process tree
(Ray's raylet and workers included), sampled from /proc, and prints and saves the table.

    .venv/bin/python benchmarks/encode_vs_ffmpeg.py [--seconds 60] [--master FILE] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
HEIGHTS = (1080, 720, 480, 360)
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    peak_memory: int  # bytes: the highest sum of the tree's proportional set sizes seen
    output_bytes: int
    load_before: float  # the machine's 1-minute load average when the run started


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    return children


def _tree(root: int) -> list[int]:
    children, found, todo = _children_map(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


def _pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages (libraries, Ray's object store) counted once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(name: str, cmd: list[str], output: Path) -> Run:
    """Run ``cmd`` and sample its whole process tree until it exits."""
    load_before = os.getloadavg()[0]
    cpu_by_pid: dict[int, float] = {}
    peak = 0
    started = time.monotonic()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            tree = _tree(process.pid)
            peak = max(peak, sum(_pss_bytes(p) for p in tree))
            for pid in tree:
                seconds = _cpu_seconds(pid)
                if seconds is not None:
                    cpu_by_pid[pid] = max(cpu_by_pid.get(pid, 0.0), seconds)
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed:\n{stderr[-2000:]}")
    # Reaped descendants are in the rusage of the command; the sampled ones are the rest.
    direct = usage.ru_utime + usage.ru_stime
    cpu = max(direct, sum(cpu_by_pid.values()))
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file() and "_job" not in p.parts)
    return Run(name, wall, cpu, peak, size, load_before)


def make_master(path: Path, seconds: int) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:sample_rate=48000",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            str(path),
        ],
        check=True,
    )


def ffmpeg_command(master: Path, out: Path) -> list[str]:
    """The same ladder as Codeflix plans it, in one ffmpeg process."""
    sys.path.insert(0, str(ROOT))
    from pipeline.ladder import plan_ladder
    from pipeline.probe import probe

    ladder = plan_ladder(probe(str(master)), list(HEIGHTS))
    gop = ladder.gop_frames
    split = f"[0:v]split={len(ladder.rungs)}" + "".join(f"[s{i}]" for i in range(len(ladder.rungs)))
    scales = [
        f"[s{i}]scale={r.width}:{r.height}:flags=bicubic,format=yuv420p[v{i}]"
        for i, r in enumerate(ladder.rungs)
    ]
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-i",
        str(master),
        "-filter_complex",
        ";".join([split, *scales]),
    ]
    for i, r in enumerate(ladder.rungs):
        cmd += [
            "-map",
            f"[v{i}]",
            f"-c:v:{i}",
            "libx264",
            f"-preset:v:{i}",
            ladder.preset,
            f"-profile:v:{i}",
            "high",
            f"-b:v:{i}",
            str(r.bitrate),
            f"-maxrate:v:{i}",
            str(r.max_bitrate),
            f"-bufsize:v:{i}",
            str(r.max_bitrate * 2),
            f"-x264-params:v:{i}",
            f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0:level={r.level}",
        ]
    cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"]
    streams = " ".join(f"v:{i},agroup:aud" for i in range(len(ladder.rungs)))
    cmd += [
        "-f",
        "hls",
        "-hls_time",
        str(round(ladder.segment_seconds)),
        "-hls_list_size",
        "0",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "mpegts",
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        f"{streams} a:0,agroup:aud",
        "-hls_segment_filename",
        str(out / "%v" / "seg_%05d.ts"),
        str(out / "%v" / "index.m3u8"),
    ]
    return cmd


def table(master_desc: str, runs: list[Run]) -> str:
    base = runs[0]
    lines = [
        f"Master: {master_desc}; ladder {'/'.join(map(str, HEIGHTS))} (libx264 veryfast), "
        f"{os.cpu_count()} CPUs",
        "",
        "| encoder | wall (s) | CPU (s) | peak memory (MB) | output (MB) | wall vs ffmpeg "
        "| load avg at start |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.wall:.1f} | {run.cpu:.1f} | {run.peak_memory / 2**20:.0f} "
            f"| {run.output_bytes / 2**20:.1f} | {run.wall / base.wall:.2f}x "
            f"| {run.load_before:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the generated master")
    parser.add_argument("--master", type=Path, help="use this master instead of generating one")
    parser.add_argument(
        "--repeat", type=int, default=2, help="attempts of each encoder, alternating; best kept"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="codeflix-bench-"))
    try:
        master = args.master or work / "master.mp4"
        if not args.master:
            make_master(master, args.seconds)
        codeflix = str(Path(sys.executable).parent / "codeflix")
        attempts: list[Run] = []
        # Alternate the two encoders so that both meet the same changes in the machine's load.
        for attempt in range(args.repeat):
            ff_out, cf_out = work / f"ffmpeg{attempt}", work / f"codeflix{attempt}"
            ff_out.mkdir()
            attempts.append(
                measure("ffmpeg CLI (1 process)", ffmpeg_command(master, ff_out), ff_out)
            )
            command = [codeflix, "encode", str(master), "--out", str(cf_out)]
            # The same bitrates as the ffmpeg command: the fixed ladder, not a per-title one.
            command += ["--ladder", ",".join(map(str, HEIGHTS)), "--quality", "fixed"]
            attempts.append(measure("codeflix encode (Ray, chunks)", command, cf_out))
            shutil.rmtree(ff_out)
            shutil.rmtree(cf_out)
        # The fastest attempt of each is the one the rest of the machine disturbed least.
        runs = [
            min((a for a in attempts if a.name == name), key=lambda a: a.wall)
            for name in dict.fromkeys(a.name for a in attempts)
        ]
        length = args.seconds if not args.master else "?"
        desc = f"{master.name}, 1920x1080 {length} s, best of {args.repeat} alternating attempts"
        text = table(desc, runs)
        print(text)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "encode_vs_ffmpeg.md").write_text(text)
        (RESULTS / "encode_vs_ffmpeg.json").write_text(
            json.dumps(
                {"best": [r.__dict__ for r in runs], "attempts": [a.__dict__ for a in attempts]},
                indent=2,
            )
            + "\n"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

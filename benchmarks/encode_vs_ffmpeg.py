"""Codeflix's chunked encoder against the ``ffmpeg`` command line, on the same 4-rung ladder.

Builds (or takes with ``--master``) a 1080p master of about a minute, then encodes the ladder
1080/720/480/360 into HLS three ways, with the same preset, bitrates, VBV, GOP and segment
length, alternating them ``--repeat`` times and keeping each one's fastest attempt:

- one ``ffmpeg`` process (split filter, four libx264 encoders, the HLS muxer);
- the cold ``codeflix encode`` command, which starts a local Ray of its own;
- a warm job: a job handed to a driver already connected to a running local Ray (``ray start
  --head``), the way the encoder worker drives its cluster; the driver ran one short job
  before, so its Ray workers are up.

For each it measures the wall time, the CPU time and the peak memory of every process of the
encode (Ray's GCS, raylet, agents and workers included), sampled from /proc, with the CPU
split by kind of process, and prints and saves the tables.

    .venv/bin/python benchmarks/encode_vs_ffmpeg.py [--seconds 60] [--master FILE] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
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
    cpu_by_kind: dict[str, float] = field(default_factory=dict)  # see _kind


# What a process of the encode is, from its command line (Ray's workers retitle themselves).
KINDS = (
    ("gcs_server", "Ray GCS"),
    ("raylet", "raylet"),
    ("DashboardAgent", "Ray agents"),
    ("RuntimeEnvAgent", "Ray agents"),
    ("dashboard/agent.py", "Ray agents"),
    ("runtime_env/agent", "Ray agents"),
    ("log_monitor", "Ray agents"),
    ("default_worker.py", "Ray workers (the tasks)"),
    ("ray::", "Ray workers (the tasks)"),
    ("dashboard/dashboard.py", "Ray head services (dashboard, monitor, client server)"),
    ("autoscaler", "Ray head services (dashboard, monitor, client server)"),
    ("ray.util.client.server", "Ray head services (dashboard, monitor, client server)"),
    ("actors.local_ray", "local Ray watchdog"),
    ("ray start", "ray start"),
)
DRIVER = "driver (probe, plan, playlists)"


def _kind(pid: int) -> str | None:
    """None while it cannot be told (an exited process, not yet reaped, has no command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if not cmdline:
        return None
    program = os.path.basename(cmdline.split(" ", 1)[0])
    if program == "ffmpeg":  # by its program: the driver's own name has "ffmpeg" in it
        return "ffmpeg"
    for needle, kind in KINDS:
        if needle in cmdline:
            return kind
    return DRIVER if "codeflix" in cmdline or "encode_vs_ffmpeg" in cmdline else "other"


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


class Sampler:
    """Samples the CPU time and memory of every process below ``roots`` until stopped.

    CPU is counted from ``baseline`` (each process's CPU seconds when the run began; a process
    born during the run counts from zero), so a warm Ray's earlier work is not charged.
    """

    def __init__(self, roots: list[int], baseline: dict[int, float] | None = None) -> None:
        self.roots, self.baseline = roots, baseline or {}
        self.cpu_by_pid: dict[int, float] = {}
        self.kind_by_pid: dict[int, str] = {}
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(0.25)

    def _sample(self) -> None:
        tree = [pid for root in self.roots for pid in _tree(root)]
        self.peak = max(self.peak, sum(_pss_bytes(p) for p in tree))
        for pid in tree:
            seconds = _cpu_seconds(pid)
            if seconds is not None:
                spent = seconds - self.baseline.get(pid, 0.0)
                self.cpu_by_pid[pid] = max(self.cpu_by_pid.get(pid, 0.0), spent)
                kind = _kind(pid)  # the latest title: workers rename themselves
                if kind is not None:
                    self.kind_by_pid[pid] = kind

    @property
    def cpu(self) -> float:
        return sum(self.cpu_by_pid.values())

    def by_kind(self) -> dict[str, float]:
        kinds: dict[str, float] = {}
        for pid, seconds in self.cpu_by_pid.items():
            kind = self.kind_by_pid.get(pid, "other")
            kinds[kind] = kinds.get(kind, 0.0) + seconds
        return kinds


def snapshot(roots: list[int]) -> dict[int, float]:
    """CPU seconds so far of every process below ``roots``."""
    found = {pid: _cpu_seconds(pid) for root in roots for pid in _tree(root)}
    return {pid: seconds for pid, seconds in found.items() if seconds is not None}


def _output_bytes(output: Path) -> int:
    return sum(p.stat().st_size for p in output.rglob("*") if p.is_file())


def measure(name: str, cmd: list[str], output: Path) -> Run:
    """Run ``cmd`` and sample its whole process tree until it exits."""
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with Sampler([process.pid]) as sampler:
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed:\n{stderr[-2000:]}")
    # Reaped descendants are in the rusage of the command; the sampled ones are the rest.
    direct = usage.ru_utime + usage.ru_stime
    cpu = max(direct, sampler.cpu)
    kinds = sampler.by_kind()
    if direct > sampler.cpu:
        kinds["ended between samples"] = direct - sampler.cpu
    return Run(name, wall, cpu, sampler.peak, _output_bytes(output), load_before, kinds)


class WarmRay:
    """A local Ray started with ``ray start --head`` and a driver connected to it.

    The driver (this script with ``--warm-driver``) is a long-lived process like the encoder
    worker: it joins Ray once and runs one job per line it reads.
    """

    def __init__(self, work: Path, warm_up_master: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ray = str(Path(sys.executable).parent / "ray")
        # A throwaway node on this machine: no token to hand from the head to the driver.
        env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
        self.head = subprocess.Popen(
            [ray, "start", "--head", f"--port={port}", f"--num-cpus={os.cpu_count()}",
             "--include-dashboard=false", "--disable-usage-stats", "--block",
             f"--temp-dir={work / 'ray'}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip
        self.driver = subprocess.Popen(
            [sys.executable, __file__, "--warm-driver", f"127.0.0.1:{port}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._expect("ready")
        self.run_job(warm_up_master, work / "warm-up")  # the driver's Ray workers start here

    def _expect(self, word: str) -> str:
        assert self.driver.stdout is not None
        line = self.driver.stdout.readline()
        if not line.startswith(word):
            sys.exit(f"the warm driver said {line!r} instead of {word!r}")
        return line

    def run_job(self, master: Path, out: Path) -> None:
        assert self.driver.stdin is not None
        self.driver.stdin.write(f"{master}\t{out}\n")
        self.driver.stdin.flush()
        self._expect("done")

    def measure(self, name: str, master: Path, output: Path) -> Run:
        roots = [self.head.pid, self.driver.pid]
        load_before = os.getloadavg()[0]
        with Sampler(roots, snapshot(roots)) as sampler:
            started = time.monotonic()
            self.run_job(master, output)
            wall = time.monotonic() - started
        return Run(
            name, wall, sampler.cpu, sampler.peak, _output_bytes(output), load_before,
            sampler.by_kind(),
        )  # fmt: skip

    def close(self) -> None:
        sys.path.insert(0, str(ROOT))
        from actors.local_ray import Proc, descendants

        everything = descendants({self.head.pid, self.driver.pid})
        if self.driver.stdin is not None:
            self.driver.stdin.close()
        self.driver.wait(30)
        self.head.terminate()
        try:
            self.head.wait(30)
        except subprocess.TimeoutExpired:
            self.head.kill()
        for process in everything:  # pid and start time: a recycled pid is never killed
            Proc(process.pid, process.started).kill()


def warm_driver(address: str) -> None:
    """Join the Ray at ``address``, then run one fixed-ladder job per ``master<TAB>out`` line."""
    sys.path.insert(0, str(ROOT))
    from actors import cluster
    from actors.coordinator import run_encode_job
    from pipeline.job import EncodeRequest

    deadline = time.monotonic() + 120
    while True:
        try:
            cluster.connect(address)
            break
        except Exception:  # the head is still starting
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    print("ready", flush=True)
    for line in sys.stdin:
        master, out = line.rstrip("\n").split("\t")
        request = EncodeRequest(
            source_uri=f"file://{master}",
            output_uri=f"file://{out}",
            heights=list(HEIGHTS),
            quality="fixed",
        )
        run_encode_job(request)
        print("done", flush=True)
    cluster.shutdown()


def make_master(path: Path, seconds: int, size: str = "1920x1080") -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=30",
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
        "| CPU vs ffmpeg | load avg at start |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.wall:.1f} | {run.cpu:.1f} | {run.peak_memory / 2**20:.0f} "
            f"| {run.output_bytes / 2**20:.1f} | {run.wall / base.wall:.2f}x "
            f"| {run.cpu / base.cpu:.2f}x | {run.load_before:.1f} |"
        )
    kinds = list(dict.fromkeys(k for run in runs for k in sorted(run.cpu_by_kind)))
    lines += [
        "",
        "CPU seconds by process:",
        "",
        "| process | " + " | ".join(run.name for run in runs) + " |",
        "| --- |" + " ---: |" * len(runs),
    ]
    for kind in kinds:
        cells = " | ".join(f"{run.cpu_by_kind.get(kind, 0.0):.1f}" for run in runs)
        lines.append(f"| {kind} | {cells} |")
    return "\n".join(lines) + "\n"


FFMPEG, COLD, WARM = (
    "ffmpeg CLI (1 process)",
    "codeflix encode, cold (starts Ray)",
    "warm job (Ray running)",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the generated master")
    parser.add_argument("--master", type=Path, help="use this master instead of generating one")
    parser.add_argument(
        "--repeat", type=int, default=2, help="attempts of each encoder, alternating; best kept"
    )
    parser.add_argument("--warm-driver", metavar="ADDRESS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.warm_driver:
        warm_driver(args.warm_driver)
        return
    work = Path(tempfile.mkdtemp(prefix="codeflix-bench-"))
    warm: WarmRay | None = None
    try:
        master = args.master or work / "master.mp4"
        if not args.master:
            make_master(master, args.seconds)
        warm_up = work / "warm-up.mp4"
        make_master(warm_up, 8, size="640x360")
        codeflix = str(Path(sys.executable).parent / "codeflix")
        attempts: list[Run] = []
        warm = WarmRay(work, warm_up)
        # Alternate the encoders so that all meet the same changes in the machine's load.
        for attempt in range(args.repeat):
            ff_out, cf_out, warm_out = (work / f"{n}{attempt}" for n in ("ff", "cold", "warm"))
            ff_out.mkdir()
            attempts.append(measure(FFMPEG, ffmpeg_command(master, ff_out), ff_out))
            command = [codeflix, "encode", str(master), "--out", str(cf_out)]
            # The same bitrates as the ffmpeg command: the fixed ladder, not a per-title one.
            command += ["--ladder", ",".join(map(str, HEIGHTS)), "--quality", "fixed"]
            attempts.append(measure(COLD, command, cf_out))
            attempts.append(warm.measure(WARM, master, warm_out))
            for folder in (ff_out, cf_out, warm_out):
                shutil.rmtree(folder)
        # The fastest attempt of each is the one the rest of the machine disturbed least.
        runs = [
            min((a for a in attempts if a.name == name), key=lambda a: a.wall)
            for name in (FFMPEG, COLD, WARM)
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
        if warm is not None:
            warm.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

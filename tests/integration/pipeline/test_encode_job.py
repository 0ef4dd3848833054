"""``run_encode_job`` on a real local Ray: the real Big Buck Bunny clip, resume, lost workers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from actors.coordinator import run_encode_job
from apis.playback.media import servable
from pipeline.errors import UnplayableMaster
from pipeline.job import EncodeProgress, EncodeRequest
from tests.support.media import assert_valid_hls, big_buck_bunny, make_clip, tree

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ray_local")]


def test_big_buck_bunny_becomes_a_complete_hls_ladder(tmp_path: Path) -> None:
    out = tmp_path / "hls"
    progress: list[EncodeProgress] = []
    result = run_encode_job(
        EncodeRequest(source_uri=str(big_buck_bunny()), output_uri=f"file://{out}"),
        on_progress=progress.append,
    )
    assert [r.name for r in result.renditions] == ["720p", "480p", "360p", "240p"]
    assert [(r.width, r.height) for r in result.renditions][:2] == [(1280, 720), (854, 480)]
    assert result.duration_seconds == pytest.approx(5.28)
    assert [a.name for a in result.audio] == ["aac_und"] and result.audio[0].default
    assert result.chunks_encoded == result.chunks_total == len(progress) == 2
    assert [p.chunks_done for p in progress] == [1, 2]
    assert progress[-1].eta_seconds == 0
    assert_valid_hls(out, result, source_frames=132, frame_rate=25.0)
    assert (out / "poster.jpg").stat().st_size > 1000


def test_rerunning_a_finished_job_encodes_nothing(short_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "hls"
    request = EncodeRequest(source_uri=str(short_clip), output_uri=f"file://{out}")
    first = run_encode_job(request)
    segments = {p: p.stat().st_mtime_ns for p in out.rglob("*.ts")}
    # Job state an earlier version of the encoder left inside the published tree goes away.
    legacy = out / "_job" / "0123456789abcdef0123" / "chunks" / "chunk_00000.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("{}")
    again = run_encode_job(request)
    assert again.chunks_encoded == 0 and again.chunks_total == first.chunks_total == 2
    assert again.job_id == first.job_id
    assert again.renditions == first.renditions
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.ts")} == segments
    assert not (out / "_job").exists()


def test_a_job_interrupted_midway_resumes_where_it_stopped(long_clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "hls"
    request = EncodeRequest(source_uri=str(long_clip), output_uri=f"file://{out}")
    first = run_encode_job(request)
    # The job's state lies beside the published tree, never in it: what is there is for players.
    assert [f for f in tree(out) if not servable(f)] == []
    manifests = sorted((tmp_path / "hls.jobs" / first.job_id / "chunks").iterdir())
    assert len(manifests) == 6
    for lost in manifests[2:4]:  # as if the coordinator died before these chunks finished
        lost.unlink()
    (out / "master.m3u8").unlink()
    again = run_encode_job(request)
    assert (again.chunks_encoded, again.chunks_total) == (2, 6)
    assert_valid_hls(out, again, source_frames=720, frame_rate=30.0)


def test_a_job_keeps_its_state_where_it_is_told(short_clip: Path, tmp_path: Path) -> None:
    out, state = tmp_path / "published", tmp_path / "private" / "state"
    request = EncodeRequest(
        source_uri=str(short_clip), output_uri=f"file://{out}", state_uri=f"file://{state}"
    )
    result = run_encode_job(request)
    assert [f for f in tree(out) if not servable(f)] == []
    assert len(list((state / result.job_id / "chunks").iterdir())) == result.chunks_total
    assert run_encode_job(request).chunks_encoded == 0


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _chunk_workers() -> list[int]:
    """Workers of this test session's Ray running a chunk now (Ray titles them by task)."""
    found = []
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                title = f.read()
        except OSError:
            continue
        if not title.startswith(b"ray::transcode_chunk_task"):
            continue
        ancestor = pid
        while ancestor > 1 and ancestor != os.getpid():
            ancestor = _parent(ancestor)
        if ancestor == os.getpid():  # never another session's Ray on the same machine
            found.append(pid)
    return found


def test_killing_a_chunk_worker_midway_still_gives_a_complete_stream(
    long_clip: Path, tmp_path: Path
) -> None:
    killed: list[int] = []

    def kill_one_worker(update: EncodeProgress) -> None:
        if killed or update.chunks_done >= update.chunks_total - 1:
            return
        # The chunk just handed out may still be starting: give it a moment to begin.
        deadline = time.monotonic() + 5
        while not killed and time.monotonic() < deadline:
            for pid in _chunk_workers()[:1]:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.02)

    result = run_encode_job(
        EncodeRequest(source_uri=str(long_clip), output_uri=f"file://{tmp_path}"),
        on_progress=kill_one_worker,
    )
    assert killed, "no chunk was running when the first one finished"
    assert result.chunks_encoded == result.chunks_total == 6
    assert_valid_hls(tmp_path, result, source_frames=720, frame_rate=30.0)
    assert "master.m3u8" in tree(tmp_path)


def test_a_master_that_disappears_midway_fails_the_job_without_a_playlist(
    tmp_path: Path,
) -> None:
    master = make_clip(tmp_path / "doomed.mp4", seconds=16)
    out = tmp_path / "hls"

    def delete_the_master(update: EncodeProgress) -> None:
        master.unlink(missing_ok=True)

    with pytest.raises(UnplayableMaster) as failed:
        run_encode_job(
            EncodeRequest(source_uri=str(master), output_uri=f"file://{out}", max_workers=1),
            on_progress=delete_the_master,
        )
    assert failed.value.reason == "unreadable"
    assert "master.m3u8" not in tree(out)

"""The encoder on a real multi-node Ray cluster: a head with no CPUs and two worker nodes.

The cluster runs on this machine, each node with its own raylet, as ``ray start`` would start
them on three machines. ``codeflix encode`` joins it through ``CODEFLIX_RAY_ADDRESS`` the way
the deployed encoder worker does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ray.cluster_utils import Cluster

from pipeline.job import EncodeResult
from tests.support.media import assert_valid_hls, make_clip

pytestmark = pytest.mark.integration

CODEFLIX = str(Path(sys.executable).parent / "codeflix")
LONG_CLIP_FRAMES = 24 * 30
LONGER_CLIP_FRAMES = 48 * 30


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Cluster]:
    cluster = Cluster(
        initialize_head=True,
        connect=False,
        head_node_args={"num_cpus": 0, "include_dashboard": False},
    )
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        cluster.shutdown()


@pytest.fixture(scope="module")
def silent_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Video only: every task of its job is a chunk, so two run at once, one per node."""
    return make_clip(tmp_path_factory.mktemp("clips") / "silent.mp4", seconds=24, audio=None)


@pytest.fixture(scope="module")
def longer_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """48 s: twelve chunks, so losing a node after the first leaves most of the job to do."""
    return make_clip(tmp_path_factory.mktemp("clips") / "longer.mp4", seconds=48)


@contextmanager
def encoding(cluster: Cluster, master: Path, out: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``codeflix encode`` on the cluster, never left running or with its pipe open."""
    env = {**os.environ, "CODEFLIX_RAY_ADDRESS": cluster.address}
    process = subprocess.Popen(
        [CODEFLIX, "encode", str(master), "--out", str(out), "--ladder", "180",
         "--result", str(out.parent / f"{out.name}.json")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def finish(process: subprocess.Popen[bytes], out: Path) -> EncodeResult:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output.decode()[-3000:]
    return EncodeResult.model_validate_json((out.parent / f"{out.name}.json").read_text())


def worker_node_ids(cluster: Cluster) -> set[str]:
    return {node.node_id for node in cluster.worker_nodes}


def test_chunks_run_on_both_worker_nodes_and_the_stream_is_valid(
    ray_cluster: Cluster, silent_clip: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    with encoding(ray_cluster, silent_clip, out) as process:
        result = finish(process, out)
    assert result.chunks_encoded == result.chunks_total >= 4
    # The head has no CPUs: every chunk ran on a worker node, and both of them took some.
    assert set(result.chunk_nodes) == worker_node_ids(ray_cluster)
    assert sum(result.chunk_nodes.values()) == result.chunks_total
    assert_valid_hls(out, result, source_frames=LONG_CLIP_FRAMES, frame_rate=30.0)


def test_losing_a_worker_node_mid_job_still_completes_a_valid_stream(
    ray_cluster: Cluster, longer_clip: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hls"
    with encoding(ray_cluster, longer_clip, out) as process:
        deadline = time.monotonic() + 300
        # A chunk's outcome is written (in the job's state, beside the stream) when it
        # finishes: from then on the job is mid-way.
        while not any(tmp_path.rglob("chunk_*.json")) and process.poll() is None:
            assert time.monotonic() < deadline, "no chunk finished in time"
            time.sleep(0.05)
        assert process.poll() is None, "the job ended before a node could be lost"
        lost, survivor = list(ray_cluster.worker_nodes)
        ray_cluster.remove_node(lost, allow_graceful=False)
        result = finish(process, out)
    assert result.chunks_encoded == result.chunks_total
    assert result.chunk_nodes.get(survivor.node_id, 0) >= 1
    assert sum(result.chunk_nodes.values()) == result.chunks_total
    assert_valid_hls(out, result, source_frames=LONGER_CLIP_FRAMES, frame_rate=30.0)

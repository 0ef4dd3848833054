"""hls.js in Chromium starts a title at its first playable moment and plays it to the end while
the encode goes on: growing EVENT playlists, then VOD, without an error. First on the pipeline
alone (hls.js on the files), then through the whole platform (the viewer web app on
``codeflix up``: the catalog's playable title, playback's grant, the media edge)."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from pipeline.job import EncodeRequest, EncodeResult, PlayableStream
from tests.e2e.conftest import Platform
from tests.e2e.web_support import (
    CHROMIUM_ARGS,
    ROOT,
    WEB_DIST,
    chromium_path,
    make_master,
    new_email,
    open_demo_title,
    shot,
    sign_up,
    subscribe,
    wait_playing_past,
)
from tests.support.media import make_clip

pytestmark = pytest.mark.timeout(600)

HLS_JS = ROOT / "web" / "node_modules" / "hls.js" / "dist" / "hls.min.js"
SECONDS = 24
# The web app's players start from a position, never at the live edge of a growing playlist.
PAGE = """<!doctype html><meta charset="utf-8"><video id="v" muted playsinline></video>
<script src="hls.min.js"></script><script>
const report = (window.report = { errors: [], live: [], ended: false });
const video = document.getElementById("v");
const hls = new Hls({ startPosition: 0 });
hls.on(Hls.Events.ERROR, (_e, d) =>
  report.errors.push({ details: d.details, fatal: d.fatal, at: video.currentTime }));
hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => report.live.push(d.details.live));
video.addEventListener("ended", () => { report.ended = true; report.at = video.currentTime; });
hls.loadSource("hls/master.m3u8");
hls.attachMedia(video);
video.play();
</script>"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Static files, never cached: a growing playlist must be read afresh on every reload."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    assert HLS_JS.is_file(), "hls.js is missing: scripts/web.sh build installs it"
    shutil.copy(HLS_JS, tmp_path / "hls.min.js")
    (tmp_path / "index.html").write_text(PAGE)
    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def ray() -> Iterator[None]:
    from actors import cluster

    cluster.connect(num_cpus=2)
    yield
    cluster.shutdown()


def test_hls_js_plays_a_title_to_its_end_from_its_first_playable_moment(
    site: tuple[str, Path], ray: None
) -> None:
    from actors.coordinator import run_encode_job

    url, root = site
    master = make_clip(root / "master.mp4", seconds=SECONDS, size="1280x720")
    playable = threading.Event()
    outcome: dict[str, Any] = {}

    def on_playable(stream: PlayableStream) -> None:
        outcome["segments_at_playable"] = stream.segments
        playable.set()

    def encode() -> None:
        request = EncodeRequest(
            source_uri=str(master), output_uri=f"file://{root / 'hls'}", quality="fixed"
        )
        try:
            outcome["result"] = run_encode_job(request, on_playable=on_playable)
        finally:
            outcome["encoded_at"] = time.monotonic()
            playable.set()

    encoder = threading.Thread(target=encode)
    encoder.start()
    try:
        assert playable.wait(300), "the stream never became playable"
        assert "encoded_at" not in outcome, "the job ended before the stream was playable"
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            page = chromium.new_page()
            page.goto(url + "/index.html")
            started_at = time.monotonic()
            page.wait_for_function("window.report && window.report.ended", timeout=240_000)
            report = page.evaluate("window.report")
            chromium.close()
    finally:
        encoder.join(300)
    result = outcome["result"]
    assert isinstance(result, EncodeResult)
    assert started_at < outcome["encoded_at"], "the player started after the encode ended"
    assert report["live"][0] is True, "the first playlist hls.js read was not a growing one"
    assert report["live"][-1] is False, "the playlists never ended"
    # Nothing fatal. A wait at the edge of what is encoded so far is a stall, not a failure;
    # and every stream, a finished one too, starts its video two frames after its audio,
    # which hls.js steps over at the start.
    assert not [e for e in report["errors"] if e["fatal"]], report
    expected = [
        e
        for e in report["errors"]
        if e["details"] == "bufferStalledError"
        or (e["details"] == "bufferSeekOverHole" and e["at"] < 0.5)
    ]
    assert report["errors"] == expected, report
    assert report["at"] == pytest.approx(SECONDS, abs=0.5)


def test_a_viewer_watches_a_title_in_the_web_app_while_it_encodes(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (WEB_DIST / "index.html").is_file(), "web/dist is missing: scripts/web.sh build"
    monkeypatch.setenv("CODEFLIX_DEMO_TITLE", "true")
    monkeypatch.setenv("CODEFLIX_DEMO_MASTER", str(make_master(tmp_path / "master.mp4", 30)))
    monkeypatch.setenv("CODEFLIX_ENCODER_LOCAL_CPUS", "1")  # an encode slower than playback
    platform.start()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
        sign_up(page, platform.url, new_email(), platform.workdir / "var" / "mail")
        subscribe(page, "premium")
        platform.wait_for("Big Buck Bunny can be watched while it encodes", timeout=300)
        open_demo_title(page)
        expect(page.get_by_test_id("still-encoding")).to_be_visible()
        shot(page, "title-still-encoding")
        page.get_by_role("link", name=re.compile("Play")).click()
        wait_playing_past(page, 3)
        # The timeline is the whole title's, with what is encoded so far said beside it.
        expect(page.get_by_test_id("player-time")).to_contain_text("/ 0:30")
        expect(page.get_by_test_id("player-preparing")).to_contain_text("ready")
        shot(page, "player-while-encoding")
        assert "Big Buck Bunny is ready" not in platform.output(), "the encode ended first"
        page.wait_for_function(
            "() => { const v = document.querySelector('video'); return v && v.currentTime >= 29 }",
            timeout=300_000,
        )
        expect(page.get_by_role("alert")).to_have_count(0)
        chromium.close()
    platform.wait_for("Big Buck Bunny is ready", timeout=300)

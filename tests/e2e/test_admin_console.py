"""The admin console (catalog side) in Debian's Chromium on a real ``codeflix up``.

One platform (no demo title) serves every journey: admins and a viewer are created with
``codeflix users create``, the masters are generated with FFmpeg and uploaded through the
console with tus, and the encoder on Ray turns them into streams.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from tests.e2e.conftest import CODEFLIX, Platform, free_port
from tests.e2e.web_support import (
    CHROMIUM_ARGS,
    PASSWORD,
    WEB_DIST,
    chromium_path,
    new_email,
    shot,
    sign_in_form,
    sign_up,
    subscribe,
    wait_playing_past,
)

pytestmark = pytest.mark.timeout(900)
ADMIN = "ada-admin@example.com"
OTHER_ADMIN = "otto-admin@example.com"
VIEWER = "vic-viewer@example.com"


def make_small_master(path: Path, seconds: int = 6, bitrate: str = "") -> Path:
    """A 720p master with a tone; with ``bitrate`` it is padded to that constant rate, so a
    short clip is still several tus chunks long."""
    lavfi = f"testsrc2=size=1280x720:rate=24:duration={seconds}"
    tone = f"sine=frequency=440:duration={seconds}"
    rate = (
        ["-b:v", bitrate, "-minrate", bitrate, "-maxrate", bitrate, "-bufsize", "1M",
         "-x264-params", "nal-hrd=cbr"]
        if bitrate
        else []
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", lavfi, "-f", "lavfi", "-i", tone,
         "-c:v", "libx264", "-preset", "veryfast", "-g", "48", "-pix_fmt", "yuv420p", *rate,
         "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def create_account(platform: Platform, email: str, *roles: str) -> None:
    role_args = [arg for role in roles for arg in ("--role", role)]
    subprocess.run(
        [CODEFLIX, "users", "create", "--email", email, "--password", PASSWORD, *role_args],
        cwd=platform.workdir,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    assert (WEB_DIST / "index.html").is_file(), "web/dist is missing: `make test` builds it"
    platform = Platform(tmp_path_factory.mktemp("admin"), free_port())
    platform.start()
    create_account(platform, ADMIN, "catalog-admin")
    create_account(platform, OTHER_ADMIN, "catalog-admin")
    create_account(platform, VIEWER)
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context
    context.close()


def sign_in_to_console(page: Page, site: str, email: str, path: str = "/admin") -> None:
    page.goto(site + path)
    sign_in_form(page, email)
    page.wait_for_url(site + path)


def create_video(page: Page, title: str, category: str | None = None) -> str:
    """Create a video through the form; its id (from the address of its page)."""
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Videos").click()
    page.get_by_role("link", name="New video").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("A test pattern with a tone.")
    page.get_by_label("Duration (minutes)").fill("1")
    page.get_by_label("Age rating").select_option("12")
    if category:
        page.get_by_label(category).check()
    page.get_by_role("button", name="Create video").click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    return page.url.rsplit("/", 1)[1]


def show(locator: Locator, block: str = "center") -> None:
    """Scroll a part of the page into the screen, for its screenshot."""
    locator.first.evaluate("(e, block) => e.scrollIntoView({block})", block)


def slot(page: Page, label: str) -> Locator:
    return page.get_by_role("article", name=label)


def server_offset(platform: Platform, video_id: str) -> int:
    """The offset the catalog stored for the video's unfinished upload (0 when none yet)."""
    with sqlite3.connect(platform.workdir / "var" / "catalog.db") as db:
        row = db.execute(
            "SELECT MAX(\"offset\") FROM uploads WHERE key LIKE ? AND status = 'receiving'",
            (f"videos/{video_id}/video/%",),
        ).fetchone()
    return int(row[0] or 0)


def test_a_viewer_is_refused(console: Platform, desktop: BrowserContext) -> None:
    page = desktop.new_page()
    sign_in_to_console(page, console.url, VIEWER)
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("navigation", name="Admin")).to_have_count(0)
    shot(page, "admin-refused")
    page.get_by_role("link", name="Back to the home page").click()
    page.wait_for_url(console.url + "/")


def test_an_admin_publishes_a_video_a_viewer_plays(
    console: Platform, desktop: BrowserContext, browser: Browser, tmp_path: Path
) -> None:
    site = console.url
    master = make_small_master(tmp_path / "lighthouse.mp4")
    page = desktop.new_page()
    sign_in_to_console(page, site, ADMIN)
    nav = page.get_by_role("navigation", name="Admin")
    # Only the catalog's pages for a catalog admin.
    expect(nav.get_by_role("link", name="Categories")).to_be_visible()
    expect(nav.get_by_role("link", name="Plans")).to_have_count(0)

    # A category: an empty name is refused, and the problem shows next to the field.
    nav.get_by_role("link", name="Categories").click()
    page.get_by_role("link", name="New category").click()
    page.get_by_role("button", name="Create category").click()
    name = page.get_by_label("Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error").first).to_contain_text(re.compile("at least 1", re.I))
    shot(page, "admin-category-errors")
    name.fill("Seaside")
    page.get_by_role("button", name="Create category").click()
    expect(page.get_by_role("heading", name="Seaside")).to_be_visible()

    # A genre in that category.
    nav.get_by_role("link", name="Genres").click()
    page.get_by_role("link", name="New genre").click()
    page.get_by_label("Name").fill("Documentary")
    page.get_by_label("Seaside").check()
    page.get_by_role("button", name="Create genre").click()
    expect(page.get_by_role("heading", name="Documentary")).to_be_visible()

    # A video in both; a genre outside the video's categories is refused next to the field.
    video_id = create_video(page, "Lighthouse Keeper", category="Seaside")
    page.get_by_label("Documentary").check()
    page.get_by_label("Seaside").uncheck()
    page.get_by_role("button", name="Save changes").click()
    genres = page.get_by_role("group", name="Genres")
    expect(genres.locator(".field-error")).to_be_visible()
    page.get_by_label("Seaside").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()

    # The master goes up through tus; the encode's progress arrives live, then "Ready".
    # The master and a thumbnail go up at once, each through tus.
    master_slot = slot(page, "Master")
    thumbnail = tmp_path / "lighthouse.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360",
         "-frames:v", "1", str(thumbnail)],
        check=True,
    )  # fmt: skip
    page.locator("#upload-video").set_input_files(master)
    page.locator("#upload-thumbnail").set_input_files(thumbnail)
    expect(slot(page, "Thumbnail").locator("[data-status=ready]")).to_be_visible(timeout=60_000)
    expect(master_slot.get_by_text(re.compile(r"uploaded \("))).to_be_visible(timeout=60_000)
    expect(master_slot).to_contain_text("Checksums on")
    show(master_slot)
    shot(page, "admin-video-upload")
    page.wait_for_function(
        """() => {
          const s = document.querySelector('[data-kind=video] [data-status]');
          const m = s && /Encoding (\\d+)%/.exec(s.textContent);
          return m && Number(m[1]) > 0 && Number(m[1]) < 100;
        }""",
        timeout=300_000,
    )
    show(master_slot)
    shot(page, "admin-video-encoding")
    expect(master_slot.locator("[data-status=ready]")).to_be_visible(timeout=300_000)

    # The videos list shows it ready too.
    nav.get_by_role("link", name="Videos").click()
    row = page.get_by_role("row").filter(has_text="Lighthouse Keeper")
    expect(row.locator("[data-status=ready]")).to_be_visible()
    shot(page, "admin-videos")
    row.get_by_role("link", name="Lighthouse Keeper").click()

    # Preview: plays without a subscription; the renditions, the poster, the sprite sheets.
    page.get_by_role("button", name="Play preview").click()
    wait_playing_past(page, 1.5)
    renditions = page.get_by_role("table", name="Renditions").locator("tbody tr")
    expect(renditions.first).to_be_visible()
    assert renditions.count() >= 2
    expect(renditions.first).to_contain_text("720")
    expect(page.get_by_role("img", name="Poster of Lighthouse Keeper")).to_be_visible()
    expect(page.get_by_role("img", name="Thumbnail sprite sheet 1")).to_be_visible()
    show(page.get_by_role("heading", name="Preview"), "start")
    shot(page, "admin-preview")

    # Publish, then a viewer finds it and plays it.
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Published: viewers can find and play this video.")).to_be_visible()
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()
    assert f"/admin/videos/{video_id}" in page.url

    # Deleting the category the video is in is refused (409), naming what still uses it.
    nav.get_by_role("link", name="Categories").click()
    page.get_by_role("link", name="Seaside").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("button", name="Delete for good").click()
    refusal = page.get_by_role("alert").filter(has_text="still used by")
    expect(refusal).to_contain_text("Lighthouse Keeper")
    expect(refusal).to_contain_text("Documentary")
    shot(page, "admin-delete-refused")

    viewer = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        watcher = viewer.new_page()
        sign_up(watcher, site, new_email(), console.workdir / "var" / "mail")
        subscribe(watcher, "premium")
        watcher.get_by_role("link", name="Search", exact=True).click()
        watcher.get_by_role("combobox", name="Search titles").fill("lighthouse")
        result = watcher.get_by_role("region", name="Results").get_by_role(
            "link", name=re.compile("Lighthouse Keeper")
        )
        expect(result.first).to_be_visible(timeout=30_000)
        result.first.click()
        watcher.get_by_role("link", name=re.compile("Play")).click()
        wait_playing_past(watcher, 2)
    finally:
        viewer.close()


def test_a_reload_mid_upload_resumes_from_the_stored_offset(
    console: Platform, desktop: BrowserContext, tmp_path: Path
) -> None:
    # 4 s at 8 Mbit/s: about 4 MB, so three 2 MiB tus chunks.
    master = make_small_master(tmp_path / "harbour.mp4", seconds=4, bitrate="8M")
    size = master.stat().st_size
    page = desktop.new_page()
    sign_in_to_console(page, console.url, ADMIN)
    video_id = create_video(page, f"Harbour {uuid.uuid4().hex[:6]}")

    # A slow uplink, so the reload comes mid-upload.
    cdp = desktop.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    page.locator("#upload-video").set_input_files(master)
    # Pause holds the upload where it is; Resume carries on from the server's offset.
    master_slot = slot(page, "Master")
    expect(master_slot.locator("[data-upload-status=uploading]")).to_be_visible()
    master_slot.get_by_role("button", name="Pause").click()
    expect(master_slot.locator("[data-upload-status=paused]")).to_contain_text("paused")
    page.wait_for_timeout(500)  # a chunk the server was finishing as we paused lands first
    held = server_offset(console, video_id)
    page.wait_for_timeout(1500)
    assert server_offset(console, video_id) == held
    master_slot.get_by_role("button", name="Resume").click()
    expect(master_slot.get_by_role("button", name="Pause")).to_be_visible()
    # While it runs: how much, how fast, how long still.
    running = re.compile(r"of [\d.]+ MB \(\d+%\) · [\d.]+ [KM]?B/s · .+ left")
    expect(master_slot).to_contain_text(running)
    show(master_slot)
    shot(page, "admin-upload-progress")
    deadline = time.monotonic() + 60
    while (offset := server_offset(console, video_id)) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert 0 < offset < size, (offset, size)

    page.reload()
    sign_in_form(page, ADMIN)
    page.wait_for_url(f"{console.url}/admin/videos/{video_id}")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    interrupted = page.get_by_role("status").filter(has_text="Interrupted uploads")
    expect(interrupted).to_contain_text("harbour.mp4")
    expect(interrupted).to_contain_text("Choose the same file again")
    stored = server_offset(console, video_id)
    assert stored >= offset
    show(interrupted)
    shot(page, "admin-upload-interrupted")

    patch = re.compile(r"/uploads/[0-9a-f-]+$")
    with page.expect_request(lambda r: r.method == "PATCH" and bool(patch.search(r.url))) as sent:
        page.locator("#upload-video").set_input_files(master)
    # The first PATCH after the reload starts where the server's stored offset is.
    assert int(sent.value.headers["upload-offset"]) == stored
    expect(master_slot).to_contain_text("resumed at")
    expect(master_slot.locator("[data-upload-status=done]")).to_be_visible(timeout=60_000)
    expect(master_slot.locator("[data-status=processing], [data-status=ready]")).to_be_visible()
    with sqlite3.connect(console.workdir / "var" / "catalog.db") as db:
        statuses = db.execute(
            "SELECT status FROM uploads WHERE key LIKE ?", (f"videos/{video_id}/video/%",)
        ).fetchall()
    assert statuses == [("completed",)]  # one upload, paused, reloaded and resumed


def test_two_admins_editing_one_video_get_the_412_flow(
    console: Platform, browser: Browser, tmp_path: Path
) -> None:
    site = console.url
    first = browser.new_context(viewport={"width": 1440, "height": 900})
    second = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        ada = first.new_page()
        sign_in_to_console(ada, site, ADMIN)
        title = f"Tidal Pool {uuid.uuid4().hex[:6]}"
        video_id = create_video(ada, title)
        otto = second.new_page()
        sign_in_to_console(otto, site, OTHER_ADMIN, f"/admin/videos/{video_id}")
        expect(otto.get_by_label("Title")).to_have_value(title)

        # Ada renames it; Otto, still on the old version, changes the description.
        ada.get_by_label("Title").fill(f"{title} (restored)")
        ada.get_by_role("button", name="Save changes").click()
        expect(ada.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        otto.get_by_label("Description").fill("Filmed at low tide.")
        otto.get_by_role("button", name="Save changes").click()
        conflict = otto.get_by_role("alert").filter(has_text="Someone else changed this video")
        expect(conflict).to_be_visible()
        rows = conflict.get_by_role("row")
        expect(rows.filter(has_text="Title")).to_contain_text(f"{title} (restored)")
        expect(rows.filter(has_text="Description")).to_contain_text("Filmed at low tide.")
        otto.evaluate("window.scrollTo(0, 0)")
        shot(otto, "admin-conflict")
        conflict.get_by_role("button", name="Reapply my changes").click()
        expect(conflict).to_be_hidden()
        expect(otto.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        expect(otto.get_by_label("Title")).to_have_value(f"{title} (restored)")
        expect(otto.get_by_label("Description")).to_have_value("Filmed at low tide.")

        # A file that is not a video is refused, with the reason the server gave.
        junk = tmp_path / "notes.mp4"
        junk.write_bytes(b"these are meeting notes, not a film\n" * 200)
        otto.locator("#upload-video").set_input_files(junk)
        refused = slot(otto, "Master").get_by_role("alert").filter(has_text="refused")
        expect(refused).to_contain_text("not_media")

    finally:
        first.close()
        second.close()


def test_the_console_fits_a_phone(console: Platform, browser: Browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        sign_in_to_console(page, console.url, ADMIN, "/admin/videos")
        expect(page.get_by_role("heading", name="Videos")).to_be_visible()
        expect(page.get_by_role("row").nth(1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        shot(page, "admin-phone-videos")
    finally:
        context.close()

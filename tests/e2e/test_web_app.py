"""The viewer web app in a real browser (Debian's Chromium) on a real ``codeflix up``.

One platform with the demo title serves every journey; each journey is a new viewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.conftest import Platform, free_port
from tests.e2e.web_support import (
    CHROMIUM_ARGS,
    WEB_DIST,
    checkout,
    chromium_path,
    confirm_address,
    current_time,
    make_master,
    make_subtitles,
    new_email,
    open_demo_title,
    search_demo_title,
    shot,
    sign_in_form,
    sign_up,
    subscribe,
    wait_playing_past,
)

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def web_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """`codeflix up` whose demo title is a 20 s 1080p master (a full ladder to choose from)
    with English subtitles (an SRT uploaded before the master, so its encode packages them)."""
    assert (WEB_DIST / "index.html").is_file(), "web/dist is missing: `make test` builds it"
    workdir = tmp_path_factory.mktemp("web")
    master = make_master(workdir / "master.mp4")
    subtitles = make_subtitles(workdir / "english.srt")
    platform = Platform(workdir, free_port())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CODEFLIX_DEMO_TITLE", "true")
        env.setenv("CODEFLIX_DEMO_MASTER", str(master))
        env.setenv("CODEFLIX_DEMO_SUBTITLES", str(subtitles))
        platform.start()
    platform.wait_for("Big Buck Bunny is ready", timeout=600)
    yield platform
    platform.stop()


@pytest.fixture(scope="module")
def site(web_platform: Platform) -> str:
    return web_platform.url


@pytest.fixture(scope="module")
def mailbox(web_platform: Platform) -> Path:
    """Where the platform's own SMTP server keeps what it received."""
    return web_platform.workdir / "var" / "mail"


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


def test_sign_up_subscribe_and_watch(site: str, mailbox: Path, desktop: BrowserContext) -> None:
    page = desktop.new_page()
    email = new_email()
    sign_up(page, site, email)
    # Paying before the address is confirmed: the app says so; the viewer opens the mailed
    # link in another tab, comes back and pays with fresh tokens.
    checkout(page, "premium", "4242 4242 4242 4242", screenshot="checkout")
    expect(page.get_by_test_id("confirm-address")).to_be_visible()
    shot(page, "checkout-confirm-address")
    confirm_address(page, mailbox, email)
    page.get_by_role("button", name="I have confirmed it").click()
    expect(page.get_by_test_id("subscription-status")).to_have_text("active", timeout=20_000)
    search_demo_title(page)  # "buny": a typo still finds the title
    shot(page, "title")
    page.get_by_role("link", name=re.compile("Play")).click()
    wait_playing_past(page, 5)

    # Switching quality keeps playing, and the chosen rung's playlist is the one loaded.
    quality = page.get_by_label("Quality")
    labels = quality.locator("option").all_inner_texts()
    assert labels[0].startswith("Auto") and len(labels) >= 3, labels
    lowest = labels[-1]
    with page.expect_request(re.compile(r"/video/[^/]+/index\.m3u8")):
        quality.select_option(label=lowest)
    before = current_time(page)
    wait_playing_past(page, before + 2)

    # Hovering the timeline shows a seek-preview tile from the sprite sheet.
    bar = page.locator(".seekbar")
    box = bar.bounding_box()
    assert box is not None
    with page.expect_response(re.compile(r"/thumbnails/sprite_\d+\.jpg")) as sprite:
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
        expect(page.get_by_test_id("seek-preview-image")).to_be_visible()
    assert sprite.value.status == 200
    shot(page, "player")

    # Pause (the position is saved), reload: after signing in again it resumes there.
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('video').paused")
    left_at = current_time(page)
    page.wait_for_timeout(1000)
    page.reload()
    sign_in_form(page, email)
    page.wait_for_url(re.compile(r"/watch/"))
    page.wait_for_function(
        "t => { const v = document.querySelector('video'); return v && v.currentTime >= t }",
        arg=max(0.0, left_at - 3),
        timeout=60_000,
    )
    assert abs(current_time(page) - left_at) < 6

    # Home: "Continue watching" comes first, with the title started above.
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('video').paused")
    page.get_by_role("link", name="Back to the title").click()
    page.get_by_role("link", name="Home", exact=True).click()
    rows = page.locator("section.row h2")
    expect(rows.first).to_have_text("Continue watching")
    expect(page.get_by_role("heading", name="New on Codeflix")).to_be_visible()
    page.locator("img[alt='Poster of Big Buck Bunny']").first.wait_for()
    # Every row has loaded (no skeleton left) before the picture is taken.
    expect(page.locator("section.row[aria-busy='true']")).to_have_count(0, timeout=30_000)
    new_row = page.get_by_role("region", name="New on Codeflix")
    expect(new_row.locator("img[alt='Poster of Big Buck Bunny']")).to_be_visible()
    shot(page, "home")


def test_a_basic_plan_never_loads_1080p(site: str, mailbox: Path, desktop: BrowserContext) -> None:
    page = desktop.new_page()
    playlists: list[str] = []
    page.on("request", lambda r: playlists.append(r.url) if ".m3u8" in r.url else None)
    sign_up(page, site, new_email(), mailbox)
    subscribe(page, "basic")
    open_demo_title(page)
    page.get_by_role("link", name=re.compile("Play")).click()
    wait_playing_past(page, 3)
    labels = page.get_by_label("Quality").locator("option").all_inner_texts()
    assert labels and not any("1080" in label for label in labels), labels
    assert any("720p" in label for label in labels), labels
    media = [url for url in playlists if "/video/" in url]
    assert media, playlists
    assert not any("1080" in url for url in playlists), playlists

    # The account page shows the plan, its status, the renewal and the payment.
    page.get_by_role("link", name="Back to the title").click()
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_test_id("account-status")).to_have_text("active")
    expect(page.get_by_role("table")).to_contain_text("4242")
    shot(page, "account")


ACTIVE_CUE = """() => {
  const v = document.querySelector('video');
  for (const track of v.textTracks) {
    if (track.mode === 'showing' && track.activeCues && track.activeCues.length) {
      const cue = track.activeCues[0];
      return {text: cue.text, start: cue.startTime, end: cue.endTime, now: v.currentTime,
              language: track.language, label: track.label};
    }
  }
  return null;
}"""


def shown_cue(page: Page) -> dict:
    page.wait_for_function(f"({ACTIVE_CUE})() !== null", timeout=30_000)
    cue = page.evaluate(f"({ACTIVE_CUE})()")
    assert cue is not None
    return dict(cue)


def test_captions_are_listed_shown_and_remembered(
    site: str, mailbox: Path, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    sign_up(page, site, new_email(), mailbox)
    subscribe(page, "premium")
    open_demo_title(page)
    page.get_by_role("link", name=re.compile("Play")).click()
    wait_playing_past(page, 1)
    captions = page.get_by_label("Captions")
    expect(captions.locator("option")).to_have_text(["Off", "English"])
    captions.select_option(label="English")
    cue = shown_cue(page)
    assert cue["language"] == "en" and cue["label"] == "English"
    # Each cue says when it starts: hls.js placed it there, so X-TIMESTAMP-MAP lines up.
    found = re.fullmatch(r"Caption (\d+) at (\d+) s", cue["text"])
    assert found is not None, cue
    assert abs(cue["start"] - int(found.group(2))) < 0.5, cue
    assert cue["start"] <= cue["now"] <= cue["end"] + 0.5, cue
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('video').paused")
    shot(page, "player-captions")

    # The choice is remembered: the next time the player opens, English is on by itself.
    page.get_by_role("link", name="Back to the title").click()
    page.get_by_role("link", name=re.compile("Play|Resume")).click()
    expect(page.get_by_label("Captions")).to_have_value("0", timeout=30_000)
    assert re.fullmatch(r"Caption \d+ at \d+ s", shown_cue(page)["text"])
    # Off is remembered as well.
    page.get_by_label("Captions").select_option(label="Off")
    page.get_by_role("link", name="Back to the title").click()
    page.get_by_role("link", name=re.compile("Play|Resume")).click()
    wait_playing_past(page, current_time(page) + 1)
    expect(page.get_by_label("Captions")).to_have_value("-1")
    assert page.evaluate(f"({ACTIVE_CUE})()") is None


def test_a_declined_card_shows_its_reason(
    site: str, mailbox: Path, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    sign_up(page, site, new_email(), mailbox)
    checkout(page, "premium", "4000 0000 0000 0002")
    declined = page.get_by_test_id("payment-declined")
    expect(declined).to_be_visible()
    expect(declined).to_contain_text(re.compile("declined", re.IGNORECASE))
    shot(page, "checkout-declined")
    expect(page.get_by_role("button", name=re.compile(r"^Pay"))).to_be_enabled()

    # Signing out ends the session at the issuer and comes back to the landing page.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site}/**")
    expect(page.get_by_role("button", name="Sign up")).to_be_visible()


def test_a_phone_sized_screen_works(site: str, mailbox: Path, browser: Browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    try:
        page: Page = context.new_page()
        sign_up(page, site, new_email(), mailbox)
        subscribe(page, "basic")
        page.get_by_role("link", name="Home", exact=True).click()
        page.get_by_role("link", name="Big Buck Bunny").first.wait_for()
        shot(page, "phone-home")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        open_demo_title(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        shot(page, "phone-title")
        # The network drops as playback starts: a message, retries, then it plays.
        page.route("**/media/**", lambda route: route.abort("internetdisconnected"))
        page.get_by_role("link", name=re.compile("Play")).click()
        dropped = page.get_by_role("alert").filter(has_text="connection dropped")
        expect(dropped).to_be_visible(timeout=30_000)
        shot(page, "phone-network-drop")
        page.unroute("**/media/**")
        wait_playing_past(page, 2)
        expect(dropped).to_be_hidden()
        shot(page, "phone-player")
    finally:
        context.close()

"""Drive the viewer web app in Debian's Chromium against a real ``codeflix up``."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
SCREENSHOTS = ROOT / "web" / "screenshots"
PASSWORD = "Popcorn and 4 films!"
DEMO_TITLE = "Big Buck Bunny"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise AssertionError("Chromium is missing: scripts/services.sh installs it")
    return path


def make_master(path: Path, seconds: int = 20) -> Path:
    """A 1080p master with a tone: long enough to switch rungs and resume, cheap to encode."""
    lavfi = f"testsrc2=size=1920x1080:rate=24:duration={seconds}"
    tone = f"sine=frequency=440:duration={seconds}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", lavfi, "-f", "lavfi", "-i", tone,
         "-c:v", "libx264", "-preset", "veryfast", "-g", "48", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def make_subtitles(path: Path, seconds: int = 20) -> Path:
    """English subtitles as SRT, one cue every 2 s that says when it starts."""
    cues = []
    for number, start in enumerate(range(0, seconds, 2), start=1):
        cues.append(
            f"{number}\n00:00:{start:02d},000 --> 00:00:{start + 2:02d},000\n"
            f"Caption {number} at {start} s\n"
        )
    path.write_text("\n".join(cues), encoding="utf-8")
    return path


def new_email() -> str:
    return f"viewer-{uuid.uuid4().hex[:10]}@example.com"


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Transitions finish first: a progress bar caught mid-slide drew 12 % beside "50 %".
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")


def sign_up(page: Page, base: str, email: str, mailbox: Path | None = None) -> None:
    """Landing → Sign up on the identity pages → sign in → back in the app on the plans.

    With ``mailbox`` the address is confirmed from the mailed link before signing in, so the
    first tokens already say so (and the viewer may subscribe)."""
    page.goto(base + "/")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/realms/codeflix/"))
    page.fill("#name", "Vera Viewer")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    if mailbox is not None:
        confirm_address(page, mailbox, email)
    sign_in_form(page, email)
    page.wait_for_url(f"{base}/plans")


def confirmation_link(mailbox: Path, email: str, timeout: float = 60) -> str:
    """The confirmation link the platform mailed to ``email`` (read from its mail folder)."""
    from codeflix.mail.store import MailStore

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in MailStore(mailbox).list():
            if email in mail.to:
                found = re.search(r"http\S+/login-actions/verify-email\?token=[\w.-]+", mail.body())
                if found:
                    return found.group(0)
        time.sleep(0.5)
    raise AssertionError(f"no confirmation mail for {email} in {mailbox}")


def confirm_address(page: Page, mailbox: Path, email: str) -> None:
    """Open the mailed link in another tab of the same browser, as a viewer would."""
    tab = page.context.new_page()
    try:
        tab.goto(confirmation_link(mailbox, email))
        expect(tab.get_by_text(f"{email} is confirmed")).to_be_visible()
    finally:
        tab.close()


def sign_in_form(page: Page, email: str) -> None:
    page.wait_for_selector("#username")
    page.fill("#username", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def checkout(page: Page, plan: str, card: str, screenshot: str | None = None) -> None:
    page.get_by_role("link", name=f"Choose {plan}").click()
    page.fill("#card-number", card)
    page.fill("#card-expiry", "12/34")
    page.fill("#card-cvc", "123")
    if screenshot:
        shot(page, screenshot)
    page.get_by_role("button", name=re.compile(r"^Pay")).click()


def subscribe(page: Page, plan: str, screenshot: str | None = None) -> None:
    checkout(page, plan, "4242 4242 4242 4242", screenshot)
    expect(page.get_by_test_id("subscription-status")).to_have_text("active", timeout=20_000)


def open_demo_title(page: Page) -> None:
    page.get_by_role("link", name="Home", exact=True).click()
    page.get_by_role("link", name=DEMO_TITLE).first.click()
    expect(page.get_by_role("heading", name=DEMO_TITLE)).to_be_visible()


def search_demo_title(page: Page, typed: str = "buny") -> None:
    """Find the demo title through search, with a typo, and open its page from the results."""
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_role("combobox", name="Search titles").fill(typed)
    suggestion = page.get_by_role("option").filter(has_text=DEMO_TITLE).first
    expect(suggestion).to_be_visible()
    expect(suggestion.locator("mark")).to_have_text(re.compile("Bunny", re.IGNORECASE))
    result = page.get_by_role("region", name="Results").get_by_role(
        "link", name=re.compile(DEMO_TITLE)
    )
    expect(result.first).to_be_visible()
    shot(page, "search")
    result.first.click()
    expect(page.get_by_role("heading", name=DEMO_TITLE)).to_be_visible()


def current_time(page: Page) -> float:
    # Right after a click on Play the player page may not have mounted its <video> yet.
    page.locator("video").wait_for(state="attached")
    return float(page.evaluate("document.querySelector('video').currentTime"))


def wait_playing_past(page: Page, seconds: float, timeout: float = 60_000) -> None:
    page.wait_for_function(
        "t => { const v = document.querySelector('video');"
        " return v && !v.paused && v.currentTime >= t }",
        arg=seconds,
        timeout=timeout,
    )

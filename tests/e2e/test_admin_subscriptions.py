"""The admin console's subscription pages and dashboard, in Debian's Chromium, on a real
``codeflix up``.

One platform (no demo title: nothing here needs an encode) serves the whole module: a viewer
subscribes, a subscription admin finds them by email and refunds their payment through the
confirmation step, both histories show the refund; the admin creates and retires a plan; the
dashboard shows the counts the APIs report, each admin the cards of their roles.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

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
)

pytestmark = pytest.mark.timeout(600)

SUBSCRIPTION_ADMIN = "billing@example.com"
ADMIN = "boss@example.com"
CATALOG_ADMIN = "catalog@example.com"
BASIC_PRICE = re.compile(r"R\$\s?19\.90")


@pytest.fixture(scope="module")
def admin_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    assert (WEB_DIST / "index.html").is_file(), "web/dist is missing: `make test` builds it"
    platform = Platform(tmp_path_factory.mktemp("admin"), free_port())
    platform.start()
    create_account(platform, SUBSCRIPTION_ADMIN, "subscription-admin")
    create_account(platform, ADMIN, "admin")
    create_account(platform, CATALOG_ADMIN, "catalog-admin")
    yield platform
    code, out = platform.stop()
    assert code == 0, out[-3000:]


def create_account(platform: Platform, email: str, role: str) -> None:
    created = subprocess.run(
        [CODEFLIX, "users", "create", "--email", email, "--password", PASSWORD, "--role", role,
         "--name", role.replace("-", " ").title()],
        cwd=platform.workdir, env=dict(os.environ), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr


def api_token(platform: Platform, email: str) -> dict[str, str]:
    answer = httpx.post(
        f"{platform.url}/realms/codeflix/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "codeflix-cli",
            "username": email,
            "password": PASSWORD,
        },
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def viewer(admin_platform: Platform, browser: Browser) -> Iterator[tuple[str, Page]]:
    """A viewer on the basic plan, paid with 4242…: their email and their signed-in page."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    email = new_email()
    sign_up(page, admin_platform.url, email, admin_platform.workdir / "var" / "mail")
    subscribe(page, "basic")
    yield email, page
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context
    context.close()


def open_console(page: Page, site: str, path: str, email: str) -> None:
    """Open a console page: the sign-in comes first, then the page itself."""
    page.goto(f"{site}{path}")
    sign_in_form(page, email)
    page.wait_for_url(f"{site}{path}")
    expect(page.get_by_role("navigation", name="Admin")).to_be_visible()


def find_subscriber(page: Page, email: str, screenshot: str) -> None:
    """Subscribers → part of the address → the subscription's page."""
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Subscribers").click()
    page.get_by_label("Email contains").fill(email.split("@")[0][-6:].upper())
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("subscriber-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("basic")
    shot(page, screenshot)
    rows.first.get_by_role("link", name=email).click()
    expect(page.get_by_role("heading", name=email)).to_be_visible()


def test_a_subscription_admin_refunds_a_payment(
    admin_platform: Platform, viewer: tuple[str, Page], desktop: BrowserContext
) -> None:
    email, viewer_page = viewer
    page = desktop.new_page()
    open_console(page, admin_platform.url, "/admin/subscribers", SUBSCRIPTION_ADMIN)
    # A subscription admin is offered the subscription pages, not the catalog's.
    nav = page.get_by_role("navigation", name="Admin")
    expect(nav.get_by_role("link", name="Plans")).to_be_visible()
    expect(nav.get_by_role("link", name="Videos")).to_have_count(0)
    find_subscriber(page, email, "admin-subscribers")
    expect(page.get_by_test_id("admin-subscription-status")).to_contain_text("active")

    payment = page.get_by_test_id("payment-row")
    expect(payment).to_have_count(1)
    expect(payment).to_contain_text("succeeded")
    payment.get_by_role("button", name=re.compile("^Refund the payment")).click()
    step = page.get_by_role("alertdialog")
    expect(step.get_by_test_id("refund-summary")).to_contain_text(BASIC_PRICE)
    expect(step.get_by_label("Amount to refund")).to_have_value("19.90")
    step.get_by_label(re.compile("^Reason")).fill("the stream was down all weekend")
    step.evaluate("step => step.scrollIntoView({ block: 'center' })")
    shot(page, "admin-refund-confirm")
    step.get_by_role("button", name=re.compile(r"^Refund R\$\s?19\.90$")).click()
    expect(page.get_by_role("status").filter(has_text="Refunded")).to_contain_text(BASIC_PRICE)
    expect(payment).to_contain_text(re.compile(r"refunded \(R\$\s?19\.90\)"))
    expect(payment.get_by_role("button", name=re.compile("^Refund"))).to_have_count(0)
    shot(page, "admin-subscription")

    # The viewer's own history says the same.
    viewer_page.get_by_role("link", name="Account").click()
    history = viewer_page.get_by_role("table")
    expect(history).to_contain_text(re.compile(r"refunded \(R\$\s?19\.90\)"))


def test_a_subscription_admin_creates_and_retires_a_plan(
    admin_platform: Platform, desktop: BrowserContext
) -> None:
    name = f"family-{uuid.uuid4().hex[:6]}"
    page = desktop.new_page()
    open_console(page, admin_platform.url, "/admin/plans", SUBSCRIPTION_ADMIN)
    page.get_by_role("button", name="New plan").click()
    form = page.get_by_role("form", name="New plan")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Price").fill("59.90")
    form.get_by_label("Free trial (days)").fill("400")
    form.get_by_role("button", name="Create plan").click()
    # The API refuses a trial over a year; its reason sits under the field.
    trial = form.get_by_label("Free trial (days)")
    expect(trial).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#new-plan-trial-days-error")).to_contain_text("365")
    shot(page, "admin-plan-form")
    trial.fill("7")
    form.get_by_label(re.compile("^Highest quality")).fill("1080")
    form.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("status").filter(has_text=f"Created {name}.")).to_be_visible()
    row = page.get_by_test_id("plan-row").filter(has_text=name)
    expect(row).to_contain_text(re.compile(r"R\$\s?59\.90 / monthly"))
    expect(row).to_contain_text("up to 1080p")
    expect(row).to_contain_text("active")
    public = httpx.get(f"{admin_platform.url}/api/v1/plans").json()["items"]
    assert name in [p["name"] for p in public]

    row.get_by_role("button", name=f"Retire {name}").click()
    step = page.get_by_role("alertdialog", name=f"Retire {name}?")
    expect(step).to_contain_text("Its subscribers keep it")
    shot(page, "admin-plans-retire")
    step.get_by_role("button", name=f"Yes, retire {name}").click()
    expect(row).to_contain_text("retired")
    expect(row.get_by_role("button", name=f"Retire {name}")).to_have_count(0)
    shot(page, "admin-plans")
    public = httpx.get(f"{admin_platform.url}/api/v1/plans").json()["items"]
    assert name not in [p["name"] for p in public]


def card_count(page: Page, card: str, label: str) -> str:
    row = (
        page.get_by_test_id(card)
        .locator(".counts__row")
        .filter(has=page.locator("dt", has_text=re.compile(f"^{label}$", re.IGNORECASE)))
    )
    return row.locator("dd").inner_text()


def test_the_dashboard_shows_the_counts(
    admin_platform: Platform, viewer: tuple[str, Page], browser: Browser, desktop: BrowserContext
) -> None:
    site = admin_platform.url
    headers = api_token(admin_platform, ADMIN)
    created = httpx.post(
        f"{site}/api/v1/admin/videos",
        headers=headers,
        json={"title": "Dashboard Days", "launch_year": 2026, "duration": 90, "rating": "L"},
    )
    assert created.status_code == 201, created.text
    catalog = httpx.get(f"{site}/api/v1/admin/catalog/stats", headers=headers).json()
    subscriptions = httpx.get(f"{site}/api/v1/admin/subscriptions/stats", headers=headers).json()
    basic = next(p for p in subscriptions["active_by_plan"] if p["name"] == "basic")
    assert basic["active"] == 1  # the viewer of this module

    # An admin sees every card, with the numbers the APIs report.
    page = desktop.new_page()
    open_console(page, site, "/admin", ADMIN)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for status, count in catalog["videos_by_media_status"].items():
        expect(page.get_by_test_id("card-titles-by-media-status")).to_contain_text(status)
        assert card_count(page, "card-titles-by-media-status", status) == str(count)
    assert sum(catalog["videos_by_media_status"].values()) >= 1
    assert card_count(page, "card-encodes", "waiting") == str(catalog["encodes"]["waiting"])
    assert card_count(page, "card-active-subscribers-by-plan", "basic") == "1"
    assert card_count(page, "card-subscribers-by-status", "active") == str(
        subscriptions["subscribers"]["active"]
    )
    failed = page.get_by_test_id("card-failed-encodes-in-the-last-24-h")
    if not catalog["failed_last_24h"]:
        expect(failed).to_contain_text("No failed encodes in the last 24 h.")
    ray = page.get_by_test_id("card-ray-workers")
    if catalog["encoder"] is None:
        expect(ray).to_contain_text("The encoder has not reported yet.")
    elif catalog["encoder"]["nodes"] == 0:  # the local Ray starts with the first upload
        expect(ray).to_contain_text("No Ray nodes are up")
    else:
        assert card_count(page, "card-ray-workers", "nodes") == str(catalog["encoder"]["nodes"])
    shot(page, "admin-dashboard")

    # A subscription admin, on a phone, sees the subscription cards only.
    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    try:
        small = phone.new_page()
        open_console(small, site, "/admin", SUBSCRIPTION_ADMIN)
        expect(small.get_by_test_id("card-active-subscribers-by-plan")).to_contain_text("basic")
        expect(small.get_by_test_id("card-titles-by-media-status")).to_have_count(0)
        expect(small.get_by_test_id("card-ray-workers")).to_have_count(0)
        shot(small, "admin-phone-dashboard")
        assert small.evaluate("document.documentElement.scrollWidth") <= 375
        find_subscriber(small, viewer[0], "admin-phone-subscribers")
        expect(small.get_by_test_id("payment-row")).to_have_count(1)
        shot(small, "admin-phone-subscription")
        assert small.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        phone.close()


def test_careless_addresses_in_the_console_say_what_is_wrong(
    admin_platform: Platform, desktop: BrowserContext
) -> None:
    site = admin_platform.url
    page = desktop.new_page()
    unknown = uuid.uuid4()
    open_console(page, site, f"/admin/subscribers/{unknown}", SUBSCRIPTION_ADMIN)
    expect(page.get_by_role("alert")).to_contain_text(f"there is no subscription {unknown}")
    page.goto(f"{site}/admin/subscribers/not-an-id")
    sign_in_form(page, SUBSCRIPTION_ADMIN)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert")).not_to_contain_text("Something went wrong")


def test_a_catalog_admin_is_kept_out_of_subscriptions(
    admin_platform: Platform, desktop: BrowserContext
) -> None:
    site = admin_platform.url
    page = desktop.new_page()
    open_console(page, site, "/admin/subscribers", CATALOG_ADMIN)
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    nav = page.get_by_role("navigation", name="Admin")
    expect(nav.get_by_role("link", name="Subscribers")).to_have_count(0)
    expect(nav.get_by_role("link", name="Plans")).to_have_count(0)
    # The page only follows the API, which refuses the role itself.
    refused = httpx.get(
        f"{site}/api/v1/admin/subscriptions", headers=api_token(admin_platform, CATALOG_ADMIN)
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Its dashboard has the catalog's cards and none of the subscriptions'.
    nav.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("card-titles-by-media-status")).to_be_visible()
    expect(page.get_by_test_id("card-active-subscribers-by-plan")).to_have_count(0)

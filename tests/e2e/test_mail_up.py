"""Mail on `codeflix up`: its own SMTP server receives it and `codeflix mail` reads it."""

from __future__ import annotations

import re
import subprocess
import time

import httpx

from tests.e2e.conftest import CODEFLIX, Platform

PASSWORD = "Projector lamp 2049"


def mail_command(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CODEFLIX, "mail", *args],
        cwd=platform.workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sign_up_mail_arrives_and_its_link_confirms_the_address(platform: Platform) -> None:
    platform.start()
    signed_up = httpx.post(
        f"{platform.url}/api/v1/accounts",
        json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"},
    )
    assert signed_up.status_code == 201, signed_up.text

    listing = None
    for _ in range(100):
        listing = mail_command(platform, "list")
        if "ada@example.com" in listing.stdout:
            break
        time.sleep(0.1)
    assert listing is not None and listing.returncode == 0, listing.stderr
    [line] = [line for line in listing.stdout.splitlines() if "ada@example.com" in line]
    assert "Confirm your email address" in line
    mail_id = line.split()[0]
    assert list((platform.workdir / "var" / "mail").glob(f"{mail_id}*.eml"))

    shown = mail_command(platform, "show", mail_id)
    assert shown.returncode == 0, shown.stderr
    assert "To: ada@example.com" in shown.stdout
    link = re.search(r"http://\S+/login-actions/verify-email\?token=\S+", shown.stdout)
    assert link is not None and link.group(0).startswith(platform.url)
    page = httpx.get(link.group(0))
    assert page.status_code == 200 and "ada@example.com is confirmed" in page.text

    code, out = platform.stop()
    assert code == 0, out
    assert "codeflix mail list" in out

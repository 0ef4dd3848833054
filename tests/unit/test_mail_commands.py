"""``codeflix mail list|show`` read the local mail store the way a developer would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from codeflix.mail import MailDelivery, MailStore, OutgoingMail
from entrypoints.cli import app


def store_mail(store: MailStore, mail_id: str, to: str, subject: str, day: int) -> str:
    delivery = MailDelivery(
        message_id=f"<{mail_id}@codeflix.test>",
        sender="Codeflix <no-reply@codeflix.test>",
        mail=OutgoingMail(to=to, subject=subject, text=f"Text for {to}", html="<p>[html]</p>"),
        created_at=datetime(2026, 1, day, 12, tzinfo=UTC),
    )
    return store.save(delivery.to_message().as_bytes())


def test_list_and_show_read_what_the_server_kept(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    later = store_mail(store, "b", "bob@example.com", "Your payment failed", day=2)
    first = store_mail(store, "a", "ada@example.com", "Confirm your email address", day=1)
    assert store_mail(store, "a", "ada@example.com", "Confirm your email address", day=1) == first
    runner = CliRunner()

    listing = runner.invoke(app, ["mail", "list", "--data-dir", str(tmp_path)])
    assert listing.exit_code == 0, listing.output
    lines = [line for line in listing.output.splitlines() if "@example.com" in line]
    assert len(lines) == 2
    assert "ada@example.com" in lines[0] and "Confirm your email address" in lines[0]
    assert first[:12] in lines[0] and later[:12] in lines[1]

    only_bob = runner.invoke(app, ["mail", "list", "--data-dir", str(tmp_path), "--to", "BOB@"])
    assert "bob@example.com" in only_bob.output and "ada@" not in only_bob.output

    shown = runner.invoke(app, ["mail", "show", first[:8], "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "Subject: Confirm your email address" in shown.output
    assert "Text for ada@example.com" in shown.output
    html = runner.invoke(app, ["mail", "show", first, "--html", "--data-dir", str(tmp_path)])
    assert "<p>[html]</p>" in html.output


def test_show_refuses_unknown_ambiguous_and_hostile_ids(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    store_mail(store, "a", "ada@example.com", "One", day=1)
    (tmp_path / "secret.eml").write_text("Subject: not in the mail folder\n\nsecret")
    runner = CliRunner()
    for mail_id in ("ffffffffff", "", "../secret", "*", "a/../../secret"):
        result = runner.invoke(app, ["mail", "show", mail_id, "--data-dir", str(tmp_path)])
        assert result.exit_code == 1, (mail_id, result.output)
        assert "secret" not in result.output.replace(mail_id, "")


def test_list_without_mail(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["mail", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and "No mail." in result.output

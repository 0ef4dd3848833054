"""The identity service's messages: rendered from ``mail_templates/`` into the mail outbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.config import REALM, IdentitySettings
from codeflix.mail import MailTemplates, queue_mail

TEMPLATES = MailTemplates(Path(__file__).with_name("mail_templates"))
LOGIN_ACTIONS = f"/realms/{REALM}/login-actions"


def action_url(settings: IdentitySettings, action: str, **query: str) -> str:
    """An address of the identity pages as the person reaching the platform sees it."""
    base = settings.issuer.removesuffix(f"/realms/{REALM}")
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{base}{LOGIN_ACTIONS}/{action}{suffix}"


async def send_mail(
    session: AsyncSession,
    *,
    settings: IdentitySettings,
    template: str,
    to: str,
    subject: str,
    now: datetime,
    **context: Any,
) -> None:
    """Queue a message in the session's transaction; it goes out once that commits."""
    mail = TEMPLATES.render(
        template, to=to, subject=subject, public_url=settings.public_url, **context
    )
    await queue_mail(session, mail, now=now)

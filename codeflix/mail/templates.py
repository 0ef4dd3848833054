"""Messages from templates: ``<name>.txt`` for the plain text, ``<name>.html`` for HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from codeflix.mail.port import OutgoingMail


class MailTemplates:
    """Renders both parts of a message; HTML is escaped, a missing variable is an error."""

    def __init__(self, directory: Path) -> None:
        loader = FileSystemLoader(str(directory))
        self._html = Environment(
            loader=loader, autoescape=select_autoescape(["html"]), undefined=StrictUndefined
        )
        self._text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)

    def render(self, template: str, /, *, to: str, subject: str, **context: Any) -> OutgoingMail:
        context = {"subject": subject, **context}
        return OutgoingMail(
            to=to,
            subject=subject,
            text=self._text.get_template(f"{template}.txt").render(context),
            html=self._html.get_template(f"{template}.html").render(context),
        )

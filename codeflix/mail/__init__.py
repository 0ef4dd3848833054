"""Email: a ``Mailer`` port, its SMTP adapter, a mail outbox and the local mail store.

A service renders a message from its templates, queues it with :func:`queue_mail` in the
transaction of the change it tells about, and a :class:`MailRelay` in its lifespan sends it.
"""

from codeflix.mail.outbox import MailRelay, add_mail_outbox_table, queue_mail
from codeflix.mail.port import MailDelivery, Mailer, MailError, OutgoingMail, PermanentMailError
from codeflix.mail.smtp import SMTPMailer, mailer_for
from codeflix.mail.store import MailStore, StoredMail
from codeflix.mail.templates import MailTemplates

__all__ = [
    "MailDelivery",
    "MailError",
    "MailRelay",
    "MailStore",
    "MailTemplates",
    "Mailer",
    "OutgoingMail",
    "PermanentMailError",
    "SMTPMailer",
    "StoredMail",
    "add_mail_outbox_table",
    "mailer_for",
    "queue_mail",
]

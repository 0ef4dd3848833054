"""The identity service's tables: accounts, roles, clients, keys, codes, tokens, failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from codeflix.inbox import add_inbox_table
from codeflix.mail.outbox import add_mail_outbox_table


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    # None for service accounts, which never sign in with a password.
    password_hash: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    service_account_client_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime]


class Role(Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(
        ForeignKey("roles.name", ondelete="CASCADE"), primary_key=True
    )


class Client(Base):
    """An OAuth client as the realm file describes it (Keycloak's client representation)."""

    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    representation: Mapped[dict[str, Any]]
    secret_hash: Mapped[str | None] = mapped_column(Text)


class SigningKey(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # PKCS#8 PEM, encrypted with the platform's secret key.
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # When a newer key took over; the public half stays published until its tokens expire.
    retired_at: Mapped[datetime | None]


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(String(36))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RefreshToken(Base):
    """One refresh token of a rotation family; presenting a used one revokes the family."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AttemptCounter(Base):
    """Attempts counted per key (``account:<email>``, ``address:<ip>``, ``register:<ip>``) in a
    window that opens with the first attempt; one row per key, so counting is one atomic upsert.
    """

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_started_at: Mapped[datetime]
    count: Mapped[int]


class LoginSession(Base):
    """A sign-in: its codes and refresh tokens die with it when the user logs out."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AccountSettings(Base):
    """What an account chose or proved beyond its credentials (a table of its own so that
    existing databases gain it on start-up)."""

    __tablename__ = "account_settings"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_verified_at: Mapped[datetime | None]
    # The highest catalog rating shown to this account (ER, L, 10 ... 18); None = no limit.
    max_rating: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[datetime]


class AccountLink(Base):
    """A single-use link sent by mail (verify the address, reset the password)."""

    __tablename__ = "account_links"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The address the link went to: a link for an address the account no longer has is void.
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


add_mail_outbox_table(Base.metadata)
add_inbox_table(Base.metadata)

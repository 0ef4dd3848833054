"""Request and response bodies of the identity service's JSON endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codeflix.ratings import Rating
from codeflix.text import StorableText


class AccountCreate(BaseModel):
    """A sign-up: the rules for email and password are checked by the service."""

    model_config = ConfigDict(extra="forbid")

    email: StorableText = Field(max_length=320)
    password: StorableText = Field(max_length=1024)
    name: StorableText = Field(default="", max_length=255)


class AccountAccepted(BaseModel):
    """The same answer whether the address was new or already registered."""

    email: str
    message: str


class UserInfo(BaseModel):
    sub: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    preferred_username: str | None = None
    realm_access: dict[str, list[str]] = Field(default_factory=dict)


class AddressOnly(BaseModel):
    """Asking for a mailed link: the answer is the same whether or not the address is known."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)


class LinkToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)


class LinkSent(BaseModel):
    message: str


class EmailConfirmed(BaseModel):
    email: str
    email_verified: bool


class ParentalLimitUpdate(BaseModel):
    """A new limit (``null`` for none) and the account's password, entered again."""

    model_config = ConfigDict(extra="forbid")

    max_rating: Rating | None
    password: str = Field(max_length=1024)


class AccountPublic(BaseModel):
    id: str
    email: str | None
    name: str
    email_verified: bool
    max_rating: Rating | None = Field(
        description="the highest catalog rating shown to this account; null = no limit"
    )

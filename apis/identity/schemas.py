"""Request and response bodies of the identity service's JSON endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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

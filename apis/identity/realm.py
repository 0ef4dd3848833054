"""The realm file (Keycloak's realm export format) and the clients and roles it seeds.

The same file imports into Keycloak, so it only uses Keycloak's own representation; the few
settings Codeflix reads from it are picked out here. ``${VARIABLE}`` placeholders (as the
Keycloak operator's ``placeholders`` provide them) are replaced with values from settings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apis.identity.models import Client, Role, User, UserRole

DEFAULT_ROLES_NAME = "default-roles-codeflix"
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


class RealmFileError(ValueError):
    """The realm file cannot be read or refers to something it does not define."""


def load_realm(path: Path, placeholders: dict[str, str]) -> dict[str, Any]:
    """Read the realm file, replacing ``${NAME}`` placeholders."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in placeholders:
            raise RealmFileError(f"{path}: no value for the placeholder ${{{name}}}")
        return json.dumps(placeholders[name])[1:-1]

    try:
        text = path.read_text()
    except OSError as e:
        raise RealmFileError(f"cannot read the realm file {path}: {e.strerror}") from e
    realm: dict[str, Any] = json.loads(_PLACEHOLDER.sub(substitute, text))
    return realm


def hash_client_secret(secret: str) -> str:
    # Client secrets are long random strings, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ClientConfig:
    """What the token and authorization endpoints need to know about a client."""

    client_id: str
    public: bool
    standard_flow: bool
    direct_access_grants: bool
    service_accounts: bool
    redirect_uris: tuple[str, ...]
    audience: str | None

    @classmethod
    def from_representation(cls, rep: dict[str, Any]) -> ClientConfig:
        audience = None
        for mapper in rep.get("protocolMappers", []):
            if mapper.get("protocolMapper") == "oidc-audience-mapper":
                audience = mapper.get("config", {}).get("included.custom.audience")
        return cls(
            client_id=rep["clientId"],
            public=bool(rep.get("publicClient", False)),
            standard_flow=bool(rep.get("standardFlowEnabled", True)),
            direct_access_grants=bool(rep.get("directAccessGrantsEnabled", False)),
            service_accounts=bool(rep.get("serviceAccountsEnabled", False)),
            redirect_uris=tuple(rep.get("redirectUris", [])),
            audience=audience,
        )

    def allows_redirect(self, uri: str, *, base_url: str) -> bool:
        """Keycloak's rule: an exact match, or a prefix match for a pattern ending in ``*``.

        A relative pattern (``/*``) stands for the address the identity service itself is
        reached at, ``base_url``, as Keycloak resolves it for a client without a root URL.
        """
        for pattern in self.redirect_uris:
            allowed = base_url.rstrip("/") + pattern if pattern.startswith("/") else pattern
            if allowed.endswith("*") and uri.startswith(allowed[:-1]) and "#" not in uri:
                return True
            if uri == allowed:
                return True
        return False


def default_roles(realm: dict[str, Any]) -> list[str]:
    composite = realm.get("defaultRole", {}).get("composites", {}).get("realm", [])
    return list(composite) or list(realm.get("defaultRoles", []))


def expand_roles(realm_roles: list[str], realm: dict[str, Any]) -> list[str]:
    """Replace the ``default-roles-codeflix`` composite by the roles it stands for."""
    expanded: list[str] = []
    for role in realm_roles:
        expanded.extend(default_roles(realm) if role == DEFAULT_ROLES_NAME else [role])
    return sorted(set(expanded))


async def seed_realm(*, session: AsyncSession, realm: dict[str, Any], now: datetime) -> None:
    """Create or update the realm's roles, clients and service accounts (idempotent)."""
    role_names = set()
    for rep in realm.get("roles", {}).get("realm", []):
        role_names.add(rep["name"])
        role = await session.get(Role, rep["name"])
        if role is None:
            session.add(Role(name=rep["name"], description=rep.get("description", "")))
        else:
            role.description = rep.get("description", "")
    for role_name in default_roles(realm):
        if role_name not in role_names:
            raise RealmFileError(f"the default role {role_name!r} is not a realm role")
    await session.flush()
    for rep in realm.get("clients", []):
        secret = rep.get("secret")
        secret_hash = hash_client_secret(secret) if secret else None
        client = await session.get(Client, rep["clientId"])
        public_rep = {k: v for k, v in rep.items() if k != "secret"}
        if client is None:
            session.add(
                Client(
                    client_id=rep["clientId"], representation=public_rep, secret_hash=secret_hash
                )
            )
        else:
            client.representation, client.secret_hash = public_rep, secret_hash
    for rep in realm.get("users", []):
        if rep.get("serviceAccountClientId"):
            roles = expand_roles(rep.get("realmRoles", []), realm)
            unknown = set(roles) - role_names
            if unknown:
                raise RealmFileError(
                    f"user {rep['username']!r} has unknown roles {sorted(unknown)}"
                )
            await _seed_service_account(session, rep, roles, now)
    await session.flush()


async def _seed_service_account(
    session: AsyncSession, rep: dict[str, Any], roles: list[str], now: datetime
) -> None:
    user = await session.scalar(
        select(User).where(User.service_account_client_id == rep["serviceAccountClientId"])
    )
    if user is None:
        user = User(
            id=str(uuid.uuid4()),
            username=rep["username"],
            email=None,
            name=rep["username"],
            password_hash=None,
            enabled=True,
            service_account_client_id=rep["serviceAccountClientId"],
            created_at=now,
        )
        session.add(user)
        await session.flush()
    existing = set(
        (await session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))).all()
    )
    for role in set(roles) - existing:
        session.add(UserRole(user_id=user.id, role=role))


def secrets_match(given: str, expected_hash: str | None) -> bool:
    return expected_hash is not None and hmac.compare_digest(
        hash_client_secret(given), expected_hash
    )

"""Settings of the identity service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from codeflix.settings import DEFAULT_SECRET, ServiceSettings

REALM = "codeflix"
DEFAULT_REALM_FILE = Path(__file__).with_name("realm-codeflix.json")


class IdentitySettings(ServiceSettings):
    """How the identity provider issues tokens, stores accounts and throttles abuse."""

    service_name: str = "identity"
    oidc_issuer: str | None = Field(
        default=None, description="the issuer URL; default {public_url}/realms/codeflix"
    )
    realm_file: Path = DEFAULT_REALM_FILE
    # Substituted for ${CODEFLIX_SERVICES_CLIENT_SECRET} in the realm file.
    services_client_secret: str = DEFAULT_SECRET
    access_token_seconds: int = 300
    refresh_token_seconds: int = 1800
    authorization_code_seconds: int = 60
    signing_key_max_age_days: int = 30
    # Failed sign-ins tolerated within the window, per account and per client address.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_failure_window_seconds: int = 900
    registrations_per_address: int = 10
    # Mailed links: how long they work, and how many may be asked for per window.
    verification_link_hours: int = 48
    reset_link_minutes: int = 30
    link_requests_per_address: int = 10
    link_requests_per_account: int = 3
    link_failures_per_address: int = 20
    # argon2id cost; tests lower it, production keeps argon2-cffi's recommended profile.
    password_time_cost: int = 3
    password_memory_kib: int = 65536

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "services_client_secret"]

    @property
    def issuer(self) -> str:
        """The ``iss`` of every token, where discovery and the JWKS are found."""
        if self.oidc_issuer:
            return self.oidc_issuer.rstrip("/")
        return f"{self.public_url.rstrip('/')}/realms/{REALM}"


def get_settings(**overrides: object) -> IdentitySettings:
    return IdentitySettings(**overrides)  # type: ignore[arg-type]

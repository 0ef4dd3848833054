"""``codeflix users create``: make accounts (the first admin) straight in the identity database.

Heavy imports happen when the command runs, so ``codeflix --help`` stays quick.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

users_app = typer.Typer(
    name="users", help="Manage Codeflix accounts.", no_args_is_help=True, add_completion=False
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


async def create_account(
    *, data_dir: Path, email: str, password: str, name: str, roles: list[str]
) -> list[str]:
    """Create the account in the identity database (seeding the realm first); returns its roles."""
    from apis.identity.app import create_app
    from apis.identity.config import get_settings
    from apis.identity.service import create_user, identity_of
    from codeflix.unit_of_work import unit_of_work

    app = create_app(get_settings(data_dir=data_dir))
    async with app.router.lifespan_context(app), unit_of_work(app.state.sessions) as session:
        user = await create_user(
            session=session,
            runtime=app.state.runtime,
            email=email,
            password=password,
            name=name,
            roles=roles,
        )
        return list((await identity_of(session=session, user=user)).roles)


@users_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="The account's email address (its username).")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when not given (it then stays out of the shell history).",
        ),
    ],
    role: Annotated[
        list[str] | None,
        typer.Option(help="A realm role, e.g. admin or catalog-admin; repeat for several."),
    ] = None,
    name: Annotated[str, typer.Option(help="The name shown in the apps.")] = "",
    data_dir: Annotated[
        Path, typer.Option(help="Where the SQLite files live.", envvar="CODEFLIX_DATA_DIR")
    ] = Path("var"),
) -> None:
    """Create an account with roles, e.g. the first admin:
    codeflix users create --email admin@example.com --role admin"""
    from codeflix.problems import Problem
    from codeflix.settings import SettingsError

    try:
        roles = asyncio.run(
            create_account(
                data_dir=data_dir, email=email, password=password, name=name, roles=role or []
            )
        )
    except (Problem, SettingsError) as e:
        err_console.print(f"[red]codeflix users create:[/red] {e}")
        raise typer.Exit(1) from None
    console.print(f"Created {email.strip().lower()} with the roles {', '.join(roles)}.")


def sign_in_help(base_url: str) -> list[str]:
    """What ``codeflix up`` prints about signing in."""
    issuer = f"{base_url}/realms/codeflix"
    return [
        f"  sign in       OIDC issuer {issuer}",
        f"                discovery {issuer}/.well-known/openid-configuration",
        "                web apps: client codeflix-web, authorization code + PKCE (S256)",
        "                first admin: codeflix users create --email you@example.com --role admin",
        "                command line: codeflix login --email you@example.com",
    ]


identity_app = typer.Typer(
    name="identity", help="Operate the identity provider.", no_args_is_help=True
)


async def rotate_key(*, data_dir: Path) -> tuple[str, str]:
    """Rotate the signing key now; returns the new kid and until when the old one is published."""
    from datetime import timedelta

    from apis.identity.app import create_app
    from apis.identity.config import get_settings
    from apis.identity.keys import RETIREMENT_GRACE, rotate_signing_key
    from codeflix.unit_of_work import unit_of_work

    settings = get_settings(data_dir=data_dir)
    app = create_app(settings)
    runtime = app.state.runtime
    async with app.router.lifespan_context(app), unit_of_work(app.state.sessions) as session:
        now = runtime.clock.now()
        kid = await rotate_signing_key(session=session, secret=settings.secret_key, now=now)
    until = now + timedelta(seconds=settings.access_token_seconds) + RETIREMENT_GRACE
    return kid, until.strftime("%Y-%m-%d %H:%M:%S UTC")


@identity_app.command("rotate-key")
def rotate_key_command(
    data_dir: Annotated[
        Path, typer.Option(help="Where the SQLite files live.", envvar="CODEFLIX_DATA_DIR")
    ] = Path("var"),
) -> None:
    """Sign new tokens with a new key now; the old key stays published until its tokens expire."""
    from codeflix.settings import SettingsError

    try:
        kid, until = asyncio.run(rotate_key(data_dir=data_dir))
    except SettingsError as e:
        err_console.print(f"[red]codeflix identity rotate-key:[/red] {e}")
        raise typer.Exit(1) from None
    console.print(f"New signing key {kid}; the previous one stays in the JWKS until {until}.")

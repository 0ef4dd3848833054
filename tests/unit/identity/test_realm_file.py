"""The realm file is a Keycloak realm export: it imports into Keycloak as it is."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from apis.identity.config import DEFAULT_REALM_FILE
from apis.identity.realm import ClientConfig, RealmFileError, default_roles, load_realm
from tests.support.manifests import custom_resource_schema

PLACEHOLDERS = {
    "CODEFLIX_SERVICES_CLIENT_SECRET": "s3cret",
    "CODEFLIX_PUBLIC_URL": "https://tv.example",
}


def realm_import_schema() -> dict[str, object]:
    """The JSON Schema of Keycloak's KeycloakRealmImport; ``spec.realm`` is the realm export."""
    return custom_resource_schema("k8s.keycloak.org/v2alpha1", "KeycloakRealmImport")


def test_the_realm_file_validates_against_keycloaks_realm_import_schema() -> None:
    realm = json.loads(DEFAULT_REALM_FILE.read_text())
    resource = {"spec": {"keycloakCRName": "keycloak", "realm": realm}}
    jsonschema.Draft7Validator(realm_import_schema()).validate(resource)


def test_the_schema_catches_a_field_keycloak_does_not_know() -> None:
    realm = json.loads(DEFAULT_REALM_FILE.read_text())
    realm["clients"][0]["pkceRequired"] = True
    resource = {"spec": {"keycloakCRName": "keycloak", "realm": realm}}
    with pytest.raises(jsonschema.ValidationError, match="pkceRequired"):
        jsonschema.Draft7Validator(realm_import_schema()).validate(resource)


def test_the_realm_defines_the_roles_and_clients_codeflix_relies_on() -> None:
    realm = load_realm(DEFAULT_REALM_FILE, PLACEHOLDERS)
    assert realm["realm"] == "codeflix"
    roles = {role["name"] for role in realm["roles"]["realm"]}
    assert roles == {"user", "admin", "catalog-admin", "subscription-admin"}
    assert default_roles(realm) == ["user"]
    clients = {c["clientId"]: c for c in realm["clients"]}
    web = ClientConfig.from_representation(clients["codeflix-web"])
    assert web.public and web.standard_flow and not web.direct_access_grants
    assert clients["codeflix-web"]["attributes"]["pkce.code.challenge.method"] == "S256"
    assert web.audience == "codeflix"
    cli = ClientConfig.from_representation(clients["codeflix-cli"])
    assert cli.direct_access_grants and not cli.standard_flow
    services = clients["codeflix-services"]
    assert services["secret"] == "s3cret" and services["serviceAccountsEnabled"]


def test_a_missing_placeholder_value_is_a_clear_error() -> None:
    with pytest.raises(RealmFileError, match=r"no value for the placeholder \$\{CODEFLIX_SERVICES"):
        load_realm(DEFAULT_REALM_FILE, {"CODEFLIX_PUBLIC_URL": "https://tv.example"})


def test_placeholder_values_cannot_break_out_of_their_json_string(tmp_path: Path) -> None:
    realm = load_realm(
        DEFAULT_REALM_FILE, {**PLACEHOLDERS, "CODEFLIX_SERVICES_CLIENT_SECRET": 'a"b\\c'}
    )
    assert realm["clients"][2]["secret"] == 'a"b\\c'


def test_redirect_uris_match_like_keycloak() -> None:
    client = ClientConfig(
        client_id="c",
        public=True,
        standard_flow=True,
        direct_access_grants=False,
        service_accounts=False,
        redirect_uris=("http://127.0.0.1:8000/*", "https://app.example/cb"),
        audience=None,
    )
    base = "https://tv.example/"
    assert client.allows_redirect("http://127.0.0.1:8000/auth/callback", base_url=base)
    assert client.allows_redirect("https://app.example/cb", base_url=base)
    assert not client.allows_redirect("https://app.example/cb/other", base_url=base)
    assert not client.allows_redirect("http://127.0.0.1:8000.evil.example/", base_url=base)
    assert not client.allows_redirect("http://127.0.0.1:8000/#fragment", base_url=base)


def test_the_web_client_redirects_only_to_the_public_url_or_the_address_it_was_reached_at() -> None:
    realm = load_realm(DEFAULT_REALM_FILE, PLACEHOLDERS)
    web = ClientConfig.from_representation(realm["clients"][0])
    assert web.client_id == "codeflix-web"
    public = "https://tv.example/"
    assert web.allows_redirect("https://tv.example/auth/callback", base_url=public)
    assert not web.allows_redirect("http://127.0.0.1:8000/auth/callback", base_url=public)
    assert not web.allows_redirect("http://localhost:3000/auth/callback", base_url=public)
    assert not web.allows_redirect("https://tv.example.evil.test/cb", base_url=public)
    # "/*" is the address the identity service was reached at (Keycloak's relative URIs).
    reached = "http://media-box:9000/"
    assert web.allows_redirect("http://media-box:9000/auth/callback", base_url=reached)
    assert not web.allows_redirect("http://media-box:9001/auth/callback", base_url=reached)
    assert not web.allows_redirect("http://media-box:9000.evil.test/", base_url=reached)


def test_the_realm_selects_the_codeflix_login_theme_that_ships_beside_it() -> None:
    realm = json.loads(DEFAULT_REALM_FILE.read_text())
    assert realm["loginTheme"] == "codeflix"
    theme = DEFAULT_REALM_FILE.parent / "keycloak-theme" / "codeflix" / "login"
    properties = dict(
        line.split("=", 1)
        for line in (theme / "theme.properties").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert properties["parent"] == "keycloak"
    for style in properties["styles"].split():
        if style != "css/login.css":  # the parent's
            assert (theme / "resources" / style).is_file(), style
    assert "#e50914" in (theme / "resources" / "css" / "codeflix.css").read_text()

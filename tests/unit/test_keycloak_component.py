"""The Keycloak component (overlays/production-keycloak) carries the identity service's realm
and login theme as they are in apis/identity, and mounts every theme file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.support.manifests import MANIFESTS, of_kind, rendered

SCRIPT = ROOT / "scripts" / "keycloak-manifests.py"


def test_the_generated_realm_import_and_theme_match_their_sources() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_a_stale_copy_is_reported(tmp_path: Path) -> None:
    component = MANIFESTS / "components" / "keycloak"
    for name in ("realm-import.yaml", "theme.yaml"):
        shutil.copy(component / name, tmp_path / name)
    stale = (tmp_path / "realm-import.yaml").read_text().replace("Codeflix", "Old")
    (tmp_path / "realm-import.yaml").write_text(stale)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--component", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "realm-import.yaml is stale" in done.stderr
    assert "theme.yaml" not in done.stderr


def test_keycloak_mounts_every_theme_file_and_imports_the_realm_into_itself() -> None:
    docs = rendered(MANIFESTS / "overlays" / "production-keycloak")
    [keycloak] = of_kind(docs, "Keycloak")
    [realm_import] = of_kind(docs, "KeycloakRealmImport")
    [theme] = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"] == "keycloak-theme"]
    assert realm_import["spec"]["keycloakCRName"] == keycloak["metadata"]["name"]
    assert realm_import["spec"]["realm"]["loginTheme"] == "codeflix"
    pod = keycloak["spec"]["unsupported"]["podTemplate"]["spec"]
    [volume] = [v for v in pod["volumes"] if v["name"] == "theme"]
    assert {i["key"] for i in volume["configMap"]["items"]} == set(theme["data"])
    # The realm's placeholders are all filled from Secrets the operator is told about.
    provided = yaml.safe_load((MANIFESTS / "operator-secrets.yaml").read_text())
    for placeholder in realm_import["spec"]["placeholders"].values():
        secret = placeholder["secret"]
        assert secret["key"] in provided[secret["name"]]["keys"], secret
    # No workload of the identity service is left beside Keycloak.
    assert not [d for d in docs if d["kind"] in ("Deployment", "Job") and "identity" in
                d["metadata"]["name"]]  # fmt: skip

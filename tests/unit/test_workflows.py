"""Every deployable has its own CI/CD workflow, and actionlint finds nothing in any workflow.

``scripts/ci-service.sh`` runs one deployable's pipeline here; its refusals are checked too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CI_SERVICE = ROOT / "scripts" / "ci-service.sh"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
KERNEL = ("codeflix/**", "pyproject.toml", "uv.lock")
# Every image is built by images.sh after the builder and the Python runtime images: a change to
# any of them rebuilds them all.
IMAGE_BUILD = ("scripts/images.sh", "deploy/builder/**", "deploy/python-runtime/**")
# The folders whose change must run a deployable's pipeline, besides the kernel.
FOLDERS = {
    "identity": ("apis/identity/**", "manifests/base/identity/**"),
    "catalog": ("apis/catalog/**", "manifests/base/catalog/**"),
    "search": ("apis/search/**", "manifests/base/search/**"),
    "subscription": ("apis/subscription/**", "manifests/base/subscription/**"),
    "playback": ("apis/playback/**", "manifests/base/playback/**"),
    "media-edge": ("manifests/base/playback/media-edge/**",),
    "gateway": ("apis/gateway/**", "web/**", "manifests/base/gateway/**"),
    "encoder": ("actors/**", "pipeline/**", "manifests/base/encoder/**"),
}


def deployables() -> list[str]:
    listed = yaml.safe_load((ROOT / "manifests" / "images.yaml").read_text())
    return [image["name"].removeprefix("codeflix/") for image in listed["images"]]


def workflow(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())
    assert isinstance(document, dict)
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def test_actionlint_finds_nothing() -> None:
    assert ACTIONLINT.exists(), "the dev extra installs actionlint (scripts/bootstrap.sh dev)"
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", *files], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr


def test_every_deployable_is_one_the_checks_know() -> None:
    assert set(deployables()) == set(FOLDERS)


@pytest.mark.parametrize("deployable", sorted(FOLDERS))
def test_each_deployable_has_a_workflow_filtered_on_its_folders_and_the_kernel(
    deployable: str,
) -> None:
    document = workflow(deployable)
    for event in ("push", "pull_request"):
        paths = document["on"][event]["paths"]
        missing = [p for p in (*FOLDERS[deployable], *KERNEL, *IMAGE_BUILD) if p not in paths]
        assert not missing, f"{deployable}.yml on {event} misses {missing}"
    assert document["on"]["push"]["branches"] == ["main"]
    [job] = document["jobs"].values()
    assert job["uses"] == "./.github/workflows/service.yml"
    assert job["with"]["deployable"] == deployable
    assert job["secrets"] == "inherit"


def test_the_shared_pipeline_lints_tests_builds_and_deploys_in_that_order() -> None:
    jobs = workflow("service")["jobs"]
    assert jobs["test"]["needs"] == "lint" and jobs["manifests"]["needs"] == "lint"
    assert jobs["image"]["needs"] == ["test", "manifests"]
    assert jobs["deploy"]["needs"] == "image"
    steps = {
        name: " ".join(str(s.get("run", s.get("uses", ""))) for s in job["steps"])
        for name, job in jobs.items()
    }
    for step in ("lint", "test", "manifests"):
        assert f"scripts/ci-service.sh --step {step}" in steps[step]
    # The image is built the way it is built here (base, builder, then the deployable's).
    assert 'scripts/images.sh "${{ inputs.deployable }}"' in steps["image"]
    assert 'docker push "$IMAGE"' in steps["image"]
    assert "kustomize edit set image" in steps["deploy"]
    assert 'kubectl apply -k "$OVERLAY"' in steps["deploy"]
    # Deploys only what was pushed to main (a pull request builds but never pushes or deploys).
    assert "refs/heads/main" in jobs["deploy"]["if"]


def run_ci_service(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        ["bash", str(CI_SERVICE), *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_ci_service_help_names_every_deployable_and_step() -> None:
    result = run_ci_service("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: scripts/ci-service.sh")
    for name in [*deployables(), "lint", "test", "manifests", "image"]:
        assert name in result.stdout, name


@pytest.mark.parametrize("args", [("catalgo",), ("--step", "deploy", "catalog"), ()])
def test_ci_service_refuses_what_it_does_not_know(args: tuple[str, ...]) -> None:
    result = run_ci_service(*args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "choose one of" in result.stderr or result.stderr.startswith("usage:")
    if args == ("catalgo",):
        assert "no deployable is called 'catalgo'; choose one of: identity catalog" in (
            result.stderr
        )


def test_ci_service_skips_the_image_plainly_without_a_docker_engine(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n"
    )
    (fake / "docker").chmod(0o755)
    bash_dir = str(Path(shutil.which("bash") or "/bin/bash").parent)
    result = run_ci_service("--step", "image", "catalog", path=f"{fake}:{bash_dir}:/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert "image: skipped, no Docker engine is running here" in result.stdout


def deploy_job() -> dict[str, Any]:
    job = workflow("service")["jobs"]["deploy"]
    assert isinstance(job, dict)
    return job


def credentials_step() -> dict[str, Any]:
    [step] = [s for s in deploy_job()["steps"] if "KUBECONFIG" in str(s.get("env", {}))]
    return step


def test_each_environment_deploys_with_its_own_kubeconfig_secret() -> None:
    document = workflow("service")
    # Only the GitHub environment the job runs in holds the cluster's credentials, under a
    # name of its own: no caller hands one in, and no other job or step sees one.
    assert "secrets" not in document["on"]["workflow_call"]
    assert deploy_job()["environment"] == "${{ inputs.environment }}"
    step = credentials_step()
    assert step["env"]["KUBECONFIG_DATA"] == (
        "${{ secrets[format('KUBECONFIG_{0}', inputs.environment)] }}"
    )
    text = (WORKFLOWS / "service.yml").read_text()
    assert text.count("secrets[") == 1 and "secrets.KUBECONFIG" not in text
    overlays = {p.name for p in (ROOT / "manifests" / "overlays").iterdir()}
    for deployable in FOLDERS:
        dispatch = workflow(deployable)["on"]["workflow_dispatch"]["inputs"]["environment"]
        assert set(dispatch["options"]) <= overlays and dispatch["default"] == "dev", deployable
        [job] = workflow(deployable)["jobs"].values()
        assert job["with"]["environment"] == "${{ inputs.environment || 'dev' }}", deployable


def run_credentials(tmp_path: Path, environment: str, kubeconfig: str) -> tuple[int, str, Path]:
    """The deploy job's credentials step, run as the runner runs it (bash, -e)."""
    github_env = tmp_path / "github_env"
    env = {
        "PATH": os.environ["PATH"],
        "ENVIRONMENT": environment,
        "KUBECONFIG_DATA": kubeconfig,
        "OVERLAY": f"manifests/overlays/{environment}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ENV": str(github_env),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", credentials_step()["run"]],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return done.returncode, done.stdout, github_env


def test_a_deploy_without_its_environments_secret_stops_and_names_it(tmp_path: Path) -> None:
    code, out, github_env = run_credentials(tmp_path, "production", "")
    assert code == 1
    assert "::error::the GitHub environment production has no secret KUBECONFIG_PRODUCTION" in out
    assert not github_env.exists() and not (tmp_path / "kubeconfig").exists()


def test_a_deploy_to_an_environment_without_an_overlay_stops(tmp_path: Path) -> None:
    code, out, _ = run_credentials(tmp_path, "staging", "apiVersion: v1")
    assert code == 1 and "no overlay manifests/overlays/staging" in out


def test_the_environments_kubeconfig_is_written_for_kubectl_alone(tmp_path: Path) -> None:
    code, _, github_env = run_credentials(tmp_path, "dev", "apiVersion: v1\nkind: Config")
    assert code == 0
    kubeconfig = tmp_path / "kubeconfig"
    assert kubeconfig.read_text() == "apiVersion: v1\nkind: Config\n"
    assert kubeconfig.stat().st_mode & 0o077 == 0  # readable by the runner's user only
    assert github_env.read_text() == f"KUBECONFIG={kubeconfig}\n"

#!/usr/bin/env bash
# Run one deployable's pipeline here, in the order of its workflow (.github/workflows/<name>.yml):
# lint, its tests, render and validate its manifests, build its image. CI's jobs run the same
# steps one at a time with --step.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPLOYABLES=(identity catalog search subscription playback media-edge gateway encoder)
STEPS=(lint test manifests image)

usage() {
  cat <<EOF
usage: scripts/ci-service.sh [--step STEP] DEPLOYABLE

Runs the pipeline of one deployable (an image of manifests/images.yaml), as its workflow
.github/workflows/DEPLOYABLE.yml does:
  lint       ruff, ruff format --check, mypy, import-linter (the whole code base)
  test       its unit and integration tests (starts PostgreSQL and RabbitMQ with
             scripts/services.sh unless CI is set; CI gives them as job services)
  manifests  renders its kustomize base and both overlays, validates every object
  image      builds deploy/DEPLOYABLE/Dockerfile (scripts/images.sh DEPLOYABLE); skipped
             when no Docker engine runs

DEPLOYABLE: ${DEPLOYABLES[*]}
--step STEP runs only that step (one of: ${STEPS[*]}).
Needs .venv with the dev extra: scripts/bootstrap.sh dev
EOF
}

# Its tests: pytest paths, relative to the repository.
tests_of() {
  case "$1" in
    identity | catalog | search | subscription | playback)
      echo "tests/unit/$1 tests/integration/$1" ;;
    media-edge)
      echo "tests/unit/playback/test_edge.py tests/unit/playback/test_media_edge_start.py" \
        "tests/integration/playback/test_nginx_edge.py" \
        "tests/integration/playback/test_edge_load.py" ;;
    gateway)
      echo tests/unit/test_gateway*.py tests/integration/gateway ;;
    encoder)
      echo "tests/unit/encoder tests/unit/pipeline tests/integration/encoder tests/integration/pipeline" ;;
  esac
}

# Its kustomize base (the media edge ships with playback).
base_of() {
  case "$1" in
    media-edge) echo playback ;;
    *) echo "$1" ;;
  esac
}

step_lint() {
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  .venv/bin/mypy
  .venv/bin/lint-imports --no-cache
}

step_test() {
  local deployable=$1
  [ -n "${CI:-}" ] || scripts/services.sh
  # shellcheck disable=SC2046 # a list of paths
  .venv/bin/pytest -q $(tests_of "$deployable")
  if [ "$deployable" = gateway ]; then
    scripts/web.sh test # the web app it serves: Biome, tsc --strict, Vitest
  fi
}

step_manifests() {
  local deployable=$1 base
  base=$(base_of "$deployable")
  .venv/bin/kubectl kustomize "manifests/base/$base" >/dev/null
  local checks=(tests/unit/test_deployment_manifests.py)
  [ -e "tests/unit/$base/test_manifests.py" ] && checks+=("tests/unit/$base/test_manifests.py")
  [ "$deployable" = encoder ] && checks+=(tests/unit/encoder/test_kuberay_manifests.py)
  .venv/bin/pytest -q "${checks[@]}"
}

step_image() {
  local deployable=$1 dockerfile
  dockerfile=$(scripts/images.sh --dockerfile "$deployable")
  if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
    echo "image: skipped, no Docker engine is running here (docker info does not answer);" \
      "the workflow builds codeflix/$deployable with docker/build-push-action"
    return 0
  fi
  if [ -z "$dockerfile" ] || [ ! -f "$dockerfile" ]; then
    echo "image: no Dockerfile builds codeflix/$deployable" >&2
    return 1
  fi
  if [ -x scripts/images.sh ]; then
    scripts/images.sh "$deployable" # makes the Debian base and the builder image when missing
  else
    docker build -f "$dockerfile" --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt \
      -t "codeflix/$deployable" .
  fi
}

only=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --step)
      [ $# -ge 2 ] || { echo "ci-service.sh: --step needs one of: ${STEPS[*]}" >&2; exit 2; }
      only=$2; shift 2 ;;
    -*) echo "ci-service.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -ne 1 ]; then
  usage >&2
  exit 2
fi
deployable=$1
if [[ ! " ${DEPLOYABLES[*]} " == *" $deployable "* ]]; then
  echo "ci-service.sh: no deployable is called '$deployable'; choose one of: ${DEPLOYABLES[*]}" >&2
  exit 2
fi
if [ -n "$only" ] && [[ ! " ${STEPS[*]} " == *" $only "* ]]; then
  echo "ci-service.sh: no step is called '$only'; choose one of: ${STEPS[*]}" >&2
  exit 2
fi
if [ ! -x .venv/bin/pytest ]; then
  echo "ci-service.sh: .venv has no test tools; run scripts/bootstrap.sh dev first" >&2
  exit 1
fi

for step in "${STEPS[@]}"; do
  [ -z "$only" ] || [ "$only" = "$step" ] || continue
  echo "== $deployable: $step"
  "step_$step" "$deployable"
done
echo "== $deployable: ${only:-every step} passed"

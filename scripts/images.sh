#!/usr/bin/env bash
# Build the container images of the deployed platform, with no image registry at all:
#   codeflix/debian:bookworm   the base, made here from Debian's packages (debootstrap, then
#                              docker import); built only when missing
#   codeflix/builder:bookworm  Python, uv and every locked wheel (deploy/builder), never shipped
#   codeflix/python-runtime:bookworm   Debian's python3, the unprivileged user and the read-only
#                              root's settings (deploy/python-runtime): what every Python image
#                              of a deployable starts FROM
#   codeflix/<deployable>      deploy/<deployable>/Dockerfile, the images the manifests run;
#                              the five API services share deploy/api/Dockerfile (--build-arg SERVICE)
#   codeflix/compose-<name>    deploy/compose/<name>/Dockerfile, what deploy/compose.yaml runs
#                              beside them (PostgreSQL, RabbitMQ, Typesense, an S3 API server)
# then print each image's size. Installs Docker, debootstrap and docker-compose from Debian's
# packages when they are missing and starts dockerd when it is not running (as root, or with sudo).
#   scripts/images.sh [name ...]   only these images (after the base, the builder and the runtime)
#   scripts/images.sh --dockerfile NAME   print the Dockerfile NAME's image is built from (a
#                              deployable, a compose image, builder or python-runtime)
#   scripts/images.sh --list   print each image it builds by default: name, image, Dockerfile
set -euo pipefail
cd "$(dirname "$0")/.."

DEPLOYABLES=(identity catalog search subscription playback media-edge gateway encoder)
COMPOSE=(postgres rabbitmq typesense s3)
BASE=codeflix/debian:bookworm
BUILDER=codeflix/builder:bookworm
RUNTIME=codeflix/python-runtime:bookworm
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
apt_install() {
  echo "installing $* from Debian packages" >&2
  as_root apt-get update -q >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}
seconds() { date +%s; }
API_SERVICES=" identity catalog search subscription playback "
DEPLOYABLE_NAMES=" ${DEPLOYABLES[*]} "
# NAME -> "IMAGE DOCKERFILE", nothing for an unknown name. The one place that names images:
# the build, --dockerfile and --list all ask it. NAME is a deployable, or a compose image by
# its folder (postgres) or its image's name (compose-postgres), or one of the two images the
# Python images are built on (builder, python-runtime).
image_of() {
  local name=$1 compose=${1#compose-}
  if [ "$name" = builder ]; then echo "$BUILDER deploy/builder/Dockerfile"
  elif [ "$name" = python-runtime ]; then echo "$RUNTIME deploy/python-runtime/Dockerfile"
  elif [[ "$API_SERVICES" == *" $name "* ]]; then echo "codeflix/$name deploy/api/Dockerfile"
  elif [[ "$DEPLOYABLE_NAMES" == *" $name "* ]]; then echo "codeflix/$name deploy/$name/Dockerfile"
  elif [ -e "deploy/compose/$compose/Dockerfile" ]; then
    echo "codeflix/compose-$compose deploy/compose/$compose/Dockerfile"
  fi
}

case "${1:-}" in
  --dockerfile)
    found=$(image_of "${2:?name an image}")
    [ -z "$found" ] || echo "${found#* }"
    exit 0 ;;
  --list)
    for name in "${DEPLOYABLES[@]}" "${COMPOSE[@]}"; do echo "$name $(image_of "$name")"; done
    exit 0 ;;
esac

command -v docker >/dev/null || apt_install docker.io
command -v debootstrap >/dev/null || apt_install debootstrap
command -v docker-compose >/dev/null || apt_install docker-compose  # runs deploy/compose.yaml
if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd" >&2
  as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start: see /var/log/dockerd.log" >&2; exit 1; }
fi

has_image() { docker image inspect "$1" >/dev/null 2>&1; }
build() { # image dockerfile [context] [docker build options...]
  local start image=$1 file=$2 dir=${3:-.}
  shift $(($# < 3 ? $# : 3))
  start=$(seconds)
  # Docker's own builder (Debian packages no buildx): its output only when a build fails.
  if ! docker build -f "$file" -t "$image" "$@" "$dir" >"$context/build.log" 2>&1; then
    cat "$context/build.log" >&2
    echo "building $image failed" >&2
    return 1
  fi
  echo "built $image in $(($(seconds) - start)) s" >&2
}

if ! has_image "$BASE"; then
  start=$(seconds)
  rootfs=$(mktemp -d)
  as_root debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  # Small images: no package lists or downloaded packages, and no documentation, manuals or
  # translations now or in what the images install later.
  as_root sh -c "cat >'$rootfs/etc/dpkg/dpkg.cfg.d/01-codeflix-slim'" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
  as_root sh -c "echo 'APT::Install-Recommends \"false\"; Binary::apt::APT::Keep-Downloaded-Packages \"false\";' >'$rootfs/etc/apt/apt.conf.d/01-codeflix-slim'"
  as_root sh -c "cd '$rootfs' && rm -rf var/cache/apt/* var/lib/apt/lists/* usr/share/man/* usr/share/info/* \
    && find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete \
    && find usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +"
  as_root tar -C "$rootfs" -c . | docker import - "$BASE" >/dev/null
  as_root rm -rf "$rootfs"
  echo "built $BASE in $(($(seconds) - start)) s" >&2
fi

# The builder's context: the lock and the CA bundle through which this network reaches PyPI.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp pyproject.toml uv.lock "$context/"
cp "$CA_BUNDLE" "$context/ca.crt"
build "$BUILDER" deploy/builder/Dockerfile "$context"
# What every Python image runs on; it copies nothing in, so the builder's small context does.
build "$RUNTIME" deploy/python-runtime/Dockerfile "$context"

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${DEPLOYABLES[@]}" "${COMPOSE[@]}")
images=()
for name in "${names[@]}"; do
  found=$(image_of "$name")
  if [ -z "$found" ]; then
    echo "no image is named $name (one of: ${DEPLOYABLES[*]} ${COMPOSE[*]})" >&2
    exit 2
  fi
  image=${found%% *} dockerfile=${found#* }
  if [ "$image" = "$BUILDER" ] || [ "$image" = "$RUNTIME" ]; then
    images+=("$image") # built above
    continue
  fi
  # The gateway serves the built web app.
  [ "$name" != gateway ] || scripts/web.sh build >&2
  if [[ "$dockerfile" == deploy/compose/* ]]; then
    build "$image" "$dockerfile"
  else
    build "$image" "$dockerfile" . --build-arg "SERVICE=$name"
  fi
  images+=("$image")
done

printf '%-34s %s\n' IMAGE SIZE
for image in "${images[@]}"; do
  size=$(docker image inspect -f '{{.Size}}' "$image")
  printf '%-34s %d MB\n' "$image" $((size / 1000000))
done

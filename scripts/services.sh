#!/usr/bin/env bash
# Make sure what the tests talk to is running: PostgreSQL, RabbitMQ, ffmpeg (the HLS player of
# the tests) and Chromium (the browser of the web app's journeys). Starts a service that is
# installed but stopped; installs it from Debian's packages when it is missing and we are root
# (or have sudo).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
apt_install() {
  echo "installing $* from Debian packages" >&2
  as_root apt-get update -q >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}
wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 90); do port_open "$port" && return 0; sleep 1; done
  echo "$name did not open port $port" >&2
  return 1
}

# ffmpeg: the reference encoder and HLS player of the tests and benchmarks.
command -v ffmpeg >/dev/null || apt_install ffmpeg

# Chromium: the browser of the web app's end-to-end tests (Playwright drives Debian's build).
command -v chromium >/dev/null || apt_install chromium

# nginx with its JavaScript module: the deployed media edge (manifests/base/playback) in the tests.
[ -e /usr/lib/nginx/modules/ngx_http_js_module.so ] || apt_install nginx-light libnginx-mod-http-js
# envsubst: the edge's start script (deploy/media-edge/start.sh) renders its nginx.conf with it.
command -v envsubst >/dev/null || apt_install gettext-base

# PostgreSQL on 127.0.0.1:5432 with trust auth for local tests.
if ! port_open 5432; then
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -1)
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_port 5432 PostgreSQL
fi

# RabbitMQ on 127.0.0.1:5672 (guest/guest).
if ! port_open 5672; then
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  as_root rabbitmq-server -detached
  wait_port 5672 RabbitMQ
fi

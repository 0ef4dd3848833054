#!/bin/bash
# The media edge's command (codeflix/media-edge): nginx's configuration from its template, with
# where the bucket is, then nginx in the foreground.
#   CODEFLIX_MEDIA_STORE_URL  the S3 API endpoint the edge streams objects from:
#                             http://media-store:9000, https://s3.eu-west-1.amazonaws.com
#   CODEFLIX_STORAGE_URL      the bucket as the services name it: s3://<bucket>[/<prefix>]
#   media-edge --render [TEMPLATE]   print the configuration and stop (the tests render the
#                                    manifest's template this way)
# Both values are checked before they reach nginx, so neither can add a directive.
set -euo pipefail

TEMPLATE=/etc/nginx/nginx.conf.template
fail() {
  echo "media-edge: $*" >&2
  exit 1
}

store=${CODEFLIX_MEDIA_STORE_URL:-}
[ -n "$store" ] || fail "set CODEFLIX_MEDIA_STORE_URL to the S3 API endpoint of the bucket" \
  "(http://media-store:9000, https://s3.eu-west-1.amazonaws.com)"
# Never echoed: it might carry credentials, which belong to no URL of the edge.
[[ "$store" =~ ^(https?)://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:([0-9]{1,5}))?/?$ ]] \
  || fail "CODEFLIX_MEDIA_STORE_URL must be http(s)://host[:port], with no path or credentials"
scheme=${BASH_REMATCH[1]} host=${BASH_REMATCH[2]} port=${BASH_REMATCH[5]}
storage=${CODEFLIX_STORAGE_URL:-}
[[ "$storage" =~ ^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[A-Za-z0-9._/-]*)?$ ]] \
  || fail "CODEFLIX_STORAGE_URL must be s3://<bucket>[/<prefix>], not '$storage'"
root=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
while [[ "$root" == */ ]]; do root=${root%/}; done

if [ "$scheme" = https ]; then default_port=443; else default_port=80; fi
export MEDIA_STORE_SCHEME=$scheme
export MEDIA_STORE_SERVER=$host:${port:-$default_port}
export MEDIA_STORE_HOST=$host${port:+:$port}
export MEDIA_STORE_SNI=$host
export MEDIA_ROOT=$root
# shellcheck disable=SC2016 # the names envsubst may replace, not their values
only='${MEDIA_STORE_SCHEME} ${MEDIA_STORE_SERVER} ${MEDIA_STORE_HOST} ${MEDIA_STORE_SNI} ${MEDIA_ROOT}'

if [ "${1:-}" = --render ]; then
  envsubst "$only" <"${2:-$TEMPLATE}"
  exit 0
fi
envsubst "$only" <"$TEMPLATE" >/tmp/nginx.conf
exec nginx -c /tmp/nginx.conf -g 'daemon off;'

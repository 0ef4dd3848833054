#!/bin/sh
# First start: a cluster with password authentication and a database plus a role per service
# (CODEFLIX_DATABASES, "name:password" pairs); every start: the server in the foreground.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    -U postgres -D "$PGDATA" >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
  for pair in $CODEFLIX_DATABASES; do
    name=${pair%%:*} password=${pair#*:}
    psql -h /tmp -U postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE \"$name\" LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE \"$name\" OWNER \"$name\""
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -k /tmp

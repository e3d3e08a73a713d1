#!/bin/sh
# Writes the one client of this PgBouncer (the application's role) to its auth file from the
# environment, so that no password is baked into the image, then runs PgBouncer in the foreground.
set -eu
: "${PGBOUNCER_USER:?set PGBOUNCER_USER}" "${PGBOUNCER_PASSWORD:?set PGBOUNCER_PASSWORD}"
mkdir -p /tmp/pgbouncer
umask 077
printf '"%s" "%s"\n' "$PGBOUNCER_USER" "$PGBOUNCER_PASSWORD" > /tmp/pgbouncer/userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini

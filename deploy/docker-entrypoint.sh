#!/bin/sh
# The image's commands (docs/deployment.md):
#   serve (the default)   the server; MIGRATE_ON_START decides whether it migrates first
#   migrate               apply pending migrations once, under the migration lock, then exit
#   cli <args>            the operator CLI, e.g. `cli tenants create Acme`
#   anything else         run as given, e.g. `node dist/src/cli/main.js tenants list`
# The image has no embedded PostgreSQL: serve, migrate and cli need DATABASE_URL.
set -eu

require_database_url() {
  if [ -z "${DATABASE_URL:-}" ]; then
    echo 'DATABASE_URL is required in the container (the image has no embedded PostgreSQL)' >&2
    exit 1
  fi
}

case "${1:-serve}" in
  serve)
    require_database_url
    exec node dist/src/main.js
    ;;
  migrate)
    require_database_url
    exec node dist/src/database/bin/migrations.js up
    ;;
  cli)
    shift
    require_database_url
    exec node dist/src/cli/main.js "$@"
    ;;
  *)
    exec "$@"
    ;;
esac

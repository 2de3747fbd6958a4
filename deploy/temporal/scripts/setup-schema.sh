#!/bin/sh
# One-shot (temporal-schema service, temporalio/admin-tools image): create Temporal's
# two PostgreSQL databases and bring their schemas to the version this image ships.
# Every step is idempotent (create ignores an existing database, setup-schema -v 0.0
# keeps a newer version), so the job runs on every `docker compose up`, and after a
# Temporal upgrade it applies the new versioned migrations before the server starts.
#
# Env: POSTGRES_SEEDS, DB_PORT, POSTGRES_USER; SQL_PASSWORD is read by temporal-sql-tool
# itself, which keeps the password off the command line.
set -eu

SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

sql_tool() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
        -u "$POSTGRES_USER" "$@"
}

setup_database() {  # $1: database name, $2: schema directory under $SCHEMA_ROOT
    echo "temporal-schema: $1"
    sql_tool --db "$1" create-database
    sql_tool --db "$1" setup-schema -v 0.0
    sql_tool --db "$1" update-schema -d "$SCHEMA_ROOT/$2/versioned"
}

setup_database temporal temporal
setup_database temporal_visibility visibility
echo "temporal-schema: done"

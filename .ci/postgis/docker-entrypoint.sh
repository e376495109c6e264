#!/bin/bash
# Entrypoint of the offline tmimport PostGIS image. It mimics the official postgres image
# closely enough for testcontainers-go's postgres module:
#   - honours POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB (defaults postgres/-/$POSTGRES_USER);
#   - on first start runs initdb, starts a socket-only server (logs "ready" once), creates the
#     database and the postgis extension's availability, stops it, then starts the real server
#     (logs "ready" a second time), exactly like the official image's init-then-restart;
#   - runs the command it is given ("postgres -c fsync=off" from testcontainers) as the server.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA
PATH=/usr/lib/postgresql/15/bin:$PATH

if [ "${1:-postgres}" != postgres ]; then
	exec "$@"
fi
shift || true

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	mkdir -p "$PGDATA"
	chmod 700 "$PGDATA"
	pwfile=$(mktemp)
	printf '%s\n' "${POSTGRES_PASSWORD:-postgres}" >"$pwfile"
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 >/dev/null
	rm -f "$pwfile"
	{
		echo "listen_addresses = '*'"
		echo "unix_socket_directories = '/var/run/postgresql'"
	} >>"$PGDATA/postgresql.conf"
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"

	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start
	if [ "$POSTGRES_DB" != postgres ]; then
		psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres \
			-c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
	fi
	# Like postgis/postgis: the extension is installed in the template and the target database.
	for db in template1 "$POSTGRES_DB"; do
		psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d "$db" \
			-c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	echo "PostgreSQL init process complete; ready for start up."
fi

# TLS for tests: certificates supplied under /tls are copied into PGDATA (the server
# insists on owning its key with mode 0600) and enabled.
if [ -f /tls/server.crt ] && [ -f /tls/server.key ]; then
	install -m 0600 /tls/server.crt "$PGDATA/server.crt"
	install -m 0600 /tls/server.key "$PGDATA/server.key"
	set -- -c ssl=on -c ssl_cert_file="$PGDATA/server.crt" -c ssl_key_file="$PGDATA/server.key" "$@"
fi

exec postgres "$@"

#!/usr/bin/env bash
# demo.sh: start a throwaway PostGIS container, show what runs in it, remove it.
set -euo pipefail
image=${TMIMPORT_PG_IMAGE:-tmimport/postgis:15}
cid=$(docker run -d --rm -e POSTGRES_USER=demo -e POSTGRES_PASSWORD=demo -e POSTGRES_DB=demo \
	-p 127.0.0.1::5432 "$image" postgres -c fsync=off)
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 60); do
	[ "$(docker logs "$cid" 2>&1 | grep -c 'ready to accept connections')" -ge 2 ] && break
	sleep 1
done
docker exec "$cid" psql -U demo -d demo -Atc "select 'PostgreSQL ' || current_setting('server_version'); select 'PostGIS ' || postgis_lib_version();"

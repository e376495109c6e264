#!/usr/bin/env bash
# demo.sh: on a throwaway PostGIS container, migrate a synthetic Tasking Manager v4
# database into the TM-Admin schema (tmimport tm), then import a task_history CSV (with
# two bad rows) and a task-grid GeoJSON (with one invalid feature), print the reports,
# and remove the container.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${TMIMPORT_PG_IMAGE:-tmimport/postgis:15}
work=$(mktemp -d)
cid=$(docker run -d --rm -e POSTGRES_USER=demo -e POSTGRES_PASSWORD=demo -e POSTGRES_DB=demo \
	-p 127.0.0.1::5432 "$image" postgres -c fsync=off)
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
go build -o "$work/tmimport" ./cmd/tmimport
go run ./testdata/demo "$work"
for _ in $(seq 1 60); do
	[ "$(docker logs "$cid" 2>&1 | grep -c 'ready to accept connections')" -ge 2 ] && break
	sleep 1
done
docker exec "$cid" psql -U demo -d demo -Atc "select 'PostgreSQL ' || current_setting('server_version'); select 'PostGIS ' || postgis_lib_version();"
port=$(docker port "$cid" 5432/tcp | head -n 1 | sed 's/.*://')
dsn="postgres://demo:demo@127.0.0.1:$port/demo?sslmode=disable"

tmsrc="postgres://demo:demo@127.0.0.1:$port/tmv4?sslmode=disable"
docker exec "$cid" psql -U demo -d demo -qc "create database tmv4"

echo
echo "== a synthetic Tasking Manager v4 database (scale ${TM_SCALE:=0.02}: $(awk "BEGIN{print int(200000*$TM_SCALE)}") tasks, $(awk "BEGIN{print int(2000000*$TM_SCALE)}") task_history rows)"
go run ./testdata/tmsrc/cmd/tmsrc -dsn "$tmsrc" -scale "$TM_SCALE" -seed 1
echo
echo "== tmimport tm: TM v4 -> TM-Admin (schema tmadmin), resumable, verified per table"
"$work/tmimport" tm --from "$tmsrc" --to "$dsn" --schema tmadmin --create --import-id demo-tm --progress log
echo "exit code $?"
docker exec "$cid" psql -U demo -d demo -c "select project_id, id, task_status, st_numgeometries(geometry) parts, jsonb_array_length(history) history_entries, history->0 as first_entry from tmadmin.tasks order by jsonb_array_length(history) desc limit 2" \
	-c "select id, status, priority, mapping_editors, mapping_level, st_numgeometries(geometry) aoi_parts, members from tmadmin.projects order by id limit 3"

echo
echo "== tmimport csv: 200,002 task_history rows (2 bad), upsert by id, resumable"
set +e
"$work/tmimport" csv --to "$dsn" --table tm.task_history --create --key id --mode upsert \
	--import-id demo-th --max-rejects 10 --rejects "$work/rejects.jsonl" --progress log "$work/task_history.csv"
echo "exit code $? (3: finished with rejects within --max-rejects); the rejects:"
head -c 2000 "$work/rejects.jsonl"
echo
echo "== the same command again: every batch is skipped (ledger)"
"$work/tmimport" csv --to "$dsn" --table tm.task_history --create --key id --mode upsert \
	--import-id demo-th --max-rejects 10 --report json -q "$work/task_history.csv"
echo
echo "== tmimport geojson: 20,001 task polygons (1 invalid), reprojected to 3857, spatial index"
"$work/tmimport" geojson --to "$dsn" --table tm.tasks --create --to-srid 3857 --multi --spatial-index \
	--max-rejects 10 --rejects "$work/feature-rejects.jsonl" --progress log "$work/tasks.geojson"
echo "exit code $?; the rejected feature:"
cat "$work/feature-rejects.jsonl"
set -e
echo
"$work/tmimport" ledger list --to "$dsn"
docker exec "$cid" psql -U demo -d demo -c "select count(*) as task_history_rows from tm.task_history" \
	-c "select count(*) as tasks, min(st_srid(geom)) as srid, geometrytype(min(geom)) as type from tm.tasks"

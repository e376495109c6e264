#!/usr/bin/env bash
# fuzz.sh: run every fuzz target of every package for $FUZZTIME each. A package whose
# tests do not build (so `go test -list` fails) fails the run instead of being skipped.
set -euo pipefail
: "${FUZZTIME:=3s}"
go=${GO:-go}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mapfile -t pkgs < <($go list ./...)
n=0
for pkg in "${pkgs[@]}"; do
	if ! $go test -list '^Fuzz' "$pkg" >"$log" 2>&1; then
		cat "$log"
		echo "fuzz: go test -list failed for $pkg" >&2
		exit 1
	fi
	targets=$(grep '^Fuzz' "$log" || true) # no match: a package without fuzz targets
	for t in $targets; do
		echo "fuzz $pkg $t ($FUZZTIME)"
		$go test -run='^$' -fuzz="^$t\$" -fuzztime="$FUZZTIME" "$pkg" >"$log" 2>&1 || {
			cat "$log"
			exit 1
		}
		n=$((n + 1))
	done
done
echo "fuzzed $n targets for $FUZZTIME each"

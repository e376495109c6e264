#!/usr/bin/env bash
# fuzz.sh: run every fuzz target of every package for $FUZZTIME each.
set -euo pipefail
: "${FUZZTIME:=3s}"
go=${GO:-go}
mapfile -t pkgs < <($go list ./...)
n=0
for pkg in "${pkgs[@]}"; do
	targets=$($go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
	for t in $targets; do
		echo "fuzz $pkg $t ($FUZZTIME)"
		$go test -run='^$' -fuzz="^$t\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/tmimport-fuzz.log 2>&1 || {
			cat /tmp/tmimport-fuzz.log
			exit 1
		}
		n=$((n + 1))
	done
done
echo "fuzzed $n targets for $FUZZTIME each"

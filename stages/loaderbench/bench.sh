#!/bin/sh
# bench.sh [rounds] runs the three workloads of issue 17, interleaved: in every round,
# every workload runs every contender once, in an order rotated from round to round,
# so that no contender runs only in a quiet or a busy spell of a shared machine; then
# BenchmarkPaired runs the workloads with the contenders interleaved op by op. The raw
# samples go to results.txt, the medians and ratios to stdout (ratios.py).
set -eu
rounds=${1:-10}
cd "$(dirname "$0")"
go test -c -o /tmp/loaderbench.test .
{
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); nproc $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(go version)"
	echo "# sh bench.sh $rounds; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >results.txt
libs="tmimport dataloadgen graph-gophers"
for r in $(seq "$rounds"); do
	set -- $libs
	i=1
	while [ "$i" -lt $(((r - 1) % 3 + 1)) ]; do # rotate the order by round
		first=$1
		shift
		set -- "$@" "$first"
		i=$((i + 1))
	done
	for w in CacheHit Goroutines LoadMany; do
		for lib in "$@"; do
			/tmp/loaderbench.test -test.run='^$' -test.bench="^Benchmark$w\$/^lib=$lib\$" \
				-test.benchtime=0.5s | grep '^Benchmark' >>results.txt
		done
	done
	/tmp/loaderbench.test -test.run='^$' -test.bench='^BenchmarkPaired$' -test.benchtime=1s |
		grep '^Benchmark' >>results.txt
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>results.txt
python3 ratios.py results.txt

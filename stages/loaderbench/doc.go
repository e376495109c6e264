// Package loaderbench compares stages.Loader with graph-gophers/dataloader v7 and
// vikstrous/dataloadgen on the three workloads of issue 17 (a cache hit, 100
// goroutines on a fresh loader, a LoadMany of 1,000 keys on a fresh loader). It is a
// separate module so that the peers never enter tmimport's go.mod; see README.md for
// the command (bench.sh) and the results.
package loaderbench

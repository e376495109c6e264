// Package loaderbench compares stages.Loader with graph-gophers/dataloader v7 and
// vikstrous/dataloadgen. It is a separate module so that the peers never enter
// tmimport's go.mod; see README.md for the command and the results.
package loaderbench

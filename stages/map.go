package stages

import (
	"context"

	"github.com/tmimport/tmimport/pipeline"
)

// Map returns a stage that replaces every row with f(row). A row for which f returns
// an error is rejected with that error and the row's position, and the other rows go
// on; Map never fails the batch. Map marks the batch touched, so sinks encode the rows
// instead of sending the raw input.
//
// f is called from several workers at once and must be safe for concurrent use.
func Map[T any](f func(T) (T, error)) pipeline.Stage[T] {
	mustFunc(f == nil, "Map")
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		var failed []rowError // allocated only when a row fails
		for i, row := range b.Rows {
			out, err := f(row)
			if err != nil {
				failed = append(failed, rowError{i: i, err: err})
				continue
			}
			b.Rows[i] = out
		}
		b.Touch()
		rejectRows(b, failed, "")
		return nil
	})
}

// rowError is the error of row i of a batch.
type rowError struct {
	i   int
	err error
}

// rejectRows moves the rows listed in failed (in increasing row order) to b.Rejects,
// naming column in each reject when it is not empty. Stages that change rows in place
// collect failures first and reject afterwards: [pipeline.Batch.RejectWhere] stores
// the copy of the row it passed to check, so a change made during check would be lost.
func rejectRows[T any](b *pipeline.Batch[T], failed []rowError, column string) {
	if len(failed) == 0 {
		return
	}
	first, next := len(b.Rejects), 0
	b.RejectWhere(func(i int, _ T) error {
		if next < len(failed) && failed[next].i == i {
			next++
			return failed[next-1].err
		}
		return nil
	}, nil)
	for j := first; j < len(b.Rejects); j++ {
		b.Rejects[j].Column = column
	}
}

// mustFunc panics when a stage constructor is given a nil function: a programming
// error, caught at construction rather than in the first batch.
func mustFunc(isNil bool, stage string) {
	if isNil {
		panic("stages: " + stage + " needs a non-nil function")
	}
}

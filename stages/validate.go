package stages

import (
	"context"

	"github.com/tmimport/tmimport/pipeline"
)

// Validate returns a stage that rejects every row for which check returns an error:
// the row moves to b.Rejects with the error and its position, and the other rows go
// on in order. Validate never fails the batch.
//
// check is called from several workers at once and must be safe for concurrent use.
func Validate[T any](check func(T) error) pipeline.Stage[T] {
	mustFunc(check == nil, "Validate")
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		b.RejectWhere(func(_ int, row T) error { return check(row) }, nil)
		return nil
	})
}

package stages

import (
	"context"

	"github.com/tmimport/tmimport/pipeline"
)

// Filter returns a stage that keeps the rows for which keep returns true, in order,
// and drops the others silently: the pipeline counts them as filtered, not rejected.
// Use [Validate] when a dropped row should be reported.
//
// keep is called from several workers at once and must be safe for concurrent use.
func Filter[T any](keep func(T) bool) pipeline.Stage[T] {
	mustFunc(keep == nil, "Filter")
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		b.Keep(func(_ int, row T) bool { return keep(row) })
		return nil
	})
}

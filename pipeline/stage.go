package pipeline

import "context"

// Stage transforms a batch in place inside a worker: it may change rows, drop them
// (filter), or move them to b.Rejects with a reason. A stage that changes, drops or
// reorders rows must call [Batch.Touch] so sinks stop using the raw input bytes
// ([Batch.Keep] and [Batch.RejectWhere] do this for you).
//
// A stage never starts goroutines; the pipeline runs one stage call per batch at a
// time, but the same Stage value is called from several workers at once, so any state
// it keeps must be safe for concurrent use. An error from Process fails the batch (and,
// under the fail-fast policy, the pipeline); bad rows should be rejects, not errors.
type Stage[T any] interface {
	Process(ctx context.Context, b *Batch[T]) error
}

// StageFunc adapts a function to a [Stage].
type StageFunc[T any] func(ctx context.Context, b *Batch[T]) error

// Process calls f.
func (f StageFunc[T]) Process(ctx context.Context, b *Batch[T]) error { return f(ctx, b) }

// Chain runs stages one after another on the same batch, stopping at the first error
// or when the batch has become empty.
func Chain[T any](stages ...Stage[T]) Stage[T] {
	return StageFunc[T](func(ctx context.Context, b *Batch[T]) error {
		for _, s := range stages {
			if len(b.Rows) == 0 {
				return nil
			}
			if err := s.Process(ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
}

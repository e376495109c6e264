package pipeline

import "context"

// Sink stores batches. Write is called concurrently from several workers, each call
// with its own batch.
//
// Write must be all-or-nothing for the rows it does not reject: when it returns an
// error, none of the batch's rows may remain stored. It may move rows that the target
// refuses to b.Rejects and store the rest (then it returns nil). It must not keep b,
// or anything b references, after it returns. Cancellation of ctx must abort the write
// and roll it back.
type Sink[T any] interface {
	Write(ctx context.Context, b *Batch[T]) (WriteStats, error)
}

// WriteStats is what a sink did with one batch.
type WriteStats struct {
	// Written counts the rows stored.
	Written int64
	// Skipped counts the rows not stored because an earlier run already stored them
	// (a resumed import).
	Skipped int64
}

// SinkFunc adapts a function to a [Sink].
type SinkFunc[T any] func(ctx context.Context, b *Batch[T]) (WriteStats, error)

// Write calls f.
func (f SinkFunc[T]) Write(ctx context.Context, b *Batch[T]) (WriteStats, error) { return f(ctx, b) }

package pipeline

import (
	"context"
	"iter"
)

// Limits bound one batch. A source stops filling a batch at whichever limit it reaches
// first, and always puts at least one record in a non-empty batch.
type Limits struct {
	// Rows is the most rows in a batch.
	Rows int
	// Bytes is the most input bytes in a batch (a soft limit: the record that crosses
	// it ends the batch).
	Bytes int64
}

// Source is the input of a pipeline. It cuts its input into chunks, shards of work that
// workers read independently.
//
// A sized input (a file, a slice, a table with a key) is cut into at most n chunks of
// near-equal size. An unsized input (stdin, a gzip stream) is cut as it streams into
// chunks of about a fixed size; such a source reads ahead only while the pipeline asks
// for the next chunk, so memory stays bounded by the number of chunks in flight.
type Source[T any] interface {
	// Chunks yields the chunks of the input in input order, with Info().Seq numbered
	// 0, 1, 2, … It yields a non-nil error once, as its last element, when cutting
	// fails. The pipeline stops iterating when ctx ends or a chunk fails; the source
	// must then release what it holds.
	Chunks(ctx context.Context, n int) iter.Seq2[Chunk[T], error]
}

// Chunk is a shard of input read by one worker, batch by batch.
type Chunk[T any] interface {
	// Info describes the chunk.
	Info() ChunkInfo
	// Next fills b (already reset) with the next batch, up to lim. It returns nil
	// when b holds at least one row or reject, and io.EOF, with b empty, when the
	// chunk is exhausted. Records that cannot be decoded go to b.Rejects; other
	// errors end the chunk and the pipeline (under the fail-fast policy).
	Next(ctx context.Context, b *Batch[T], lim Limits) error
	// Close releases the chunk's resources. The pipeline calls it exactly once, even
	// when Next was never called or failed.
	Close() error
}

// ChunkInfo describes a chunk: its place in the input and its extent.
type ChunkInfo struct {
	// Seq is the chunk's 0-based sequence number in input order.
	Seq int
	// Start and End bound the chunk in Unit, half-open: [Start, End).
	// For unsized inputs End is known only once the chunk is cut.
	Start, End int64
	// Unit names what Start and End count: "byte", "row" or "key".
	Unit string
	// FirstLine is the 1-based physical line of the chunk's first record, when known.
	FirstLine int64
}

// Split cuts [0, size) into at most n near-equal half-open ranges, none empty.
// It is the arithmetic every sized source uses before aligning to record boundaries.
func Split(size int64, n int) [][2]int64 {
	if size <= 0 || n <= 0 {
		return nil
	}
	if int64(n) > size {
		n = int(size)
	}
	out := make([][2]int64, 0, n)
	var start int64
	for i := range n {
		end := size * int64(i+1) / int64(n)
		out = append(out, [2]int64{start, end})
		start = end
	}
	return out
}

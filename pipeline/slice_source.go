package pipeline

import (
	"context"
	"io"
	"iter"
)

// SliceSource returns a sized source over rows: it cuts the slice into index ranges of
// near-equal length, one per worker. Pos.Index of each row is its index in rows. The
// pipeline reads rows, never writes them.
func SliceSource[T any](rows []T) Source[T] { return sliceSource[T](rows) }

type sliceSource[T any] []T

func (s sliceSource[T]) Chunks(_ context.Context, n int) iter.Seq2[Chunk[T], error] {
	return func(yield func(Chunk[T], error) bool) {
		for i, r := range Split(int64(len(s)), n) {
			c := &rowChunk[T]{rows: s[r[0]:r[1]], base: r[0], info: ChunkInfo{Seq: i, Start: r[0], End: r[1], Unit: "row"}}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// rowChunk is a chunk of in-memory rows; rows[0] has input index base.
type rowChunk[T any] struct {
	rows []T
	base int64
	next int
	info ChunkInfo
}

func (c *rowChunk[T]) Info() ChunkInfo { return c.info }
func (c *rowChunk[T]) Close() error    { return nil }

func (c *rowChunk[T]) Next(ctx context.Context, b *Batch[T], lim Limits) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.next >= len(c.rows) {
		return io.EOF
	}
	end := min(len(c.rows), c.next+lim.Rows)
	b.Rows = append(b.Rows, c.rows[c.next:end]...)
	for i := c.next; i < end; i++ {
		b.Pos = append(b.Pos, Pos{Index: c.base + int64(i)})
	}
	b.Read = int64(end - c.next)
	c.next = end
	return nil
}

// SeqSource returns an unsized source over a sequence of rows, such as rows produced by
// a program while it runs. It cuts the sequence as it streams into chunks of chunkRows
// rows (defaults to [BatchRowsDefault] when < 1), holding one chunk in memory per chunk
// in flight. An error from the sequence ends the input with that error. Pos.Index of
// each row is its 0-based place in the sequence.
func SeqSource[T any](seq iter.Seq2[T, error], chunkRows int) Source[T] {
	if chunkRows < 1 {
		chunkRows = BatchRowsDefault
	}
	return &seqSource[T]{seq: seq, size: chunkRows}
}

type seqSource[T any] struct {
	seq  iter.Seq2[T, error]
	size int
}

func (s *seqSource[T]) Chunks(ctx context.Context, _ int) iter.Seq2[Chunk[T], error] {
	return func(yield func(Chunk[T], error) bool) {
		var base int64
		seq := 0
		rows := make([]T, 0, s.size)
		emit := func() bool {
			c := &rowChunk[T]{rows: rows, base: base, info: ChunkInfo{Seq: seq, Start: base, End: base + int64(len(rows)), Unit: "row"}}
			base += int64(len(rows))
			seq++
			rows = make([]T, 0, s.size)
			return yield(c, nil)
		}
		for row, err := range s.seq {
			if err != nil {
				yield(nil, err)
				return
			}
			if ctx.Err() != nil {
				return
			}
			rows = append(rows, row)
			if len(rows) == s.size && !emit() {
				return
			}
		}
		if len(rows) > 0 {
			emit()
		}
	}
}

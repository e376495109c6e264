package pgio

import (
	"context"
	"fmt"
	"io"
	"iter"

	"github.com/tmimport/tmimport/pipeline"
)

// Values returns the typed path of s: the same ranges in the same snapshot, each row
// decoded into its column values as pgx scans them (PostGIS geometries as EWKB bytes),
// for stages that transform rows. Write them with a [CopySink] whose Values appends
// the (transformed) row; the fast path (s itself with CopyConfig.RawBinary) stays the
// choice when rows pass through unchanged. Close s after the pipeline ran.
func (s *TableSource) Values() pipeline.Source[[]any] { return valuesSource{s} }

type valuesSource struct{ s *TableSource }

// Chunks cuts the ranges into n contiguous groups, one per worker, as s does.
func (v valuesSource) Chunks(_ context.Context, n int) iter.Seq2[pipeline.Chunk[[]any], error] {
	return chunks(v.s, n, func(rc rangeChunk) pipeline.Chunk[[]any] { return &valuesChunk{rc} })
}

// valuesChunk reads its ranges with a plain query.
type valuesChunk struct{ rangeChunk }

// Next reads the next non-empty range.
func (c *valuesChunk) Next(ctx context.Context, b *pipeline.Batch[[]any], _ pipeline.Limits) error {
	if err := c.begin(ctx); err != nil {
		return err
	}
	for len(b.Rows) == 0 {
		if c.next >= len(c.ranges) {
			return io.EOF
		}
		q := fmt.Sprintf("select %s from %s where %s", c.src.cols, c.src.from, c.ranges[c.next].where)
		c.next++
		rows, err := c.tx.Query(ctx, q)
		if err != nil {
			return c.src.client.scrub(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return c.src.client.scrub(err)
			}
			b.Rows = append(b.Rows, vals)
			b.Pos = append(b.Pos, pipeline.Pos{Index: c.index})
			c.index++
		}
		if err := rows.Err(); err != nil {
			return c.src.client.scrub(err)
		}
	}
	b.Read = int64(len(b.Rows))
	return nil
}

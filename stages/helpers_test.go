package stages_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
)

// batchOf returns a batch holding rows, with row i on line i+2 (after a header) and
// raw input bytes set, as a CSV source would leave it.
func batchOf[T any](rows ...T) *pipeline.Batch[T] {
	b := &pipeline.Batch[T]{Rows: rows, Raw: []byte("raw input")}
	for i := range rows {
		b.Pos = append(b.Pos, pipeline.Pos{Line: int64(i + 2), Index: int64(i)})
	}
	return b
}

// lines returns the line of each row of b.
func lines[T any](b *pipeline.Batch[T]) []int64 {
	out := []int64{}
	for _, p := range b.Pos {
		out = append(out, p.Line)
	}
	return out
}

// rejected summarises the rejects of b as "line: message".
func rejected[T any](b *pipeline.Batch[T]) map[int64]string {
	out := map[int64]string{}
	for _, r := range b.Rejects {
		out[r.Pos.Line] = r.Err.Error()
	}
	return out
}

// process runs stage on b and requires it to succeed.
func process[T any](tb testing.TB, stage pipeline.Stage[T], b *pipeline.Batch[T]) {
	tb.Helper()
	require.NoError(tb, stage.Process(context.Background(), b))
}

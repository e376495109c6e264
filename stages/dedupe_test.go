package stages_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/sourcegraph/conc/pool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages"
)

type kv struct {
	K string
	V int
}

func TestDedupe(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name      string
		rows      []kv
		wantRows  []kv
		wantLines []int64
		wantRaw   bool
	}{
		{name: "no duplicates", rows: []kv{{"a", 1}, {"b", 1}}, wantRows: []kv{{"a", 1}, {"b", 1}}, wantLines: []int64{2, 3}, wantRaw: true},
		{
			name:      "last write wins at its position",
			rows:      []kv{{"a", 1}, {"b", 1}, {"a", 2}, {"c", 1}, {"b", 2}},
			wantRows:  []kv{{"a", 2}, {"c", 1}, {"b", 2}},
			wantLines: []int64{4, 5, 6},
		},
		{name: "one key", rows: []kv{{"a", 1}, {"a", 2}, {"a", 3}}, wantRows: []kv{{"a", 3}}, wantLines: []int64{4}},
		{name: "single row", rows: []kv{{"a", 1}}, wantRows: []kv{{"a", 1}}, wantLines: []int64{2}, wantRaw: true},
		{name: "empty", rows: []kv{}, wantRows: []kv{}, wantLines: []int64{}, wantRaw: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(tc.rows...)
			process(t, stages.Dedupe(func(r kv) string { return r.K }), b)
			require.Equal(t, tc.wantRows, b.Rows)
			require.Equal(t, tc.wantLines, lines(b))
			require.Empty(t, b.Rejects, "duplicates are filtered, not rejected")
			require.Equal(t, tc.wantRaw, b.Raw != nil)
		})
	}

	t.Run("composite key, shared by concurrent workers", func(t *testing.T) {
		t.Parallel()
		type task struct{ Project, ID, Status int }
		stage := stages.Dedupe(func(r task) [2]int { return [2]int{r.Project, r.ID} })
		p := pool.New().WithErrors()
		for range 8 {
			p.Go(func() error {
				for range 50 {
					b := batchOf(task{1, 1, 0}, task{2, 1, 0}, task{1, 1, 2}, task{1, 2, 0})
					if err := stage.Process(context.Background(), b); err != nil {
						return err
					}
					if want := []task{{2, 1, 0}, {1, 1, 2}, {1, 2, 0}}; !slices.Equal(b.Rows, want) {
						return fmt.Errorf("got %v, want %v", b.Rows, want)
					}
				}
				return nil
			})
		}
		require.NoError(t, p.Wait())
	})
}

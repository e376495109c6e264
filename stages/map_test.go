package stages_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages"
)

func TestMap(t *testing.T) {
	t.Parallel()

	// double doubles even numbers and refuses odd ones.
	double := func(n int) (int, error) {
		if n%2 != 0 {
			return 0, fmt.Errorf("odd %d", n)
		}
		return 2 * n, nil
	}
	cases := []struct {
		name      string
		rows      []int
		wantRows  []int
		wantLines []int64
		wantRejs  map[int64]string
	}{
		{name: "all mapped", rows: []int{2, 4}, wantRows: []int{4, 8}, wantLines: []int64{2, 3}, wantRejs: map[int64]string{}},
		{name: "errors reject rows", rows: []int{1, 2, 3, 4}, wantRows: []int{4, 8}, wantLines: []int64{3, 5},
			wantRejs: map[int64]string{2: "odd 1", 4: "odd 3"}},
		{name: "all rejected", rows: []int{1, 3}, wantRows: []int{}, wantLines: []int64{}, wantRejs: map[int64]string{2: "odd 1", 3: "odd 3"}},
		{name: "empty batch", rows: []int{}, wantRows: []int{}, wantLines: []int64{}, wantRejs: map[int64]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(tc.rows...)
			process(t, stages.Map(double), b)
			require.Equal(t, tc.wantRows, b.Rows)
			require.Equal(t, tc.wantLines, lines(b))
			require.Equal(t, tc.wantRejs, rejected(b))
			require.Nil(t, b.Raw, "Map marks the batch touched")
		})
	}

	t.Run("reject keeps the error", func(t *testing.T) {
		t.Parallel()
		errBad := errors.New("bad")
		b := batchOf("a", "b")
		process(t, stages.Map(func(s string) (string, error) {
			if s == "b" {
				return s, errBad
			}
			return s + "!", nil
		}), b)
		require.Equal(t, []string{"a!"}, b.Rows)
		require.Len(t, b.Rejects, 1)
		require.ErrorIs(t, b.Rejects[0], errBad)
		require.Equal(t, int64(1), b.Rejects[0].Pos.Index)
	})

	t.Run("nil function panics", func(t *testing.T) {
		t.Parallel()
		require.PanicsWithValue(t, "stages: Map needs a non-nil function", func() { stages.Map[int](nil) })
	})
}

func TestFilter(t *testing.T) {
	t.Parallel()

	even := func(n int) bool { return n%2 == 0 }
	cases := []struct {
		name      string
		rows      []int
		wantRows  []int
		wantLines []int64
		wantRaw   bool
	}{
		{name: "keeps all", rows: []int{2, 4}, wantRows: []int{2, 4}, wantLines: []int64{2, 3}, wantRaw: true},
		{name: "drops some in order", rows: []int{1, 2, 3, 4, 6}, wantRows: []int{2, 4, 6}, wantLines: []int64{3, 5, 6}},
		{name: "drops all", rows: []int{1, 3}, wantRows: []int{}, wantLines: []int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(tc.rows...)
			process(t, stages.Filter(even), b)
			require.Equal(t, tc.wantRows, b.Rows)
			require.Equal(t, tc.wantLines, lines(b))
			require.Empty(t, b.Rejects, "filtered rows are not rejects")
			require.Equal(t, tc.wantRaw, b.Raw != nil, "raw bytes stay usable only when no row was dropped")
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()

	positive := func(n int) error {
		if n <= 0 {
			return fmt.Errorf("%d is not positive", n)
		}
		return nil
	}
	cases := []struct {
		name      string
		rows      []int
		wantRows  []int
		wantLines []int64
		wantRejs  map[int64]string
		wantRaw   bool
	}{
		{name: "all valid", rows: []int{1, 2}, wantRows: []int{1, 2}, wantLines: []int64{2, 3}, wantRejs: map[int64]string{}, wantRaw: true},
		{name: "rejects with line", rows: []int{1, -1, 2, 0}, wantRows: []int{1, 2}, wantLines: []int64{2, 4},
			wantRejs: map[int64]string{3: "-1 is not positive", 5: "0 is not positive"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(tc.rows...)
			process(t, stages.Validate(positive), b)
			require.Equal(t, tc.wantRows, b.Rows)
			require.Equal(t, tc.wantLines, lines(b))
			require.Equal(t, tc.wantRejs, rejected(b))
			require.Equal(t, tc.wantRaw, b.Raw != nil)
		})
	}
}

package stages_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages"
)

// userLicense is a row of TM's user_licenses join table.
type userLicense struct {
	User    int64
	License int32
}

func byUser(r userLicense) int64      { return r.User }
func license(r userLicense) int32     { return r.License }
func ul(u int64, l int32) userLicense { return userLicense{User: u, License: l} }

func TestFold(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name     string
		distinct bool
		rows     []userLicense
		want     map[int64][]int32
	}{
		{name: "empty", want: map[int64][]int32{}},
		{name: "keeps input order per key", rows: []userLicense{ul(1, 30), ul(2, 5), ul(1, 10), ul(1, 20), ul(2, 5)},
			want: map[int64][]int32{1: {30, 10, 20}, 2: {5, 5}}},
		{name: "distinct keeps first occurrences", distinct: true, rows: []userLicense{ul(1, 30), ul(2, 5), ul(1, 10), ul(1, 30), ul(2, 5)},
			want: map[int64][]int32{1: {30, 10}, 2: {5}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := stages.NewFold(byUser, license)
			if tc.distinct {
				f = stages.NewFoldDistinct(byUser, license)
			}
			for _, r := range tc.rows { // one by one: calls keep their order
				f.Add(r)
			}
			require.Equal(t, tc.want, f.Map())
			require.Equal(t, len(tc.want), f.Len())
			for k, vs := range tc.want {
				require.Equal(t, vs, f.Get(k))
			}
			require.Nil(t, f.Get(99))

			done := f.Done()
			require.Equal(t, tc.want, done.Map())
			require.Equal(t, len(tc.want), done.Len())
			require.Zero(t, f.Len(), "Done empties the fold")

			f.Add(tc.rows...) // reuse: distinct state starts afresh
			require.Equal(t, tc.want, f.Map())
		})
	}

	t.Run("returned arrays are safe to append to", func(t *testing.T) {
		t.Parallel()
		f := stages.NewFold(byUser, license)
		f.Add(ul(1, 1), ul(1, 2))
		got := append(f.Get(1), 99)
		f.Add(ul(1, 3))
		require.Equal(t, []int32{1, 2, 99}, got)
		require.Equal(t, []int32{1, 2, 3}, f.Get(1))
		// The array has spare capacity: unclipped, two appends would share it.
		done := f.Done()
		for name, get := range map[string]func() []int32{
			"Get": func() []int32 { return done.Get(1) },
			"Map": func() []int32 { return done.Map()[1] },
		} {
			a, b := append(get(), 42), append(get(), 43)
			require.Equal(t, []int32{1, 2, 3, 42}, a, name)
			require.Equal(t, []int32{1, 2, 3, 43}, b, name)
		}
		require.Equal(t, []int32{1, 2, 3}, done.Get(1))
	})

	t.Run("written batches merge in input order", func(t *testing.T) {
		t.Parallel()
		f := stages.NewFold(byUser, license)
		ctx := context.Background()
		for _, b := range []*pipeline.Batch[userLicense]{ // finished out of order by workers
			{Chunk: 1, Seq: 0, Rows: []userLicense{ul(1, 4), ul(2, 40)}},
			{Chunk: 0, Seq: 1, Rows: []userLicense{ul(1, 3)}},
			{Chunk: 0, Seq: 0, Rows: []userLicense{ul(1, 1), ul(2, 20), ul(1, 2)}},
		} {
			st, err := f.Write(ctx, b)
			require.NoError(t, err)
			require.Equal(t, int64(len(b.Rows)), st.Written)
		}
		require.Equal(t, map[int64][]int32{1: {1, 2, 3, 4}, 2: {20, 40}}, f.Map())
	})

	t.Run("as the sink of a pipeline", func(t *testing.T) {
		t.Parallel()
		var rows []userLicense
		want := map[int64][]int32{}
		for i := range 1000 {
			r := ul(int64(i%7), int32(i))
			rows = append(rows, r)
			want[r.User] = append(want[r.User], r.License)
		}
		f := stages.NewFold(byUser, license)
		p, err := pipeline.New(pipeline.Config[userLicense]{
			Source: pipeline.SliceSource(rows), Sink: f, Workers: 4, BatchRows: 13,
		})
		require.NoError(t, err)
		sum, err := p.Run(context.Background())
		require.NoError(t, err)
		require.Equal(t, int64(1000), sum.Written)
		require.Equal(t, want, f.Done().Map())
	})

	t.Run("write after ctx end fails", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := stages.NewFold(byUser, license).Write(ctx, batchOf(ul(1, 1)))
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestAttach(t *testing.T) {
	t.Parallel()

	type userRow struct {
		ID       int64
		Licenses []int32
	}
	f := stages.NewFold(byUser, license)
	f.Add(ul(1, 10), ul(2, 20), ul(1, 11))
	folded := f.Done()

	cases := []struct {
		name string
		rows []userRow
		want []userRow
	}{
		{name: "sets arrays, nil without children", rows: []userRow{{ID: 1}, {ID: 3}, {ID: 2}},
			want: []userRow{{ID: 1, Licenses: []int32{10, 11}}, {ID: 3}, {ID: 2, Licenses: []int32{20}}}},
		{name: "replaces what was there", rows: []userRow{{ID: 2, Licenses: []int32{1}}, {ID: 4, Licenses: []int32{1}}},
			want: []userRow{{ID: 2, Licenses: []int32{20}}, {ID: 4}}},
	}
	stage := stages.Attach(folded, func(u userRow) int64 { return u.ID }, func(u *userRow, l []int32) { u.Licenses = l })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := batchOf(tc.rows...)
			process(t, stage, b)
			require.Equal(t, tc.want, b.Rows)
			require.Nil(t, b.Raw)
		})
	}
}

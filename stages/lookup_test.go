package stages_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages"
)

// regions answers region codes with ids; "XX" does not exist.
func regions(_ context.Context, codes []string) (map[string]int64, error) {
	ids := map[string]int64{"DE-BE": 11, "DE-HH": 2, "FR-75": 75}
	out := map[string]int64{}
	for _, c := range codes {
		if id, ok := ids[c]; ok {
			out[c] = id
		}
	}
	return out, nil
}

type place struct {
	Code     string
	RegionID int64
}

func TestFetchMap(t *testing.T) {
	t.Parallel()

	errDown := errors.New("database down")
	cases := []struct {
		name     string
		fetch    func(context.Context, []string) (map[string]int64, error)
		keys     []string
		wantVals []int64
		wantErrs []string
	}{
		{name: "all found, any order", fetch: regions, keys: []string{"FR-75", "DE-BE"}, wantVals: []int64{75, 11}},
		{name: "missing keys get ErrNotFound", fetch: regions, keys: []string{"DE-HH", "XX"}, wantVals: []int64{2, 0},
			wantErrs: []string{"", "stages: not found: key XX"}},
		{name: "an error fails every key", fetch: func(context.Context, []string) (map[string]int64, error) { return nil, errDown },
			keys: []string{"DE-HH", "XX"}, wantVals: []int64{0, 0},
			wantErrs: []string{"stages: loader fetch of 2 keys failed: database down", "stages: loader fetch of 2 keys failed: database down"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := stages.NewLoader(stages.FetchMap(tc.fetch), stages.LoaderConfig[string, int64]{})
			defer l.Close()
			vals, errs := l.LoadMany(context.Background(), tc.keys)
			require.Equal(t, tc.wantVals, vals)
			if tc.wantErrs == nil {
				require.Nil(t, errs)
				return
			}
			for i, want := range tc.wantErrs {
				if want == "" {
					require.NoError(t, errs[i])
				} else {
					require.EqualError(t, errs[i], want)
				}
			}
		})
	}

	t.Run("not found unwraps to ErrNotFound", func(t *testing.T) {
		t.Parallel()
		l := stages.NewLoader(stages.FetchMap(regions), stages.LoaderConfig[string, int64]{})
		defer l.Close()
		_, err := l.Load(context.Background(), "XX")
		require.ErrorIs(t, err, stages.ErrNotFound)
	})
}

func TestLookup(t *testing.T) {
	t.Parallel()

	t.Run("sets values, rejects missing keys", func(t *testing.T) {
		t.Parallel()
		l := stages.NewLoader(stages.FetchMap(regions), stages.LoaderConfig[string, int64]{})
		defer l.Close()
		stage := stages.Lookup(l, func(p place) string { return p.Code }, func(p *place, id int64) { p.RegionID = id })
		b := batchOf(place{Code: "DE-BE"}, place{Code: "XX"}, place{Code: "FR-75"}, place{Code: "DE-BE"})
		process(t, stage, b)
		require.Equal(t, []place{{"DE-BE", 11}, {"FR-75", 75}, {"DE-BE", 11}}, b.Rows)
		require.Equal(t, []int64{2, 4, 5}, lines(b))
		require.Equal(t, map[int64]string{3: "stages: not found: key XX"}, rejected(b))
		require.ErrorIs(t, b.Rejects[0], stages.ErrNotFound)
		require.Nil(t, b.Raw)
	})

	errDown := errors.New("database down")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name  string
		ctx   context.Context
		fetch func(context.Context, []string) (map[string]int64, error)
		close bool
		want  error
	}{
		{name: "failed fetch fails the batch", ctx: context.Background(),
			fetch: func(context.Context, []string) (map[string]int64, error) { return nil, errDown }, want: errDown},
		{name: "ended ctx fails the batch", ctx: cancelled, fetch: regions, want: context.Canceled},
		{name: "closed loader fails the batch", ctx: context.Background(), fetch: regions, close: true, want: stages.ErrLoaderClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := stages.NewLoader(stages.FetchMap(tc.fetch), stages.LoaderConfig[string, int64]{})
			defer l.Close()
			if tc.close {
				l.Close()
			}
			stage := stages.Lookup(l, func(p place) string { return p.Code }, func(p *place, id int64) { p.RegionID = id })
			b := batchOf(place{Code: "DE-BE"}, place{Code: "XX"})
			err := stage.Process(tc.ctx, b)
			require.ErrorIs(t, err, tc.want)
			require.Empty(t, b.Rejects, "no row is blamed")
		})
	}
}

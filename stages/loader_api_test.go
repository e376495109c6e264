package stages_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages"
)

// cacheConfigs are the two ways a Loader caches: its built-in cache and a user's Cache.
func cacheConfigs() map[string]stages.LoaderConfig[int, string] {
	return map[string]stages.LoaderConfig[int, string]{
		"built-in cache": {NoBatch: true},
		"user Cache":     {NoBatch: true, Cache: &stages.MapCache[int, string]{}},
	}
}

func TestLoaderPrimeError(t *testing.T) {
	t.Parallel()
	errGone := errors.New("user deleted")
	for name, cfg := range cacheConfigs() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, rec := newLoader(t, values, cfg)
			ctx := context.Background()
			require.True(t, l.PrimeError(1, errGone))
			require.False(t, l.PrimeError(1, errors.New("other")), "no change when present")
			require.False(t, l.Prime(1, "value"), "no change when present")

			v, err := l.Load(ctx, 1)
			require.ErrorIs(t, err, errGone)
			require.Empty(t, v)
			_, err = l.LoadThunk(ctx, 1)()
			require.ErrorIs(t, err, errGone)
			vals, errs := l.LoadMany(ctx, []int{2, 1})
			require.Equal(t, []string{"v2", ""}, vals)
			require.NoError(t, errs[0])
			require.ErrorIs(t, errs[1], errGone)
			require.Equal(t, [][]int{{2}}, rec.Calls(), "the primed error is never fetched")

			l.Clear(1)
			v, err = l.Load(ctx, 1)
			require.NoError(t, err)
			require.Equal(t, "v1", v, "cleared, the key is fetched")
		})
	}
	t.Run("without a cache", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{NoCache: true, NoBatch: true})
		require.False(t, l.PrimeError(1, errGone))
		v, err := l.Load(context.Background(), 1)
		require.NoError(t, err)
		require.Equal(t, "v1", v)
	})
}

func TestLoaderPrimeMany(t *testing.T) {
	t.Parallel()
	for name, cfg := range cacheConfigs() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, rec := newLoader(t, values, cfg)
			ctx := context.Background()
			require.True(t, l.Prime(1, "primed"))
			require.Equal(t, 2, l.PrimeMany(map[int]string{1: "x", 2: "p2", 3: "p3"}), "1 was there")
			require.Zero(t, l.PrimeMany(nil))
			vals, errs := l.LoadMany(ctx, []int{1, 2, 3, 4})
			require.Nil(t, errs)
			require.Equal(t, []string{"primed", "p2", "p3", "v4"}, vals)
			require.Equal(t, [][]int{{4}}, rec.Calls())

			l.ClearMany([]int{2, 3})
			require.Equal(t, 2, l.PrimeMany(map[int]string{2: "q2", 3: "q3"}))
			vals, errs = l.LoadMany(ctx, []int{2, 3})
			require.Nil(t, errs)
			require.Equal(t, []string{"q2", "q3"}, vals)
		})
	}
}

func TestLoaderLoadManyThunk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("does not block, and thunks share batches", func(t *testing.T) {
		t.Parallel()
		// The window never ends: the batch is fetched only when full, so a
		// LoadManyThunk that waited for its keys would never return.
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 4})
		first := l.LoadManyThunk(ctx, []int{1, 2})
		one := l.LoadThunk(ctx, 3)
		second := l.LoadManyThunk(ctx, []int{2, 4}) // 2 joins; 4 fills the batch
		var wg sync.WaitGroup
		for range 3 { // any number of calls, from any goroutine
			wg.Go(func() {
				vals, errs := second()
				if errs != nil || fmt.Sprint(vals) != "[v2 v4]" {
					t.Errorf("second() = %q, %v", vals, errs)
				}
			})
		}
		vals, errs := first()
		require.Nil(t, errs)
		require.Equal(t, []string{"v1", "v2"}, vals)
		v, err := one()
		require.NoError(t, err)
		require.Equal(t, "v3", v)
		wg.Wait()
		require.Equal(t, [][]int{{1, 2, 3, 4}}, rec.Calls())
	})

	t.Run("errors per key, and the thunk's ctx bounds its wait", func(t *testing.T) {
		t.Parallel()
		errNo := errors.New("no such key")
		l, _ := newLoader(t, func(ctx context.Context, keys []int) ([]string, []error) {
			vals, _ := values(ctx, keys)
			errs := make([]error, len(keys))
			for i, k := range keys {
				if k == 2 {
					errs[i] = errNo
				}
			}
			return vals, errs
		}, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 3})
		cctx, cancel := context.WithCancel(ctx)
		abandoned := l.LoadManyThunk(cctx, []int{5})
		cancel()
		_, errs := abandoned()
		require.ErrorIs(t, errs[0], context.Canceled)

		vals, errs := l.LoadManyThunk(ctx, []int{1, 2})() // 1, 2 and 5 fill the batch
		require.Equal(t, []string{"v1", "v2"}, vals)
		require.Len(t, errs, 2)
		require.NoError(t, errs[0])
		require.ErrorIs(t, errs[1], errNo)
	})

	t.Run("closed loader", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{})
		require.NoError(t, l.Close())
		_, errs := l.LoadManyThunk(ctx, []int{1})()
		require.Equal(t, []error{stages.ErrLoaderClosed}, errs)
	})
}

func TestLoaderContextError(t *testing.T) {
	t.Parallel()

	t.Run("a load abandoned while waiting says so", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour})
		ctx, cancel := context.WithCancel(context.Background())
		th := l.LoadThunk(ctx, 7)
		cancel()
		_, err := th()
		require.ErrorIs(t, err, context.Canceled)
		require.EqualError(t, err, "stages: load of key 7 abandoned, its context ended: context canceled")
	})

	t.Run("the cause is wrapped too", func(t *testing.T) {
		t.Parallel()
		errShutdown := errors.New("server shutting down")
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour})
		ctx, cancel := context.WithCancelCause(context.Background())
		th := l.LoadThunk(ctx, 7)
		cancel(errShutdown)
		_, err := th()
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, errShutdown)
		require.EqualError(t, err, "stages: load of key 7 abandoned, its context ended: context canceled: server shutting down")
		_, err = l.Load(ctx, 8) // ended before the load
		require.ErrorIs(t, err, errShutdown)
		require.ErrorContains(t, err, "stages: load of key 8 abandoned")
	})
}

func TestLoaderCloseErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("every cancelled key, named", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour})
		m := l.LoadManyThunk(ctx, []int{3, 1, 3}) // 3 twice: one load
		err := l.Close()
		require.ErrorIs(t, err, stages.ErrLoaderClosed)
		require.EqualError(t, err, "stages: load of key 3 cancelled: stages: loader closed\n"+
			"stages: load of key 1 cancelled: stages: loader closed")
		_, errs := m()
		require.Equal(t, []error{stages.ErrLoaderClosed, stages.ErrLoaderClosed, stages.ErrLoaderClosed}, errs)
		require.NoError(t, l.Close(), "a later Close cancels nothing")
	})

	errRollback := errors.New("rollback failed")
	cases := []struct {
		name      string
		afterStop error // what the fetch returns once cancelled
		want      string
	}{
		{name: "a fetch that stops as cancelled adds nothing", afterStop: context.Canceled,
			want: "stages: load of key 5 cancelled: stages: loader closed"},
		{name: "a fetch that fails otherwise adds its error", afterStop: errRollback,
			want: "stages: load of key 5 cancelled: stages: loader closed\n" +
				"stages: loader fetch of 1 keys failed: rollback failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			l, _ := newLoader(t, func(ctx context.Context, keys []int) ([]string, []error) {
				close(started)
				<-ctx.Done()
				return nil, []error{tc.afterStop}
			}, stages.LoaderConfig[int, string]{NoBatch: true})
			th := l.LoadThunk(ctx, 5)
			<-started
			err := l.Close()
			require.EqualError(t, err, tc.want)
			require.ErrorIs(t, err, stages.ErrLoaderClosed)
			_, err = th()
			require.ErrorIs(t, err, stages.ErrLoaderClosed)
		})
	}

	t.Run("nothing pending, nothing returned", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{NoBatch: true})
		_, err := l.Load(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, l.Close())
	})
}

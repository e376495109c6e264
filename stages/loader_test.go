package stages_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages"
)

// recorder wraps a fetch function and records the keys of every call.
type recorder struct {
	fn func(ctx context.Context, keys []int) ([]string, []error)

	mu    sync.Mutex
	calls [][]int
}

func (r *recorder) fetch(ctx context.Context, keys []int) ([]string, []error) {
	r.mu.Lock()
	r.calls = append(r.calls, slices.Clone(keys))
	r.mu.Unlock()
	return r.fn(ctx, keys)
}

// Calls returns the keys of each fetch so far, sorted by first key (fetches of
// different batches may run in any order).
func (r *recorder) Calls() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.calls)
	slices.SortFunc(out, func(a, b []int) int { return slices.Compare(a, b) })
	return out
}

// values answers every key k with "v<k>".
func values(_ context.Context, keys []int) ([]string, []error) {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprint("v", k)
	}
	return out, nil
}

// newLoader returns a recorder over fn and a Loader using it, closed at the end of
// the test.
func newLoader(t *testing.T, fn func(context.Context, []int) ([]string, []error), cfg stages.LoaderConfig[int, string]) (*stages.Loader[int, string], *recorder) {
	t.Helper()
	r := &recorder{fn: fn}
	l := stages.NewLoader(r.fetch, cfg)
	t.Cleanup(func() { _ = l.Close() })
	return l, r
}

// hour is a batch window that never ends during a test: batches are fetched when full.
const hour = time.Hour

func TestLoaderBatching(t *testing.T) {
	t.Parallel()

	t.Run("concurrent loads share one fetch", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 8})
		p := pool.New().WithErrors()
		for k := range 8 {
			p.Go(func() error {
				if v, err := l.Load(context.Background(), k); v != fmt.Sprint("v", k) || err != nil {
					return fmt.Errorf("Load(%d) = %q, %v", k, v, err)
				}
				return nil
			})
		}
		require.NoError(t, p.Wait())
		calls := rec.Calls()
		require.Len(t, calls, 1)
		require.ElementsMatch(t, []int{0, 1, 2, 3, 4, 5, 6, 7}, calls[0])
	})

	t.Run("batches split at MaxBatch", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{MaxBatch: 4})
		vals, errs := l.LoadMany(context.Background(), []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
		require.Nil(t, errs)
		require.Equal(t, []string{"v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10"}, vals)
		require.Equal(t, [][]int{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10}}, rec.Calls())
	})

	t.Run("the window ends a batch", func(t *testing.T) {
		t.Parallel()
		const wait = 20 * time.Millisecond
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: wait})
		start := time.Now()
		one, two := l.LoadThunk(context.Background(), 1), l.LoadThunk(context.Background(), 2)
		v, err := two()
		require.NoError(t, err)
		require.Equal(t, "v2", v)
		require.GreaterOrEqual(t, time.Since(start), wait, "fetched when the window ended")
		v, err = one()
		require.NoError(t, err)
		require.Equal(t, "v1", v)
		require.Equal(t, [][]int{{1, 2}}, rec.Calls())
	})

	t.Run("NoBatch fetches every key alone", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{NoBatch: true, Wait: hour})
		vals, errs := l.LoadMany(context.Background(), []int{3, 1, 2})
		require.Nil(t, errs)
		require.Equal(t, []string{"v3", "v1", "v2"}, vals)
		require.Equal(t, [][]int{{1}, {2}, {3}}, rec.Calls())
	})

	t.Run("zero config works", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{})
		v, err := l.Load(context.Background(), 5)
		require.NoError(t, err)
		require.Equal(t, "v5", v)
	})
}

func TestLoaderFetchResults(t *testing.T) {
	t.Parallel()

	errNo := errors.New("no such key")
	errDown := errors.New("database down")
	keys := []int{1, 2, 3, 4}
	cases := []struct {
		name       string
		keys       []int
		fetch      func(context.Context, []int) ([]string, []error)
		wantVals   []string
		wantErrs   []string // per key; nil when all loaded
		wantCached bool     // a second LoadMany does not fetch again
	}{
		{
			name: "values, errs nil", keys: keys, fetch: values,
			wantVals: []string{"v1", "v2", "v3", "v4"}, wantCached: true,
		},
		{
			name: "single nil error means all loaded", keys: keys,
			fetch: func(ctx context.Context, keys []int) ([]string, []error) {
				v, _ := values(ctx, keys)
				return v, []error{nil}
			},
			wantVals: []string{"v1", "v2", "v3", "v4"}, wantCached: true,
		},
		{
			name: "per-key errors are returned and cached", keys: keys,
			fetch: func(ctx context.Context, keys []int) ([]string, []error) {
				v, _ := values(ctx, keys)
				errs := make([]error, len(keys))
				errs[1] = errNo
				return v, errs
			},
			wantVals: []string{"v1", "v2", "v3", "v4"}, wantErrs: []string{"", errNo.Error(), "", ""}, wantCached: true,
		},
		{
			name: "per-key error of a single key is cached", keys: []int{1},
			fetch:    func(context.Context, []int) ([]string, []error) { return []string{""}, []error{errNo} },
			wantVals: []string{""}, wantErrs: []string{errNo.Error()}, wantCached: true,
		},
		{
			name: "one error fails the batch, not cached", keys: keys,
			fetch:    func(context.Context, []int) ([]string, []error) { return nil, []error{errDown} },
			wantVals: make([]string, 4),
			wantErrs: slices.Repeat([]string{"stages: loader fetch of 4 keys failed: database down"}, 4),
		},
		{
			name: "one error for a single key with no values fails the batch", keys: []int{1},
			fetch:    func(context.Context, []int) ([]string, []error) { return nil, []error{errDown} },
			wantVals: make([]string, 1),
			wantErrs: []string{"stages: loader fetch of 1 keys failed: database down"},
		},
		{
			name: "too few values", keys: keys,
			fetch:    func(context.Context, []int) ([]string, []error) { return []string{"a", "b", "c"}, nil },
			wantVals: make([]string, 4),
			wantErrs: slices.Repeat([]string{"stages: loader fetch returned 3 values for 4 keys"}, 4),
		},
		{
			name: "too many values", keys: keys,
			fetch:    func(context.Context, []int) ([]string, []error) { return make([]string, 5), make([]error, 4) },
			wantVals: make([]string, 4),
			wantErrs: slices.Repeat([]string{"stages: loader fetch returned 5 values for 4 keys"}, 4),
		},
		{
			name: "errs of another length", keys: keys,
			fetch:    func(context.Context, []int) ([]string, []error) { return make([]string, 4), make([]error, 2) },
			wantVals: make([]string, 4),
			wantErrs: slices.Repeat([]string{"stages: loader fetch returned 2 errors for 4 keys"}, 4),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, rec := newLoader(t, tc.fetch, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: len(tc.keys)})
			for round := range 2 {
				vals, errs := l.LoadMany(context.Background(), tc.keys)
				require.Equal(t, tc.wantVals, vals)
				if tc.wantErrs == nil {
					require.Nil(t, errs)
				} else {
					require.Len(t, errs, len(tc.keys))
					for i, want := range tc.wantErrs {
						if want == "" {
							require.NoError(t, errs[i])
						} else {
							require.EqualError(t, errs[i], want)
						}
					}
				}
				wantCalls := round + 1
				if tc.wantCached {
					wantCalls = 1
				}
				require.Len(t, rec.Calls(), wantCalls, "round %d", round)
			}
		})
	}

	t.Run("failed batch errors unwrap to the cause", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, func(context.Context, []int) ([]string, []error) { return nil, []error{errDown} }, stages.LoaderConfig[int, string]{})
		_, err := l.Load(context.Background(), 1)
		require.ErrorIs(t, err, errDown)
		var fe *stages.FetchError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, 1, fe.Keys)
	})

	t.Run("a panic fails the batch with the stack, not cached", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, func(context.Context, []int) ([]string, []error) { panic("boom") },
			stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 2})
		for round := range 2 {
			_, errs := l.LoadMany(context.Background(), []int{1, 2})
			require.Len(t, errs, 2)
			for _, err := range errs {
				require.ErrorContains(t, err, "stages: loader fetch panicked: panic: boom")
				require.ErrorContains(t, err, "stacktrace:")
				var rec *panics.ErrRecovered
				require.ErrorAs(t, err, &rec)
				require.Equal(t, "boom", rec.Value)
			}
			require.Len(t, rec.Calls(), round+1)
		}
	})
}

func TestLoaderCache(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("loads of a key being fetched share the fetch", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 2})
		a, b := l.LoadThunk(ctx, 1), l.LoadThunk(ctx, 1) // the second joins the first
		c := l.LoadThunk(ctx, 2)                         // fills the batch
		for _, th := range []func() (string, error){a, b} {
			v, err := th()
			require.NoError(t, err)
			require.Equal(t, "v1", v)
		}
		_, err := c()
		require.NoError(t, err)
		v, err := l.Load(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, "v1", v)
		require.Equal(t, [][]int{{1, 2}}, rec.Calls())
	})

	t.Run("prime, clear", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{NoBatch: true})
		require.True(t, l.Prime(1, "primed"))
		require.False(t, l.Prime(1, "again"), "no change when present")
		v, err := l.Load(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, "primed", v)
		require.Empty(t, rec.Calls())

		require.Equal(t, 2, l.PrimeMany(map[int]string{1: "x", 2: "p2", 3: "p3"}))
		vals, errs := l.LoadMany(ctx, []int{1, 2, 3})
		require.Nil(t, errs)
		require.Equal(t, []string{"primed", "p2", "p3"}, vals)

		l.Clear(1)
		v, err = l.Load(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, "v1", v)
		require.Equal(t, [][]int{{1}}, rec.Calls())

		l.ClearMany([]int{2, 3})
		vals, errs = l.LoadMany(ctx, []int{1, 2, 3})
		require.Nil(t, errs)
		require.Equal(t, []string{"v1", "v2", "v3"}, vals)
		require.Equal(t, [][]int{{1}, {2}, {3}}, rec.Calls())

		l.ClearAll()
		vals, errs = l.LoadMany(ctx, []int{1, 2})
		require.Nil(t, errs)
		require.Equal(t, []string{"v1", "v2"}, vals)
		require.Len(t, rec.Calls(), 5)
	})

	t.Run("prime does not replace a fetch under way", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 2})
		th := l.LoadThunk(ctx, 1)
		require.False(t, l.Prime(1, "primed"))
		_, _ = l.Load(ctx, 2) // fills the batch
		v, err := th()
		require.NoError(t, err)
		require.Equal(t, "v1", v)
	})

	t.Run("clear during a fetch keeps its result out of the cache", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 2})
		th := l.LoadThunk(ctx, 1)
		l.Clear(1)
		_, _ = l.Load(ctx, 2) // fills the batch
		v, err := th()
		require.NoError(t, err, "the waiting load still gets its result")
		require.Equal(t, "v1", v)
		_ = l.LoadThunk(ctx, 1)
		_, _ = l.Load(ctx, 3)
		require.Equal(t, [][]int{{1, 2}, {1, 3}}, rec.Calls(), "1 was fetched again")
	})

	t.Run("CacheKey shares fetch and cache between spellings", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		var got [][]string
		l := stages.NewLoader(func(_ context.Context, names []string) ([]int, []error) {
			mu.Lock()
			got = append(got, slices.Clone(names))
			mu.Unlock()
			return slices.Repeat([]int{42}, len(names)), nil
		}, stages.LoaderConfig[string, int]{Wait: hour, MaxBatch: 2, CacheKey: strings.ToLower})
		defer l.Close()
		a, b := l.LoadThunk(ctx, "Bob"), l.LoadThunk(ctx, "bob")
		_, _ = l.Load(ctx, "Ann") // fills the batch
		for _, th := range []func() (int, error){a, b} {
			v, err := th()
			require.NoError(t, err)
			require.Equal(t, 42, v)
		}
		v, err := l.Load(ctx, "BOB")
		require.NoError(t, err)
		require.Equal(t, 42, v)
		require.Equal(t, [][]string{{"Bob", "Ann"}}, got, "the fetch gets keys as first requested")
	})

	t.Run("custom cache", func(t *testing.T) {
		t.Parallel()
		cache := &stages.MapCache[int, string]{}
		cache.Set(7, stages.Entry[string]{Value: "seven"})
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Cache: cache, NoBatch: true})
		v, err := l.Load(ctx, 7)
		require.NoError(t, err)
		require.Equal(t, "seven", v)
		_, err = l.Load(ctx, 8)
		require.NoError(t, err)
		require.Equal(t, 2, cache.Len())
		require.Equal(t, [][]int{{8}}, rec.Calls())
	})

	t.Run("NoCache passes duplicate keys and fetches every time", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{NoCache: true, Wait: hour, MaxBatch: 3})
		for range 2 {
			vals, errs := l.LoadMany(ctx, []int{1, 1, 2})
			require.Nil(t, errs)
			require.Equal(t, []string{"v1", "v1", "v2"}, vals)
		}
		require.Equal(t, [][]int{{1, 1, 2}, {1, 1, 2}}, rec.Calls())
		require.False(t, l.Prime(1, "x"))
		require.Zero(t, l.PrimeMany(map[int]string{1: "x"}))
		l.Clear(1)
		l.ClearMany([]int{1})
		l.ClearAll()
	})
}

// ctxKey is the key of a context value passed to fetches.
type ctxKey struct{}

func TestLoaderContext(t *testing.T) {
	t.Parallel()

	t.Run("a caller's cancellation does not reach the fetch or the others", func(t *testing.T) {
		t.Parallel()
		started, release := make(chan struct{}), make(chan struct{})
		type seen struct {
			err   error
			value any
		}
		fetched := make(chan seen, 1)
		l, _ := newLoader(t, func(ctx context.Context, keys []int) ([]string, []error) {
			close(started)
			<-release
			fetched <- seen{err: ctx.Err(), value: ctx.Value(ctxKey{})}
			return values(ctx, keys)
		}, stages.LoaderConfig[int, string]{Wait: hour, MaxBatch: 2})

		first, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "first"))
		a := l.LoadThunk(first, 1)
		b := l.LoadThunk(context.Background(), 2) // fills the batch
		<-started
		cancel()
		_, err := a()
		require.ErrorIs(t, err, context.Canceled, "the cancelled caller returns at once")
		close(release)
		v, err := b()
		require.NoError(t, err)
		require.Equal(t, "v2", v)
		require.Equal(t, seen{err: nil, value: "first"}, <-fetched, "the fetch keeps the first caller's values, not its cancellation")
		v, err = l.Load(context.Background(), 1)
		require.NoError(t, err)
		require.Equal(t, "v1", v, "the abandoned key's result was cached")
	})

	t.Run("a caller's deadline does not reach the fetch", func(t *testing.T) {
		t.Parallel()
		hasDeadline := make(chan bool, 1)
		l, _ := newLoader(t, func(ctx context.Context, keys []int) ([]string, []error) {
			_, ok := ctx.Deadline()
			hasDeadline <- ok
			return values(ctx, keys)
		}, stages.LoaderConfig[int, string]{NoBatch: true})
		ctx, cancel := context.WithTimeout(context.Background(), hour)
		defer cancel()
		_, err := l.Load(ctx, 1)
		require.NoError(t, err)
		require.False(t, <-hasDeadline)
	})

	t.Run("an ended ctx loads nothing", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{NoBatch: true})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := l.Load(ctx, 1)
		require.ErrorIs(t, err, context.Canceled)
		_, err = l.LoadThunk(ctx, 1)()
		require.ErrorIs(t, err, context.Canceled)
		vals, errs := l.LoadMany(ctx, []int{1, 2})
		require.Equal(t, []string{"", ""}, vals)
		require.Len(t, errs, 2)
		for i, err := range errs {
			require.ErrorIs(t, err, context.Canceled)
			require.EqualError(t, err, fmt.Sprintf("stages: load of key %d abandoned, its context ended: context canceled", i+1))
		}
		require.Empty(t, rec.Calls())
	})

	t.Run("FetchTimeout bounds the fetch", func(t *testing.T) {
		t.Parallel()
		l, _ := newLoader(t, func(ctx context.Context, _ []int) ([]string, []error) {
			<-ctx.Done()
			return nil, []error{ctx.Err()}
		}, stages.LoaderConfig[int, string]{NoBatch: true, FetchTimeout: time.Millisecond})
		_, err := l.Load(context.Background(), 1)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		var fe *stages.FetchError
		require.ErrorAs(t, err, &fe)
	})
}

func TestLoaderClose(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("fails loads waiting for a window", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{Wait: hour})
		th := l.LoadThunk(ctx, 1)
		res := make(chan error, 1)
		go func() { _, err := th(); res <- err }()
		err := l.Close()
		require.ErrorIs(t, err, stages.ErrLoaderClosed)
		require.EqualError(t, err, "stages: load of key 1 cancelled: stages: loader closed")
		require.ErrorIs(t, <-res, stages.ErrLoaderClosed)
		require.Empty(t, rec.Calls(), "the batch was never fetched")
	})

	t.Run("fails loads at once, cancels the fetch and waits for it", func(t *testing.T) {
		t.Parallel()
		started, release := make(chan struct{}), make(chan struct{})
		cause := make(chan error, 1)
		l, _ := newLoader(t, func(ctx context.Context, keys []int) ([]string, []error) {
			close(started)
			<-ctx.Done()
			cause <- context.Cause(ctx)
			<-release // a slow fetch: Close must wait, its callers must not
			return values(ctx, keys)
		}, stages.LoaderConfig[int, string]{NoBatch: true})
		th := l.LoadThunk(ctx, 1)
		<-started
		closed := make(chan struct{})
		go func() { l.Close(); close(closed) }()
		_, err := th()
		require.ErrorIs(t, err, stages.ErrLoaderClosed)
		require.ErrorIs(t, <-cause, stages.ErrLoaderClosed)
		select {
		case <-closed:
			t.Fatal("Close returned before the fetch did")
		default:
		}
		close(release)
		<-closed
	})

	t.Run("loads after Close fail", func(t *testing.T) {
		t.Parallel()
		l, rec := newLoader(t, values, stages.LoaderConfig[int, string]{})
		require.True(t, l.Prime(1, "primed"))
		require.NoError(t, l.Close(), "nothing was pending")
		require.NoError(t, l.Close()) // idempotent
		_, err := l.Load(ctx, 1)
		require.ErrorIs(t, err, stages.ErrLoaderClosed, "even a cached key")
		_, err = l.Load(ctx, 2)
		require.ErrorIs(t, err, stages.ErrLoaderClosed)
		_, err = l.LoadThunk(ctx, 2)()
		require.ErrorIs(t, err, stages.ErrLoaderClosed)
		_, errs := l.LoadMany(ctx, []int{1, 2})
		require.Equal(t, []error{stages.ErrLoaderClosed, stages.ErrLoaderClosed}, errs)
		require.False(t, l.Prime(3, "x"))
		l.Clear(1)
		l.ClearAll()
		require.Empty(t, rec.Calls())
	})
}

func TestLoaderConfigPanics(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name string
		cfg  stages.LoaderConfig[int, string]
		want string
	}{
		{name: "negative Wait", cfg: stages.LoaderConfig[int, string]{Wait: -1}, want: "stages: LoaderConfig.Wait must not be negative, got -1ns"},
		{name: "negative MaxBatch", cfg: stages.LoaderConfig[int, string]{MaxBatch: -1}, want: "stages: LoaderConfig.MaxBatch must not be negative, got -1"},
		{name: "negative FetchTimeout", cfg: stages.LoaderConfig[int, string]{FetchTimeout: -time.Second}, want: "stages: LoaderConfig.FetchTimeout must not be negative, got -1s"},
		{name: "Cache with NoCache", cfg: stages.LoaderConfig[int, string]{NoCache: true, Cache: &stages.MapCache[int, string]{}},
			want: "stages: LoaderConfig.Cache is set but NoCache is true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.PanicsWithValue(t, tc.want, func() { stages.NewLoader(values, tc.cfg) })
		})
	}
	t.Run("nil fetch", func(t *testing.T) {
		t.Parallel()
		require.PanicsWithValue(t, "stages: NewLoader needs a non-nil function", func() {
			stages.NewLoader[int, string](nil, stages.LoaderConfig[int, string]{})
		})
	})
}

func TestLoaderConcurrentUse(t *testing.T) {
	t.Parallel()

	// Many goroutines load, prime and clear overlapping keys; every load must still
	// return its key's value, and Close must leave no goroutine behind.
	for _, cfg := range []stages.LoaderConfig[int, string]{
		{MaxBatch: 16},
		{MaxBatch: 16, NoCache: true},
		{NoBatch: true},
	} {
		l, _ := newLoader(t, values, cfg)
		p := pool.New().WithErrors()
		for g := range 16 {
			p.Go(func() error {
				for i := range 300 {
					k := (g*31 + i*17) % 100
					want := fmt.Sprint("v", k)
					switch i % 50 {
					case 7:
						l.Clear(k)
					case 13:
						l.Prime(k, want)
					case 29:
						vals, errs := l.LoadMany(context.Background(), []int{k, k + 1, k})
						if errs != nil || !slices.Equal(vals, []string{want, fmt.Sprint("v", k+1), want}) {
							return fmt.Errorf("LoadMany(%d) = %q, %v", k, vals, errs)
						}
					default:
						if v, err := l.Load(context.Background(), k); v != want || err != nil {
							return fmt.Errorf("Load(%d) = %q, %v", k, v, err)
						}
					}
				}
				return nil
			})
		}
		require.NoError(t, p.Wait())
		require.NoError(t, l.Close())
	}
}

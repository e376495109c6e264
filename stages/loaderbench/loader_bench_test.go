package loaderbench

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/vikstrous/dataloadgen"

	"github.com/tmimport/tmimport/stages"
)

// window is the batch window every contender gets (dataloadgen's default).
const window = 16 * time.Millisecond

// fetch is a trivial in-memory batch function: the value of k is 2k.
func fetch(_ context.Context, ks []int) ([]int, []error) {
	out := make([]int, len(ks))
	for i, k := range ks {
		out[i] = 2 * k
	}
	return out, nil
}

// loader is what the workloads need of a contender.
type loader struct {
	load     func(ctx context.Context, k int) (int, error)
	loadMany func(ctx context.Context, ks []int) ([]int, error)
	close    func() // stages must be closed; the peers have nothing to close
}

// contender builds a new loader with the window, the batch capacity and caching on.
type contender struct {
	name string
	make func(capacity int) loader
}

var contenders = []contender{
	{"tmimport", func(capacity int) loader {
		l := stages.NewLoader(fetch, stages.LoaderConfig[int, int]{Wait: window, MaxBatch: capacity})
		return loader{
			load: l.Load,
			loadMany: func(ctx context.Context, ks []int) ([]int, error) {
				vals, errs := l.LoadMany(ctx, ks)
				return vals, firstError(errs)
			},
			close: func() { l.Close() },
		}
	}},
	{"dataloadgen", func(capacity int) loader {
		l := dataloadgen.NewLoader(fetch, dataloadgen.WithWait(window), dataloadgen.WithBatchCapacity(capacity))
		return loader{load: l.Load, loadMany: l.LoadAll, close: func() {}}
	}},
	{"graph-gophers", func(capacity int) loader {
		batch := func(ctx context.Context, ks []int) []*dataloader.Result[int] {
			vals, _ := fetch(ctx, ks)
			out := make([]*dataloader.Result[int], len(ks))
			for i, v := range vals {
				out[i] = &dataloader.Result[int]{Data: v}
			}
			return out
		}
		l := dataloader.NewBatchedLoader(batch, dataloader.WithWait[int, int](window), dataloader.WithBatchCapacity[int, int](capacity))
		return loader{
			load: func(ctx context.Context, k int) (int, error) { return l.Load(ctx, k)() },
			loadMany: func(ctx context.Context, ks []int) ([]int, error) {
				vals, errs := l.LoadMany(ctx, ks)()
				return vals, firstError(errs)
			},
			close: func() {},
		}
	}},
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkValues fails b unless vals[i] is the value of ks[i].
func checkValues(b testing.TB, ks, vals []int, err error) {
	if err != nil || len(vals) != len(ks) {
		b.Fatalf("LoadMany: %d values for %d keys, %v", len(vals), len(ks), err)
	}
	for i, k := range ks {
		if vals[i] != 2*k {
			b.Fatalf("LoadMany: key %d = %d", k, vals[i])
		}
	}
}

func keysUpTo(n int) []int {
	ks := make([]int, n)
	for i := range ks {
		ks[i] = i * 7 // not 0..n-1, so a loader can't index by key
	}
	return ks
}

// BenchmarkCacheHit is workload (a): one Load of a cached key per op, from RunParallel
// goroutines, on a loader whose 10,000 keys were loaded by one LoadMany.
func BenchmarkCacheHit(b *testing.B) {
	const n = 10_000
	ks := keysUpTo(n)
	for _, c := range contenders {
		b.Run("lib="+c.name, func(b *testing.B) {
			l := c.make(n)
			defer l.close()
			vals, err := l.loadMany(context.Background(), ks)
			checkValues(b, ks, vals, err)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				i := 0
				for pb.Next() {
					k := ks[i*7919%n]
					if v, err := l.load(ctx, k); v != 2*k || err != nil {
						b.Errorf("Load(%d) = %d, %v", k, v, err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkGoroutines is workload (b): per op, a new loader with a batch capacity of
// 100 and 100 goroutines each loading a distinct key, so the batch fills and is
// fetched at once. The op includes building the loader, the goroutines and Close.
func BenchmarkGoroutines(b *testing.B) {
	const n = 100
	ks := keysUpTo(n)
	for _, c := range contenders {
		b.Run("lib="+c.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				l := c.make(n)
				var wg sync.WaitGroup
				var failed sync.Once
				for _, k := range ks {
					wg.Go(func() {
						if v, err := l.load(ctx, k); v != 2*k || err != nil {
							failed.Do(func() { b.Errorf("Load(%d) = %d, %v", k, v, err) })
						}
					})
				}
				wg.Wait()
				l.close()
			}
		})
	}
}

// BenchmarkLoadMany is workload (c): per op, a new loader with a batch capacity of
// 1,000 and one LoadMany of 1,000 distinct keys. The op includes building the loader
// and Close.
func BenchmarkLoadMany(b *testing.B) {
	const n = 1000
	ks := keysUpTo(n)
	for _, c := range contenders {
		b.Run("lib="+c.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				l := c.make(n)
				vals, err := l.loadMany(ctx, ks)
				checkValues(b, ks, vals, err)
				l.close()
			}
		})
	}
}

// TestContenders runs each workload once per contender, under the race detector in
// `go test -race`: every contender must return every key's value.
func TestContenders(t *testing.T) {
	ctx := context.Background()
	ks := keysUpTo(100)
	for _, c := range contenders {
		t.Run(c.name, func(t *testing.T) {
			l := c.make(len(ks))
			var wg sync.WaitGroup
			for _, k := range ks {
				wg.Go(func() {
					if v, err := l.load(ctx, k); v != 2*k || err != nil {
						t.Errorf("Load(%d) = %d, %v", k, v, err)
					}
				})
			}
			wg.Wait()
			vals, err := l.loadMany(ctx, ks) // all cached now
			checkValues(t, ks, vals, err)
			l.close()

			l = c.make(len(ks))
			vals, err = l.loadMany(ctx, ks)
			checkValues(t, ks, vals, err)
			l.close()
		})
	}
}

// BenchmarkPaired runs the three workloads with the contenders interleaved op by op
// (the order rotating every op), timing each contender's part of every op, so that a
// busy spell of a shared machine falls on all of them alike. It reports each
// contender's ns per op of the workload (for cache-hit, per load: an op is 1,000
// serial loads of cached keys) and tmimport's time over each peer's. B/op comes from
// the per-contender benchmarks above.
func BenchmarkPaired(b *testing.B) {
	ctx := context.Background()
	workloads := []struct {
		name  string
		per   int // loads per op, to report per load
		setup func(c contender) loader
		op    func(b *testing.B, c contender, l loader)
	}{
		{"cache-hit", 1000,
			func(c contender) loader {
				ks := keysUpTo(10_000)
				l := c.make(len(ks))
				vals, err := l.loadMany(ctx, ks)
				checkValues(b, ks, vals, err)
				return l
			},
			func(b *testing.B, _ contender, l loader) {
				for i := range 1000 {
					k := (i * 7919 % 10_000) * 7
					if v, err := l.load(ctx, k); v != 2*k || err != nil {
						b.Fatalf("Load(%d) = %d, %v", k, v, err)
					}
				}
			}},
		{"goroutines", 1, nil, func(b *testing.B, c contender, _ loader) {
			ks := keysUpTo(100)
			l := c.make(len(ks))
			var wg sync.WaitGroup
			var failed sync.Once
			for _, k := range ks {
				wg.Go(func() {
					if v, err := l.load(ctx, k); v != 2*k || err != nil {
						failed.Do(func() { b.Errorf("Load(%d) = %d, %v", k, v, err) })
					}
				})
			}
			wg.Wait()
			l.close()
		}},
		{"loadmany", 1, nil, func(b *testing.B, c contender, _ loader) {
			ks := keysUpTo(1000)
			l := c.make(len(ks))
			vals, err := l.loadMany(ctx, ks)
			checkValues(b, ks, vals, err)
			l.close()
		}},
	}
	for _, w := range workloads {
		b.Run("workload="+w.name, func(b *testing.B) {
			loaders := make([]loader, len(contenders))
			if w.setup != nil {
				for i, c := range contenders {
					loaders[i] = w.setup(c)
					defer loaders[i].close()
				}
			}
			for i, c := range contenders { // untimed: the first op makes goroutines and stacks the next ones reuse
				w.op(b, c, loaders[i])
			}
			spent := make([]time.Duration, len(contenders))
			n := 0
			for b.Loop() {
				for j := range contenders {
					i := (n + j) % len(contenders)
					start := time.Now()
					w.op(b, contenders[i], loaders[i])
					spent[i] += time.Since(start)
				}
				n++
			}
			per := float64(n * w.per)
			for i, c := range contenders {
				b.ReportMetric(float64(spent[i])/per, c.name+"-ns/op")
				if i > 0 {
					b.ReportMetric(float64(spent[0])/float64(spent[i]), "tmimport/"+c.name)
				}
			}
			b.ReportMetric(0, "ns/op") // the sum of the three: not a figure to compare
		})
	}
}

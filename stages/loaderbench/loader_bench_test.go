package loaderbench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/vikstrous/dataloadgen"

	"github.com/tmimport/tmimport/stages"
)

// The workload: 64 goroutines make 100,000 loads over 10,000 keys, each key 10 times.
const (
	goroutines = 64
	loads      = 100_000
	keys       = 10_000
)

// keyOf returns the key of load n: 7919 is prime to 10,000, so the keys of the
// 100,000 loads cover each key exactly ten times, in a scattered order.
func keyOf(n int) int { return n * 7919 % keys }

// fetch is a trivial in-memory batch function.
func fetch(_ context.Context, ks []int) ([]int, []error) {
	out := make([]int, len(ks))
	for i, k := range ks {
		out[i] = 2 * k
	}
	return out, nil
}

// loadFunc loads one key.
type loadFunc func(ctx context.Context, k int) (int, error)

// contender builds a loader for one run and returns its load function and a cleanup.
type contender struct {
	name string
	make func(cfg config) (loadFunc, func())
}

// config is the one configuration applied to every contender.
type config struct {
	wait     time.Duration
	maxBatch int
	cache    bool
}

var contenders = []contender{
	{"stages", func(c config) (loadFunc, func()) {
		l := stages.NewLoader(fetch, stages.LoaderConfig[int, int]{Wait: c.wait, MaxBatch: c.maxBatch, NoCache: !c.cache})
		return l.Load, l.Close
	}},
	{"dataloadgen", func(c config) (loadFunc, func()) {
		opts := []dataloadgen.Option{dataloadgen.WithWait(c.wait), dataloadgen.WithBatchCapacity(c.maxBatch)}
		if !c.cache {
			opts = append(opts, dataloadgen.WithoutCache())
		}
		l := dataloadgen.NewLoader(fetch, opts...)
		return l.Load, func() {}
	}},
	{"dataloader", func(c config) (loadFunc, func()) {
		batch := func(ctx context.Context, ks []int) []*dataloader.Result[int] {
			vals, _ := fetch(ctx, ks)
			out := make([]*dataloader.Result[int], len(ks))
			for i, v := range vals {
				out[i] = &dataloader.Result[int]{Data: v}
			}
			return out
		}
		opts := []dataloader.Option[int, int]{dataloader.WithWait[int, int](c.wait), dataloader.WithBatchCapacity[int, int](c.maxBatch)}
		if !c.cache {
			opts = append(opts, dataloader.WithCache[int, int](&dataloader.NoCache[int, int]{}))
		}
		l := dataloader.NewBatchedLoader(batch, opts...)
		return func(ctx context.Context, k int) (int, error) { return l.Load(ctx, k)() }, func() {}
	}},
}

// run makes the 100,000 loads from 64 goroutines and checks every value.
func run(b *testing.B, load loadFunc) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for n := g; n < loads; n += goroutines {
				k := keyOf(n)
				if v, err := load(ctx, k); err != nil || v != 2*k {
					errs <- fmt.Errorf("load %d = %d, %v", k, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkLoad runs the workload once per op on a new loader.
//
//   - cold: caching on, the loader starts empty (10,000 fetched keys, 90,000 hits);
//   - uncached: caching off, all 100,000 loads are fetched;
//   - warm: caching on, every key primed by a first pass before the timer: 100,000 hits.
//
// "window" uses the same 1ms window and 1000-key batches for everyone (stages'
// defaults): with 64 goroutines no batch fills, so every batch waits for its window.
// "full" caps batches at 64 keys, the number of goroutines, so batches are fetched as
// soon as every goroutine waits and the loaders' own overhead shows.
func BenchmarkLoad(b *testing.B) {
	setups := []struct {
		name string
		cfg  config
	}{
		{"window", config{wait: time.Millisecond, maxBatch: 1000}},
		{"full", config{wait: time.Millisecond, maxBatch: goroutines}},
	}
	for _, setup := range setups {
		for _, mode := range []string{"cold", "uncached", "warm"} {
			if mode == "warm" && setup.name == "window" {
				continue // pure cache hits: the batch settings don't matter
			}
			for _, c := range contenders {
				b.Run(fmt.Sprintf("setup=%s/mode=%s/lib=%s", setup.name, mode, c.name), func(b *testing.B) {
					cfg := setup.cfg
					cfg.cache = mode != "uncached"
					b.ReportAllocs()
					for b.Loop() {
						b.StopTimer()
						load, done := c.make(cfg)
						if mode == "warm" {
							run(b, load)
						}
						b.StartTimer()
						run(b, load)
						b.StopTimer()
						done()
						b.StartTimer()
					}
				})
			}
		}
	}
}

// BenchmarkCacheHit measures one load of a cached key, from parallel goroutines.
func BenchmarkCacheHit(b *testing.B) {
	for _, c := range contenders {
		b.Run("lib="+c.name, func(b *testing.B) {
			load, done := c.make(config{wait: time.Millisecond, maxBatch: 1000, cache: true})
			defer done()
			run(b, load) // prime every key
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				n := 0
				for pb.Next() {
					if _, err := load(ctx, keyOf(n)); err != nil {
						b.Error(err)
						return
					}
					n++
				}
			})
		})
	}
}

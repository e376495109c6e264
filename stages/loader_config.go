package stages

import (
	"cmp"
	"fmt"
	"time"
)

// Defaults for [LoaderConfig] fields left zero.
const (
	// LoaderWaitDefault is the default batch window.
	LoaderWaitDefault = time.Millisecond
	// LoaderMaxBatchDefault is the default most keys per fetch.
	LoaderMaxBatchDefault = 1000
)

// LoaderConfig configures a [Loader]. A zero field means its default, so the zero
// LoaderConfig batches with a 1ms window, up to 1000 keys per fetch, and caches every
// result in the Loader's built-in cache, which never evicts.
type LoaderConfig[K comparable, V any] struct {
	// Wait is the batch window: how long a batch collects keys, counted from its first
	// key, before it is fetched. A batch that reaches MaxBatch keys is fetched at once.
	// Defaults to [LoaderWaitDefault] (1ms).
	Wait time.Duration
	// MaxBatch is the most keys passed to one fetch call; more keys are split over
	// several fetches. Defaults to [LoaderMaxBatchDefault] (1000).
	MaxBatch int
	// NoBatch turns batching off: every load that is not answered from the cache or by
	// a fetch already under way is fetched alone, at once. Defaults to false.
	NoBatch bool
	// NoCache turns caching off: every load reaches a fetch, and a key loaded twice
	// within one window reaches the fetch twice. Defaults to false.
	NoCache bool
	// Cache stores results and per-key errors instead of the Loader's built-in cache,
	// to bound or share it (see [Cache]). It must be nil when NoCache is set. Defaults
	// to nil: the built-in cache, one map that also tracks the fetches under way and
	// never evicts. For a long import, use one Loader per table or call
	// [Loader.ClearAll] between tables.
	Cache Cache[K, V]
	// CacheKey maps a key to the key under which its result is cached and its fetch is
	// shared, for keys with several spellings (user names in any case, say). The fetch
	// receives keys as first requested. Defaults to the key itself.
	CacheKey func(K) K
	// FetchTimeout bounds every fetch call: its context is cancelled after that long.
	// Defaults to 0: no limit (the fetch context still ends when the Loader closes).
	FetchTimeout time.Duration
}

// WithDefaults returns a copy of c with zero fields set to their defaults. Cache stays
// nil when unset: nil is the built-in cache.
func (c LoaderConfig[K, V]) WithDefaults() LoaderConfig[K, V] {
	c.Wait = cmp.Or(c.Wait, LoaderWaitDefault)
	c.MaxBatch = cmp.Or(c.MaxBatch, LoaderMaxBatchDefault)
	return c
}

// validate returns an error naming the first invalid field.
func (c *LoaderConfig[K, V]) validate() error {
	switch {
	case c.Wait < 0:
		return fmt.Errorf("stages: LoaderConfig.Wait must not be negative, got %s", c.Wait)
	case c.MaxBatch < 0:
		return fmt.Errorf("stages: LoaderConfig.MaxBatch must not be negative, got %d", c.MaxBatch)
	case c.FetchTimeout < 0:
		return fmt.Errorf("stages: LoaderConfig.FetchTimeout must not be negative, got %s", c.FetchTimeout)
	case c.NoCache && c.Cache != nil:
		return fmt.Errorf("stages: LoaderConfig.Cache is set but NoCache is true")
	}
	return nil
}

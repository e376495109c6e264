package stages

import "sync"

// Entry is one cached load result: the value and the per-key error the fetch returned
// for a key.
type Entry[V any] struct {
	Value V
	Err   error
}

// Cache stores a [Loader]'s results by cache key (see LoaderConfig.CacheKey).
//
// It must be safe for concurrent use. The Loader calls Get on every load without
// holding a lock of its own, and Set, Delete and Clear while holding its lock, so a
// Cache must be quick and must never call back into the Loader. A Cache may evict
// entries at any time (an evicted key is simply fetched again); it only ever receives
// results of successful fetches, per-key errors and what Prime, PrimeMany and
// PrimeError store, never the error of a failed fetch.
type Cache[K comparable, V any] interface {
	// Get returns the entry stored for key and whether there is one.
	Get(key K) (Entry[V], bool)
	// Set stores e for key, replacing any entry.
	Set(key K, e Entry[V])
	// Delete removes key's entry, if any.
	Delete(key K)
	// Clear removes every entry.
	Clear()
}

// MapCache is a [Cache] in a map guarded by a [sync.RWMutex], so cache hits from many
// goroutines proceed in parallel and allocate nothing. It never evicts. It stores what
// the Loader's built-in cache stores, in a map of its own, for a Cache to share between
// Loaders or to wrap. A zero MapCache is empty and ready to use.
type MapCache[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]Entry[V]
}

// Get implements [Cache].
func (c *MapCache[K, V]) Get(key K) (Entry[V], bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	return e, ok
}

// Set implements [Cache].
func (c *MapCache[K, V]) Set(key K, e Entry[V]) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[K]Entry[V])
	}
	c.m[key] = e
	c.mu.Unlock()
}

// Delete implements [Cache].
func (c *MapCache[K, V]) Delete(key K) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// Clear implements [Cache]. It releases the map's memory.
func (c *MapCache[K, V]) Clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// Len returns the number of entries.
func (c *MapCache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

var _ Cache[int, int] = (*MapCache[int, int])(nil)

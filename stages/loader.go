package stages

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrLoaderClosed is returned by the loads of a [Loader] that is closed or closing.
var ErrLoaderClosed = errors.New("stages: loader closed")

// Loader coalesces the loads of many goroutines into batched calls of a fetch function
// and caches the results: the DataLoader pattern (graphql/dataloader, aiodataloader) for
// Go. A stage that resolves a foreign key per row calls [Loader.Load] or
// [Loader.LoadMany] (or uses [Lookup]), and the Loader makes one fetch per batch of keys.
//
// # Batching
//
// The first load that needs a fetch opens a batch. Loads in the next LoaderConfig.Wait
// (1ms) join it, and it is fetched when that window ends or as soon as it holds
// LoaderConfig.MaxBatch keys (1000), whichever comes first. Loads issued one after the
// other by a single goroutine never share a window, because each waits for its result:
// use [Loader.LoadMany], [Loader.LoadThunk] or several goroutines.
//
// # The fetch function
//
// fetch(ctx, keys) returns values and errors matched to keys by position. values must
// hold len(keys) entries. errs may be nil (every key loaded), hold len(keys) entries
// (errs[i] is the error of keys[i], nil when it loaded), or hold one error, with nil
// values, to fail the whole call.
//
// A per-key error goes to that key's callers and is cached like a value. A fetch that
// fails as a whole (a single error, values of the wrong length, errs of another length,
// or a panic, recovered with its stack) gives every key of the batch a *[FetchError],
// and nothing of it is cached: the next load of those keys fetches again.
//
// Each fetch runs in a goroutine of its own: the one [time.AfterFunc] starts when the
// window ends, or one the Loader starts when a batch fills. The Loader tracks them all
// and Close waits for them. Fetches of different batches may overlap. A fetch must not
// keep keys after it returns.
//
// # Caching
//
// With caching on (the default) a key is fetched once: later loads are answered from
// the [Cache], and loads of a key whose fetch is under way wait for that fetch. A cache
// hit takes no lock of the Loader and allocates nothing. With LoaderConfig.NoCache every
// load reaches a fetch, and a key loaded twice in one window appears twice in keys;
// graph-gophers/dataloader, vikstrous/dataloadgen and JavaScript's DataLoader don't
// deduplicate without their cache either.
//
// # Context
//
// A caller's ctx bounds only its own wait: when it ends, the load returns ctx.Err() at
// once and the fetch goes on for the batch's other callers (and its result is cached as
// usual). The fetch runs with a context that carries the values of the batch's first
// caller (trace ids, loggers) but none of its cancellation or deadline, as
// [context.WithoutCancel] does. That context is cancelled when the Loader closes, with
// cause [ErrLoaderClosed], and after LoaderConfig.FetchTimeout when one is set. This
// avoids the leak of one caller's cancellation into the others' loads known from
// graph-gophers/dataloader (issues #80 and #121) and vikstrous/dataloadgen (#11), which
// pass the first caller's ctx to the fetch.
//
// # Closing
//
// [Loader.Close] fails every pending load at once with [ErrLoaderClosed], cancels the
// running fetches and waits for them to return, so no goroutine of the Loader outlives
// Close (a fetch that ignores its ctx delays Close, not the loads). Loads after Close
// return ErrLoaderClosed. A Loader whose cache is on never evicts by default: build one
// per import (or per table), close it at the end, and see [Cache] for bounded caches.
//
// A Loader is safe for concurrent use. Build it with [NewLoader].
type Loader[K comparable, V any] struct {
	fetch    func(context.Context, []K) ([]V, []error)
	wait     time.Duration
	maxBatch int           // 1 when batching is off
	timeout  time.Duration // FetchTimeout
	cache    Cache[K, V]   // nil when caching is off
	cacheKey func(K) K     // nil: the key itself

	closed atomic.Bool // set under mu by Close; read without it on the hit path

	mu      sync.Mutex
	open    *loaderBatch[K, V]              // the batch collecting keys, if any
	running map[*loaderBatch[K, V]]struct{} // batches dispatched and not yet done
	pending map[K]loadSlot[K, V]            // cache key → slot of a fetch not yet done
	hint    int                             // size of the last batch, to size the next
	fetches sync.WaitGroup                  // armed windows and running fetches
}

// NewLoader returns a Loader that fetches with fetch, configured by cfg (see
// [LoaderConfig]; its zero value gives the defaults). Call [Loader.Close] when done.
//
// NewLoader panics if fetch is nil or cfg is invalid (a negative duration or MaxBatch,
// or Cache set together with NoCache): a programming error.
func NewLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) ([]V, []error), cfg LoaderConfig[K, V]) *Loader[K, V] {
	mustFunc(fetch == nil, "NewLoader")
	if err := cfg.validate(); err != nil {
		panic(err.Error())
	}
	cfg = cfg.WithDefaults()
	l := &Loader[K, V]{
		fetch:    fetch,
		wait:     cfg.Wait,
		maxBatch: cfg.MaxBatch,
		timeout:  cfg.FetchTimeout,
		cache:    cfg.Cache,
		cacheKey: cfg.CacheKey,
	}
	if cfg.NoBatch {
		l.maxBatch = 1
	}
	l.running = make(map[*loaderBatch[K, V]]struct{})
	if l.cache != nil {
		l.pending = make(map[K]loadSlot[K, V])
	}
	return l
}

// Load returns the value for key, from the cache or from a batched fetch, or the
// key's error. It returns ctx.Err() as soon as ctx ends, and [ErrLoaderClosed] when
// the Loader is closed. A cache hit returns without waiting, even when ctx has ended.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	if l.closed.Load() {
		var zero V
		return zero, ErrLoaderClosed
	}
	if l.cache != nil {
		if e, ok := l.cache.Get(l.ck(key)); ok {
			return e.Value, e.Err
		}
	}
	s, e, err := l.enqueue(ctx, key)
	switch {
	case err != nil:
		var zero V
		return zero, err
	case s.b == nil: // cached meanwhile
		return e.Value, e.Err
	}
	return l.await(ctx, s)
}

// LoadThunk starts loading key and returns a function that waits for the result, as
// [Loader.Load] would. It lets one goroutine put many keys into the same batch before
// waiting for any of them. The function may be called any number of times.
func (l *Loader[K, V]) LoadThunk(ctx context.Context, key K) func() (V, error) {
	if l.closed.Load() {
		return func() (V, error) { var zero V; return zero, ErrLoaderClosed }
	}
	if l.cache != nil {
		if e, ok := l.cache.Get(l.ck(key)); ok {
			return func() (V, error) { return e.Value, e.Err }
		}
	}
	s, e, err := l.enqueue(ctx, key)
	switch {
	case err != nil:
		return func() (V, error) { var zero V; return zero, err }
	case s.b == nil: // cached meanwhile
		return func() (V, error) { return e.Value, e.Err }
	}
	return func() (V, error) { return l.await(ctx, s) }
}

// LoadMany loads keys as [Loader.Load] would, all in the same batches, and returns the
// values in the order of keys. errs is nil when every key loaded; otherwise it holds
// len(keys) entries, errs[i] being the error of keys[i] or nil.
func (l *Loader[K, V]) LoadMany(ctx context.Context, keys []K) (values []V, errs []error) {
	m := manyResult[V]{values: make([]V, len(keys))}
	if l.closed.Load() {
		for i := range keys {
			m.set(i, m.values[i], ErrLoaderClosed)
		}
		return m.values, m.errs
	}
	todo := l.hits(keys, &m)
	if len(todo) == 0 {
		return m.values, m.errs
	}
	slots, err := l.enqueueMany(ctx, keys, todo, &m)
	for j, i := range todo {
		switch {
		case err != nil:
			m.set(i, m.values[i], err)
		case slots[j].b != nil:
			v, err := l.await(ctx, slots[j])
			m.set(i, v, err)
		}
	}
	return m.values, m.errs
}

// manyResult collects the results of LoadMany; errs is allocated at the first error.
type manyResult[V any] struct {
	values []V
	errs   []error
}

func (m *manyResult[V]) set(i int, v V, err error) {
	m.values[i] = v
	if err != nil {
		if m.errs == nil {
			m.errs = make([]error, len(m.values))
		}
		m.errs[i] = err
	}
}

// hits answers the keys the cache holds, without locking the Loader, and returns the
// indexes of the others.
func (l *Loader[K, V]) hits(keys []K, m *manyResult[V]) (todo []int) {
	for i, k := range keys {
		if l.cache != nil {
			if e, ok := l.cache.Get(l.ck(k)); ok {
				m.set(i, e.Value, e.Err)
				continue
			}
		}
		todo = append(todo, i)
	}
	return todo
}

// enqueueMany finds or makes the slots of keys[i] for i in todo, under one lock. Keys
// the cache answered meanwhile are set in m and get a zero slot.
func (l *Loader[K, V]) enqueueMany(ctx context.Context, keys []K, todo []int, m *manyResult[V]) ([]loadSlot[K, V], error) {
	if err := l.lock(ctx); err != nil {
		return nil, err
	}
	defer l.mu.Unlock()
	slots := make([]loadSlot[K, V], len(todo))
	for j, i := range todo {
		s, e, hit := l.slotLocked(ctx, keys[i])
		if hit {
			m.set(i, e.Value, e.Err)
			continue
		}
		slots[j] = s
	}
	return slots, nil
}

// Prime stores value for key in the cache, unless the key is cached or being fetched
// already (then nothing changes), and reports whether it stored it. Prime does
// nothing without a cache.
func (l *Loader[K, V]) Prime(key K, value V) bool {
	if l.cache == nil {
		return false
	}
	ck := l.ck(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.primeLocked(ck, value)
}

// PrimeMany primes keys[i] with values[i] as [Loader.Prime] does and returns how many
// it stored. It panics if keys and values differ in length.
func (l *Loader[K, V]) PrimeMany(keys []K, values []V) int {
	if len(keys) != len(values) {
		panic("stages: Loader.PrimeMany: keys and values differ in length")
	}
	if l.cache == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for i, k := range keys {
		if l.primeLocked(l.ck(k), values[i]) {
			n++
		}
	}
	return n
}

func (l *Loader[K, V]) primeLocked(ck K, value V) bool {
	if l.closed.Load() {
		return false
	}
	if _, ok := l.pending[ck]; ok {
		return false
	}
	if _, ok := l.cache.Get(ck); ok {
		return false
	}
	l.cache.Set(ck, Entry[V]{Value: value})
	return true
}

// Clear removes key from the cache. A fetch of key under way still answers the loads
// waiting for it, but its result is not cached, and the next load fetches again.
func (l *Loader[K, V]) Clear(key K) {
	if l.cache == nil {
		return
	}
	ck := l.ck(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pending, ck)
	l.cache.Delete(ck)
}

// ClearMany clears keys as [Loader.Clear] does.
func (l *Loader[K, V]) ClearMany(keys []K) {
	if l.cache == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		ck := l.ck(k)
		delete(l.pending, ck)
		l.cache.Delete(ck)
	}
}

// ClearAll empties the cache, as [Loader.Clear] does for every key.
func (l *Loader[K, V]) ClearAll() {
	if l.cache == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.pending)
	l.cache.Clear()
}

// Close fails every pending load with [ErrLoaderClosed], cancels the running fetches
// (their context's cause is ErrLoaderClosed) and waits for them to return. Loads after
// Close return ErrLoaderClosed. Close leaves the cache as it is, and may be called more
// than once and from several goroutines; every call waits for the fetches.
func (l *Loader[K, V]) Close() {
	l.mu.Lock()
	if !l.closed.Swap(true) {
		if b := l.open; b != nil {
			l.open = nil
			l.shut(b)
			l.finish(b, nil, nil, ErrLoaderClosed)
		}
		for b := range l.running {
			if b.cancel != nil {
				b.cancel(ErrLoaderClosed)
			}
			l.finish(b, nil, nil, ErrLoaderClosed)
		}
		l.pending = nil
	}
	l.mu.Unlock()
	l.fetches.Wait()
}

// ck returns the cache key of key.
func (l *Loader[K, V]) ck(key K) K {
	if l.cacheKey == nil {
		return key
	}
	return l.cacheKey(key)
}

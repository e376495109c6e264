package stages

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrLoaderClosed is returned by the loads of a [Loader] that is closed or closing.
var ErrLoaderClosed = errors.New("stages: loader closed")

// loaderFirstBatch is how many keys a fresh Loader sizes its first batch and its map
// for (at most MaxBatch): a fresh loader used by many goroutines then fills its first
// batch without growing either. Later batches are sized like the previous one.
const loaderFirstBatch = 128

// Loader coalesces the loads of many goroutines into batched calls of a fetch function
// and caches the results: the DataLoader pattern (graphql/dataloader, aiodataloader,
// dloader) for Go. A stage that resolves a foreign key per row calls [Loader.Load] or
// [Loader.LoadMany] (or uses [Lookup]), and the Loader makes one fetch per batch of keys.
// The package documentation lists how it differs from those libraries, and why.
//
// # Batching
//
// The first load that needs a fetch opens a batch. Loads in the next LoaderConfig.Wait
// (1ms) join it, and it is fetched when that window ends or as soon as it holds
// LoaderConfig.MaxBatch keys (1000), whichever comes first. Loads issued one after the
// other by a single goroutine never share a window, because each waits for its result:
// use [Loader.LoadMany], [Loader.LoadThunk], [Loader.LoadManyThunk] or several
// goroutines.
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
// keep keys after it returns; the Loader keeps the values slice it returns (the cache
// reads results from it).
//
// # Caching
//
// With caching on (the default) a key is fetched once: later loads are answered from
// the cache, and loads of a key whose fetch is under way wait for that fetch. The
// built-in cache is one map per Loader, from cache key to the result's place in its
// batch, that also tracks the fetches under way; a user's [Cache] (LoaderConfig.Cache)
// is used instead when set. A cache hit takes only a read lock and allocates nothing.
// With LoaderConfig.NoCache every load reaches a fetch, and a key loaded twice in one
// window appears twice in keys; graph-gophers/dataloader, vikstrous/dataloadgen and
// JavaScript's DataLoader don't deduplicate without their cache either.
//
// # Context
//
// A caller's ctx bounds only its own wait: when it ends, the load returns at once with
// an error that wraps ctx.Err() (and the cause, if any) and names the key, and the
// fetch goes on for the batch's other callers (and its result is cached as usual). The
// fetch runs with a context that carries the values of the batch's first caller (trace
// ids, loggers) but none of its cancellation or deadline, as [context.WithoutCancel]
// does. That context is cancelled when the Loader closes, with cause
// [ErrLoaderClosed], and after LoaderConfig.FetchTimeout when one is set. This avoids
// the leak of one caller's cancellation into the others' loads known from
// graph-gophers/dataloader (issues #80 and #121) and vikstrous/dataloadgen (#11), which
// pass the first caller's ctx to the fetch.
//
// # Closing
//
// [Loader.Close] fails every pending load at once with [ErrLoaderClosed], cancels the
// running fetches and waits for them to return, so no goroutine of the Loader outlives
// Close (a fetch that ignores its ctx delays Close, not the loads), and returns the
// errors of what it cancelled. Loads after Close return ErrLoaderClosed. A Loader whose
// cache is on never evicts by default: build one per import (or per request, or per
// table), close it at the end, and see [Cache] for bounded caches.
//
// A Loader is safe for concurrent use. Build it with [NewLoader].
type Loader[K comparable, V any] struct {
	fetch    func(context.Context, []K) ([]V, []error)
	wait     time.Duration
	maxBatch int           // 1 when batching is off
	timeout  time.Duration // FetchTimeout
	own      bool          // caching in slots (the built-in cache)
	cache    Cache[K, V]   // a user's Cache; nil with the built-in cache or NoCache
	cacheKey func(K) K     // nil: the key itself

	closed atomic.Bool // set under mu by Close; read without it on the hit path
	// cached is set once the built-in cache may hold a settled entry. Until then a
	// load goes straight to the write lock: on a fresh Loader every load misses or
	// joins a fetch under way, and a read lock taken first would only make it wait
	// behind the writers (a reader parks at once when a writer holds the lock).
	cached atomic.Bool

	// mu guards what follows. Cache hits of the built-in cache take it for reading.
	mu sync.RWMutex
	// slots maps a cache key to the slot of its result: with the built-in cache, for
	// fetches under way and settled ones (the cache itself); with a user's Cache, for
	// fetches under way only; nil with NoCache. It is made at the first miss.
	slots     map[K]loadSlot[K, V]
	open      *loaderBatch[K, V]   // the batch collecting keys, if any
	running   []*loaderBatch[K, V] // batches dispatched and not yet done
	hint      int                  // size of the last batch, to size the next
	closeErrs []error              // errors of the fetches Close cancelled, for Close
	fetches   sync.WaitGroup       // armed windows and running fetches
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
		own:      !cfg.NoCache && cfg.Cache == nil,
		cache:    cfg.Cache,
		cacheKey: cfg.CacheKey,
	}
	if cfg.NoBatch {
		l.maxBatch = 1
	}
	l.hint = min(l.maxBatch, loaderFirstBatch)
	return l
}

// Load returns the value for key, from the cache or from a batched fetch, or the
// key's error. It returns as soon as ctx ends, with an error wrapping ctx.Err(), and
// [ErrLoaderClosed] when the Loader is closed. A cache hit returns without waiting,
// even when ctx has ended.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	s, e, err := l.start(ctx, key)
	switch {
	case err != nil:
		var zero V
		return zero, err
	case s.b == nil: // a cache hit
		return e.Value, e.Err
	}
	return l.await(ctx, key, s)
}

// LoadThunk starts loading key and returns a function that waits for the result, as
// [Loader.Load] would. It lets one goroutine put many keys into the same batch before
// waiting for any of them. The function may be called any number of times.
func (l *Loader[K, V]) LoadThunk(ctx context.Context, key K) func() (V, error) {
	s, e, err := l.start(ctx, key)
	switch {
	case err != nil:
		return func() (V, error) { var zero V; return zero, err }
	case s.b == nil: // a cache hit
		return func() (V, error) { return e.Value, e.Err }
	}
	return func() (V, error) { return l.await(ctx, key, s) }
}

// start answers key from the cache (s.b is nil, e is the entry) or finds the slot of
// its fetch, enqueueing it if needed.
func (l *Loader[K, V]) start(ctx context.Context, key K) (s loadSlot[K, V], e Entry[V], err error) {
	if l.closed.Load() {
		return s, e, ErrLoaderClosed
	}
	ck := l.ck(key)
	switch {
	case l.own && l.cached.Load():
		l.mu.RLock()
		s, ok := l.slots[ck]
		l.mu.RUnlock()
		if ok {
			if s.b.settled.Load() {
				e.Value, e.Err = s.b.result(s.i)
				return loadSlot[K, V]{}, e, nil
			}
			return s, e, nil // join the fetch under way, without the write lock
		}
	case l.cache != nil:
		if e, ok := l.cache.Get(ck); ok {
			return s, e, nil
		}
	}
	if err := l.lock(ctx, key); err != nil {
		return s, e, err
	}
	s, e, _ = l.slotLocked(ctx, key, ck, 1)
	if b := l.open; b != nil && b.timer == nil {
		l.arm(b)
	}
	l.mu.Unlock()
	return s, e, nil
}

// LoadMany loads keys as [Loader.Load] would, all in the same batches, and returns the
// values in the order of keys. errs is nil when every key loaded; otherwise it holds
// len(keys) entries, errs[i] being the error of keys[i] or nil.
func (l *Loader[K, V]) LoadMany(ctx context.Context, keys []K) (values []V, errs []error) {
	m := l.startMany(ctx, keys)
	m.wait(ctx, l, keys)
	return m.values, m.errs
}

// LoadManyThunk starts loading keys as [Loader.LoadMany] would and returns a function
// that waits for the results and returns what LoadMany would. It does not block: like
// [Loader.LoadThunk], it lets one goroutine put the keys of several calls (or of
// several Loaders) into their batches before waiting for any. The function may be
// called any number of times, from any goroutine; ctx bounds every wait.
func (l *Loader[K, V]) LoadManyThunk(ctx context.Context, keys []K) func() ([]V, []error) {
	m := l.startMany(ctx, keys)
	var once sync.Once
	return func() ([]V, []error) {
		once.Do(func() { m.wait(ctx, l, keys) })
		return m.values, m.errs
	}
}

// manyResult collects the results of LoadMany; errs is allocated at the first error.
// slots[j] is the slot of keys[first+j] when its result is still to come.
type manyResult[K comparable, V any] struct {
	values []V
	errs   []error
	first  int
	slots  []loadSlot[K, V]
}

func (m *manyResult[K, V]) set(i int, v V, err error) {
	m.values[i] = v
	if err != nil {
		if m.errs == nil {
			m.errs = make([]error, len(m.values))
		}
		m.errs[i] = err
	}
}

// wait sets the results still to come.
func (m *manyResult[K, V]) wait(ctx context.Context, l *Loader[K, V], keys []K) {
	for j, s := range m.slots {
		if s.b != nil {
			v, err := l.await(ctx, keys[m.first+j], s)
			m.set(m.first+j, v, err)
		}
	}
	m.slots = nil
}

// startMany answers what it can of keys from the cache and enqueues the rest under
// one lock. With the built-in cache, the keys up to the first one not settled are
// answered under the read lock only, so a LoadMany of cached keys takes no write lock.
func (l *Loader[K, V]) startMany(ctx context.Context, keys []K) manyResult[K, V] {
	m := manyResult[K, V]{values: make([]V, len(keys))}
	if l.closed.Load() {
		for i := range keys {
			m.set(i, m.values[i], ErrLoaderClosed)
		}
		return m
	}
	first := 0
	switch {
	case l.own && l.cached.Load():
		l.mu.RLock()
		for ; first < len(keys); first++ {
			s, ok := l.slots[l.ck(keys[first])]
			if !ok || !s.b.settled.Load() {
				break
			}
			v, err := s.b.result(s.i)
			m.set(first, v, err)
		}
		l.mu.RUnlock()
	case l.cache != nil:
		for ; first < len(keys); first++ {
			e, ok := l.cache.Get(l.ck(keys[first]))
			if !ok {
				break
			}
			m.set(first, e.Value, e.Err)
		}
	}
	if first == len(keys) {
		return m
	}
	if err := l.lock(ctx, keys[first]); err != nil {
		for i := first; i < len(keys); i++ {
			if i > first {
				err = l.lockError(ctx, keys[i])
			}
			m.set(i, m.values[i], err)
		}
		return m
	}
	m.first = first
	m.slots = make([]loadSlot[K, V], len(keys)-first)
	for j, k := range keys[first:] {
		s, e, hit := l.slotLocked(ctx, k, l.ck(k), len(keys)-first-j)
		if hit {
			m.set(first+j, e.Value, e.Err)
			continue
		}
		m.slots[j] = s
	}
	if b := l.open; b != nil && b.timer == nil {
		l.arm(b)
	}
	l.mu.Unlock()
	return m
}

// Prime stores value for key in the cache, unless the key is cached or being fetched
// already (then nothing changes), and reports whether it stored it. Prime does
// nothing without a cache. Clear the key first to replace its entry.
func (l *Loader[K, V]) Prime(key K, value V) bool {
	return l.primeOne(key, Entry[V]{Value: value})
}

// PrimeError stores err as the error of key, as [Loader.Prime] stores a value: loads
// of key return err, as if a fetch had returned it for key, until the key is cleared.
// A nil err primes the zero value.
func (l *Loader[K, V]) PrimeError(key K, err error) bool {
	return l.primeOne(key, Entry[V]{Err: err})
}

func (l *Loader[K, V]) primeOne(key K, e Entry[V]) bool {
	if !l.caching() {
		return false
	}
	ck := l.ck(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.primable(ck) {
		return false
	}
	if !l.own {
		l.cache.Set(ck, e)
		return true
	}
	b := settledBatch[K, V](1)
	b.vals = append(b.vals, e.Value)
	if e.Err != nil {
		b.errs = []error{e.Err}
	}
	l.insertLocked(ck, loadSlot[K, V]{b: b}, 1)
	l.cached.Store(true)
	return true
}

// PrimeMany primes every key of values with its value, as [Loader.Prime] does, and
// returns how many it stored.
func (l *Loader[K, V]) PrimeMany(values map[K]V) int {
	if !l.caching() || len(values) == 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *loaderBatch[K, V]
	n := 0
	for k, v := range values {
		ck := l.ck(k)
		if !l.primable(ck) {
			continue
		}
		n++
		if !l.own {
			l.cache.Set(ck, Entry[V]{Value: v})
			continue
		}
		if b == nil {
			b = settledBatch[K, V](len(values))
		}
		b.vals = append(b.vals, v) // within its capacity: slots see the same array
		l.insertLocked(ck, loadSlot[K, V]{b: b, i: len(b.vals) - 1}, len(values))
		l.cached.Store(true)
	}
	return n
}

// caching reports whether the Loader has a cache.
func (l *Loader[K, V]) caching() bool { return l.own || l.cache != nil }

// primable reports whether ck may be primed: the Loader is open and ck is neither
// cached nor being fetched. The caller holds l.mu.
func (l *Loader[K, V]) primable(ck K) bool {
	if l.closed.Load() {
		return false
	}
	if _, ok := l.slots[ck]; ok {
		return false
	}
	if l.cache != nil {
		if _, ok := l.cache.Get(ck); ok {
			return false
		}
	}
	return true
}

// Clear removes key from the cache. A fetch of key under way still answers the loads
// waiting for it, but its result is not cached, and the next load fetches again.
func (l *Loader[K, V]) Clear(key K) {
	if !l.caching() {
		return
	}
	ck := l.ck(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.slots, ck)
	if l.cache != nil {
		l.cache.Delete(ck)
	}
}

// ClearMany clears keys as [Loader.Clear] does.
func (l *Loader[K, V]) ClearMany(keys []K) {
	if !l.caching() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		ck := l.ck(k)
		delete(l.slots, ck)
		if l.cache != nil {
			l.cache.Delete(ck)
		}
	}
}

// ClearAll empties the cache, as [Loader.Clear] does for every key, and releases the
// built-in cache's memory.
func (l *Loader[K, V]) ClearAll() {
	if !l.caching() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slots = nil
	if l.cache != nil {
		l.cache.Clear()
	}
}

// Close fails every pending load with [ErrLoaderClosed], cancels the running fetches
// (their context's cause is ErrLoaderClosed) and waits for them to return. Loads after
// Close return ErrLoaderClosed. Close leaves the cache as it is, and may be called more
// than once and from several goroutines; every call waits for the fetches.
//
// Close returns what it cancelled, joined with [errors.Join]: for every key whose load
// was pending, an error naming the key that wraps ErrLoaderClosed, and for every
// cancelled fetch that then failed otherwise than by its cancellation, its
// *[FetchError] (dloader's shutdown reports the same). It returns nil when nothing was
// pending, and later calls return nil.
func (l *Loader[K, V]) Close() error {
	var errs []error
	l.mu.Lock()
	if !l.closed.Swap(true) {
		if b := l.open; b != nil {
			l.open = nil
			l.shut(b)
			errs = appendCancelled(errs, b.keys)
			l.finish(b, nil, nil, ErrLoaderClosed)
		}
		for _, b := range l.running {
			if b.cancel != nil {
				b.cancel(ErrLoaderClosed)
			}
			b.cancelled = true
			errs = appendCancelled(errs, b.keys)
			l.finish(b, nil, nil, ErrLoaderClosed)
		}
	}
	l.mu.Unlock()
	l.fetches.Wait()
	l.mu.Lock()
	errs = append(errs, l.closeErrs...)
	l.closeErrs = nil
	l.mu.Unlock()
	return errors.Join(errs...)
}

// appendCancelled appends the error of every key whose load Close cancelled.
func appendCancelled[K any](errs []error, keys []K) []error {
	for _, k := range keys {
		errs = append(errs, fmt.Errorf("stages: load of key %v cancelled: %w", k, ErrLoaderClosed))
	}
	return errs
}

// ck returns the cache key of key.
func (l *Loader[K, V]) ck(key K) K {
	if l.cacheKey == nil {
		return key
	}
	return l.cacheKey(key)
}

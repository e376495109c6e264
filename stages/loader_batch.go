package stages

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/panics"
)

// FetchError is the error every key of a batch gets when its fetch failed as a whole:
// the fetch returned a single error, values or errors of the wrong length, or panicked.
// It is never cached. Use [errors.As] to tell it from a per-key error, and
// [errors.Unwrap] for the cause.
type FetchError struct {
	// Keys is the number of keys in the failed batch.
	Keys int
	// Err is the cause: the fetch's error, a length mismatch, or for a panic a
	// *panics.ErrRecovered (sourcegraph/conc) carrying the panic value and the stack.
	Err error

	what string // how it failed, for Error
}

// Error describes the failure, e.g. "stages: loader fetch returned 3 values for 4 keys".
func (e *FetchError) Error() string {
	if e.what == "" {
		return fmt.Sprintf("stages: loader fetch of %d keys failed: %v", e.Keys, e.Err)
	}
	return fmt.Sprintf("stages: loader fetch %s", e.what)
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// loadSlot locates the result of one load: entry i of batch b.
type loadSlot[K comparable, V any] struct {
	b *loaderBatch[K, V]
	i int
}

// loaderBatch is one fetch: the keys it collects and, once settled, the results. Its
// fields are guarded by the Loader's mu until it is settled, and read-only after
// (keys is dropped then); keys no longer change once the batch is shut, so the fetch
// reads them unlocked. The built-in cache keeps settled batches as its entries: a
// primed key is a batch of its own, settled from the start.
type loaderBatch[K comparable, V any] struct {
	ctx       context.Context // the first caller's, for its values
	keys      []K
	timer     *time.Timer             // the window; nil until armed, and when batching is off
	shut      bool                    // takes no more keys: dispatched, or failed by Close
	cancel    context.CancelCauseFunc // cancels the running fetch
	cancelled bool                    // Close failed it while it ran
	pos       int                     // index in the Loader's running

	settled atomic.Bool   // the results below are set; read without a lock on the hit path
	done    chan struct{} // closed when settled
	vals    []V
	errs    []error // nil, or one per key
	err     error   // the whole batch failed: every key gets it
}

// closedDone is the done channel of batches settled from the start (primed keys).
var closedDone = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// settledBatch returns a settled batch with room for n values, for primed keys.
func settledBatch[K comparable, V any](n int) *loaderBatch[K, V] {
	b := &loaderBatch[K, V]{done: closedDone, vals: make([]V, 0, n)}
	b.settled.Store(true)
	return b
}

// result returns the value and error of entry i. The batch is settled.
func (b *loaderBatch[K, V]) result(i int) (V, error) {
	if b.err != nil {
		var zero V
		return zero, b.err
	}
	if b.errs != nil {
		return b.vals[i], b.errs[i]
	}
	return b.vals[i], nil
}

// contextError is the error of a load of key abandoned because ctx ended: it says so
// and wraps ctx.Err() and, when it differs, the cause.
func contextError[K any](ctx context.Context, key K) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("stages: load of key %v abandoned, its context ended: %w: %w", key, err, cause)
	}
	return fmt.Errorf("stages: load of key %v abandoned, its context ended: %w", key, err)
}

// lock locks l.mu for a load of key, unless ctx has ended or the Loader is closed.
func (l *Loader[K, V]) lock(ctx context.Context, key K) error {
	if ctx.Err() != nil {
		return contextError(ctx, key)
	}
	l.mu.Lock()
	if l.closed.Load() {
		l.mu.Unlock()
		return ErrLoaderClosed
	}
	return nil
}

// lockError is the error lock would return now for key, once it has failed.
func (l *Loader[K, V]) lockError(ctx context.Context, key K) error {
	if ctx.Err() != nil {
		return contextError(ctx, key)
	}
	return ErrLoaderClosed
}

// slotLocked returns the slot that will hold key's result (cache key ck): the slot of
// a fetch of ck already under way, or a new slot in the open batch. hit reports that
// the cache answered instead; then e is the entry and s is zero. want is how many
// keys the caller is about to add, to size what it makes. The caller holds l.mu and
// has checked l.closed, and arms the open batch after its last key.
func (l *Loader[K, V]) slotLocked(ctx context.Context, key, ck K, want int) (s loadSlot[K, V], e Entry[V], hit bool) {
	if !l.caching() {
		return l.addLocked(ctx, key, want), e, false
	}
	if s, ok := l.slots[ck]; ok {
		if l.own && s.b.settled.Load() {
			e.Value, e.Err = s.b.result(s.i)
			return loadSlot[K, V]{}, e, true
		}
		return s, e, false
	}
	if l.cache != nil {
		if e, ok := l.cache.Get(ck); ok {
			return s, e, true
		}
	}
	s = l.addLocked(ctx, key, want)
	l.insertLocked(ck, s, want)
	return s, e, false
}

// insertLocked records slot s for ck, making the map at the first insert, sized for
// want keys or a batch, whichever is more. The caller holds l.mu.
func (l *Loader[K, V]) insertLocked(ck K, s loadSlot[K, V], want int) {
	if l.slots == nil {
		l.slots = make(map[K]loadSlot[K, V], max(want, l.hint))
	}
	l.slots[ck] = s
}

// addLocked adds key to the open batch, opening one if needed, and dispatches the
// batch when it is full. The caller holds l.mu.
func (l *Loader[K, V]) addLocked(ctx context.Context, key K, want int) loadSlot[K, V] {
	b := l.open
	if b == nil {
		b = &loaderBatch[K, V]{
			ctx:  ctx,
			keys: make([]K, 0, min(l.maxBatch, max(want, l.hint, 8))),
			done: make(chan struct{}),
		}
		l.open = b
	}
	b.keys = append(b.keys, key)
	s := loadSlot[K, V]{b: b, i: len(b.keys) - 1}
	if len(b.keys) >= l.maxBatch {
		l.dispatchLocked(b)
		l.fetches.Go(func() { l.run(b) })
	}
	return s
}

// arm starts the window of the open batch b. Loads arm the batch they leave open
// after adding their keys, so a batch that one LoadMany fills never starts a timer.
// The caller holds l.mu.
func (l *Loader[K, V]) arm(b *loaderBatch[K, V]) {
	l.fetches.Add(1) // the window's goroutine; Done in expire, or by shut
	b.timer = time.AfterFunc(l.wait, func() { l.expire(b) })
}

// dispatchLocked takes the open batch b out of collection and records it as running;
// the caller then runs it. The caller holds l.mu.
func (l *Loader[K, V]) dispatchLocked(b *loaderBatch[K, V]) {
	l.open = nil
	l.shut(b)
	b.pos = len(l.running)
	l.running = append(l.running, b)
}

// shut closes b to new keys and stops its window (a no-op when the window has ended).
// The caller holds l.mu.
func (l *Loader[K, V]) shut(b *loaderBatch[K, V]) {
	b.shut = true
	l.hint = len(b.keys)
	if b.timer != nil && b.timer.Stop() {
		l.fetches.Done() // expire will not run
	}
}

// expire runs when b's window ends, in the goroutine time.AfterFunc started, and
// fetches b unless it was dispatched (full) or failed (Close) meanwhile.
func (l *Loader[K, V]) expire(b *loaderBatch[K, V]) {
	defer l.fetches.Done()
	l.mu.Lock()
	if b.shut {
		l.mu.Unlock()
		return
	}
	l.dispatchLocked(b)
	l.mu.Unlock()
	l.run(b)
}

// run fetches b and publishes the results, unless Close failed b first.
func (l *Loader[K, V]) run(b *loaderBatch[K, V]) {
	l.mu.Lock()
	if b.settled.Load() { // failed by Close before it started
		l.dropRunning(b)
		l.mu.Unlock()
		return
	}
	ctx, cancel := l.fetchContext(b.ctx)
	defer cancel(nil)
	b.cancel = cancel
	keys := b.keys
	l.mu.Unlock()

	vals, errs, err := l.call(ctx, keys)
	l.mu.Lock()
	l.dropRunning(b)
	if b.cancelled && err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrLoaderClosed) {
		l.closeErrs = append(l.closeErrs, err)
	}
	l.finish(b, vals, errs, err)
	l.mu.Unlock()
}

// dropRunning removes b from l.running. The caller holds l.mu.
func (l *Loader[K, V]) dropRunning(b *loaderBatch[K, V]) {
	last := len(l.running) - 1
	l.running[b.pos] = l.running[last]
	l.running[b.pos].pos = b.pos
	l.running[last] = nil
	l.running = l.running[:last]
}

// finish publishes the results of b and wakes its loads, unless b is settled already
// (failed by Close). With the built-in cache the results stay where they are, in b,
// and a failed batch takes its keys out of the cache; with a user's Cache, the results
// of the keys whose slot is still b's move to it (a key cleared meanwhile is not
// cached, and a failed batch caches nothing). Either way a load made by a woken
// caller sees them. The caller holds l.mu.
func (l *Loader[K, V]) finish(b *loaderBatch[K, V], vals []V, errs []error, err error) {
	if b.settled.Load() {
		return
	}
	b.vals, b.errs, b.err, b.ctx, b.cancel = vals, errs, err, nil, nil
	if l.caching() && (err != nil || !l.own) {
		for i, k := range b.keys {
			ck := l.ck(k)
			if l.slots[ck] != (loadSlot[K, V]{b: b, i: i}) {
				continue
			}
			delete(l.slots, ck)
			if err == nil && !l.closed.Load() {
				v, kerr := b.result(i)
				l.cache.Set(ck, Entry[V]{Value: v, Err: kerr})
			}
		}
	}
	if l.own && err == nil {
		l.cached.Store(true)
	}
	b.keys, b.timer = nil, nil // the built-in cache may keep b long
	b.settled.Store(true)
	close(b.done)
}

// fetchContext returns the context of a fetch: the values of first and none of its
// cancellation, cancelled by Close (through b.cancel) or when FetchTimeout passes.
func (l *Loader[K, V]) fetchContext(first context.Context) (context.Context, context.CancelCauseFunc) {
	if first.Done() != nil { // a context that never ends has nothing to strip
		first = context.WithoutCancel(first)
	}
	ctx, cancel := context.WithCancelCause(first)
	if l.timeout <= 0 {
		return ctx, cancel
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, l.timeout)
	return ctx, func(cause error) { cancelTimeout(); cancel(cause) }
}

// call runs the fetch and checks what it returned. err is set when the whole batch
// failed.
func (l *Loader[K, V]) call(ctx context.Context, keys []K) (vals []V, errs []error, err error) {
	if rec := panics.Try(func() { vals, errs = l.fetch(ctx, keys) }); rec != nil {
		return nil, nil, &FetchError{Keys: len(keys), Err: rec.AsError(), what: "panicked: " + rec.String()}
	}
	n := len(keys)
	switch {
	case len(errs) == 1 && errs[0] != nil && (n != 1 || len(vals) != 1):
		return nil, nil, &FetchError{Keys: n, Err: errs[0]} // one error for the whole batch
	case len(errs) > 1 && len(errs) != n:
		return nil, nil, lengthError(n, len(errs), "errors")
	case len(vals) != n:
		return nil, nil, lengthError(n, len(vals), "values")
	case len(errs) != n: // nil, empty, or a single nil error
		errs = nil
	}
	return vals, errs, nil
}

func lengthError(keys, got int, what string) *FetchError {
	err := fmt.Errorf("returned %d %s for %d keys", got, what, keys)
	return &FetchError{Keys: keys, Err: err, what: err.Error()}
}

// await waits for the result of slot s (of key) or for ctx to end; a result that is
// ready wins. Close wakes it by finishing every batch.
func (l *Loader[K, V]) await(ctx context.Context, key K, s loadSlot[K, V]) (V, error) {
	cancelled := ctx.Done()
	if cancelled == nil { // context.Background and the like: a plain receive is cheaper
		<-s.b.done
		return s.b.result(s.i)
	}
	select {
	case <-s.b.done:
		return s.b.result(s.i)
	case <-cancelled:
	}
	select {
	case <-s.b.done:
		return s.b.result(s.i)
	default:
		var zero V
		return zero, contextError(ctx, key)
	}
}

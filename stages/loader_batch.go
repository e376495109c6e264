package stages

import (
	"context"
	"fmt"
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

// loaderBatch is one fetch: the keys it collects and, once done is closed, the results.
// Its fields are guarded by the Loader's mu until done is closed and read-only after;
// keys no longer change once the batch is shut, so the fetch reads them unlocked.
type loaderBatch[K comparable, V any] struct {
	ctx    context.Context // the first caller's, for its values
	keys   []K
	timer  *time.Timer             // the window; nil when batching is off
	shut   bool                    // takes no more keys: dispatched, or failed by Close
	cancel context.CancelCauseFunc // cancels the running fetch

	done chan struct{} // closed by finish when the results below are set
	vals []V
	errs []error // nil, or one per key
	err  error   // the whole batch failed: every key gets it
}

// finished reports whether b's results are published.
func (b *loaderBatch[K, V]) finished() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// result returns the value and error of entry i. The batch is done.
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

// lock locks l.mu for a load, unless ctx has ended or the Loader is closed.
func (l *Loader[K, V]) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	if l.closed.Load() {
		l.mu.Unlock()
		return ErrLoaderClosed
	}
	return nil
}

// enqueue finds or makes the slot of key (see slotLocked).
func (l *Loader[K, V]) enqueue(ctx context.Context, key K) (s loadSlot[K, V], e Entry[V], err error) {
	if err := l.lock(ctx); err != nil {
		return s, e, err
	}
	s, e, _ = l.slotLocked(ctx, key)
	l.mu.Unlock()
	return s, e, nil
}

// slotLocked returns the slot that will hold key's result: the slot of a fetch of the
// same cache key already under way, or a new slot in the open batch. hit reports that
// the cache answered instead (a fetch settled since the caller's lock-free Get); then
// e is the entry and s is zero. The caller holds l.mu and has checked l.closed.
func (l *Loader[K, V]) slotLocked(ctx context.Context, key K) (s loadSlot[K, V], e Entry[V], hit bool) {
	if l.cache == nil {
		return l.addLocked(ctx, key), e, false
	}
	ck := l.ck(key)
	if s, ok := l.pending[ck]; ok {
		return s, e, false
	}
	if e, ok := l.cache.Get(ck); ok {
		return s, e, true
	}
	s = l.addLocked(ctx, key)
	l.pending[ck] = s
	return s, e, false
}

// addLocked adds key to the open batch, opening one if needed, and dispatches the
// batch when it is full. The caller holds l.mu.
func (l *Loader[K, V]) addLocked(ctx context.Context, key K) loadSlot[K, V] {
	b := l.open
	if b == nil {
		b = &loaderBatch[K, V]{
			ctx:  ctx,
			keys: make([]K, 0, min(l.maxBatch, max(l.hint, 8))),
			done: make(chan struct{}),
		}
		l.open = b
		if l.maxBatch > 1 {
			l.fetches.Add(1) // the window's goroutine; Done in expire, or by shut
			b.timer = time.AfterFunc(l.wait, func() { l.expire(b) })
		}
	}
	b.keys = append(b.keys, key)
	if len(b.keys) >= l.maxBatch {
		l.dispatchLocked(b)
		l.fetches.Go(func() { l.run(b) })
	}
	return loadSlot[K, V]{b: b, i: len(b.keys) - 1}
}

// dispatchLocked takes the open batch b out of collection and records it as running;
// the caller then runs it. The caller holds l.mu.
func (l *Loader[K, V]) dispatchLocked(b *loaderBatch[K, V]) {
	l.open = nil
	l.shut(b)
	l.running[b] = struct{}{}
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
	if b.finished() {
		l.mu.Unlock()
		return
	}
	ctx, cancel := l.fetchContext(b.ctx)
	defer cancel(nil)
	b.cancel = cancel
	l.mu.Unlock()

	vals, errs, err := l.call(ctx, b.keys) // keys don't change once the batch is shut
	l.mu.Lock()
	delete(l.running, b)
	l.finish(b, vals, errs, err)
	l.mu.Unlock()
}

// finish publishes the results of b and wakes its loads, unless b is finished
// already (failed by Close). With a cache, it first moves the results of the keys
// whose slot is still pending to the cache (a key cleared meanwhile is not cached, and
// a failed batch caches nothing), so that a load made by a woken caller sees them. The
// caller holds l.mu.
func (l *Loader[K, V]) finish(b *loaderBatch[K, V], vals []V, errs []error, err error) {
	if b.finished() {
		return
	}
	b.vals, b.errs, b.err, b.ctx, b.cancel = vals, errs, err, nil, nil
	if l.cache != nil && !l.closed.Load() {
		for i, k := range b.keys {
			ck := l.ck(k)
			if l.pending[ck] != (loadSlot[K, V]{b: b, i: i}) {
				continue
			}
			delete(l.pending, ck)
			if err == nil {
				v, kerr := b.result(i)
				l.cache.Set(ck, Entry[V]{Value: v, Err: kerr})
			}
		}
	}
	close(b.done)
}

// fetchContext returns the context of a fetch: the values of first and none of its
// cancellation, cancelled by Close (through b.cancel) or when FetchTimeout passes.
func (l *Loader[K, V]) fetchContext(first context.Context) (context.Context, context.CancelCauseFunc) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(first))
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

// await waits for the result of slot s or for ctx to end; a result that is ready wins.
// Close wakes it by finishing every batch.
func (l *Loader[K, V]) await(ctx context.Context, s loadSlot[K, V]) (V, error) {
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
		return zero, ctx.Err()
	}
}

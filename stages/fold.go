package stages

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/tmimport/tmimport/pipeline"
)

// Fold groups child rows into one array per parent key: the rows of a join table
// such as TM's user_licenses(user, license) become user id → [license ids], ready to be
// stored in an array or JSON column of the parent with [Attach].
//
// A Fold is filled before the parents are imported, either by calling [Fold.Add] or by
// running a pipeline over the child table with the Fold as its sink ([Fold.Write]).
// [Fold.Done] then hands the result over as a read-only [Folded] and empties the Fold
// for reuse.
//
// # Order
//
// Each key's values keep the input order of its children:
//   - rows passed to Add keep their order within the call, and calls keep their order;
//   - rows written by a pipeline keep their input order (chunk, then batch, then row),
//     whatever order the workers finish in: batches are held apart and merged in
//     input order when the Fold is read (Get, Map, Len or Done), after the rows added
//     with Add.
//
// Sort the arrays in [Attach]'s set function when another order is wanted.
//
// A Fold is safe for concurrent use. key and val are called from the goroutine that
// adds or writes the rows.
type Fold[C any, K comparable, V any] struct {
	key     func(C) K
	val     func(C) V
	newSeen func() func(K, V) bool // NewFoldDistinct only

	mu    sync.Mutex
	m     map[K][]V
	seen  func(K, V) bool // reports a repeated value of a key; nil keeps all
	parts []foldPart[K, V]
}

// foldPart holds one batch written to a Fold until it is merged in input order.
type foldPart[K comparable, V any] struct {
	chunk, seq int
	keys       []K
	vals       []V
}

// NewFold returns an empty Fold that groups the values val(c) of child rows c by
// key(c).
func NewFold[C any, K comparable, V any](key func(C) K, val func(C) V) *Fold[C, K, V] {
	mustFunc(key == nil || val == nil, "NewFold")
	return &Fold[C, K, V]{key: key, val: val, m: make(map[K][]V)}
}

// NewFoldDistinct is like [NewFold] but keeps only the first occurrence of each value
// per key, for join tables without a primary key (TM's user_licenses may hold the
// same pair twice).
func NewFoldDistinct[C any, K comparable, V comparable](key func(C) K, val func(C) V) *Fold[C, K, V] {
	f := NewFold(key, val)
	f.newSeen = func() func(K, V) bool {
		type pair struct {
			k K
			v V
		}
		seen := make(map[pair]struct{})
		return func(k K, v V) bool {
			p := pair{k, v}
			if _, ok := seen[p]; ok {
				return true
			}
			seen[p] = struct{}{}
			return false
		}
	}
	f.seen = f.newSeen()
	return f
}

// Add folds child rows, in order.
func (f *Fold[C, K, V]) Add(rows ...C) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range rows {
		f.put(f.key(c), f.val(c))
	}
}

// Write makes a Fold a [pipeline.Sink]: it folds the batch's rows and reports them as
// written. Batches are merged in input order when the Fold is next read.
func (f *Fold[C, K, V]) Write(ctx context.Context, b *pipeline.Batch[C]) (pipeline.WriteStats, error) {
	if err := ctx.Err(); err != nil {
		return pipeline.WriteStats{}, err
	}
	p := foldPart[K, V]{chunk: b.Chunk, seq: b.Seq, keys: make([]K, len(b.Rows)), vals: make([]V, len(b.Rows))}
	for i, c := range b.Rows {
		p.keys[i], p.vals[i] = f.key(c), f.val(c)
	}
	f.mu.Lock()
	f.parts = append(f.parts, p)
	f.mu.Unlock()
	return pipeline.WriteStats{Written: int64(len(b.Rows))}, nil
}

// Get returns the values folded for k, in order, or nil when k has none. The caller
// may append to the slice but must not change its elements.
func (f *Fold[C, K, V]) Get(k K) []V {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge()
	return slices.Clip(f.m[k])
}

// Map returns a copy of the folded arrays, one entry per key. The arrays themselves
// are shared: append to them freely, but don't change their elements.
func (f *Fold[C, K, V]) Map() map[K][]V {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge()
	return clipped(f.m)
}

// Len returns the number of keys folded so far.
func (f *Fold[C, K, V]) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge()
	return len(f.m)
}

// Done returns everything folded so far as a read-only [Folded] and empties the Fold,
// which may then be reused.
func (f *Fold[C, K, V]) Done() *Folded[K, V] {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merge()
	out := &Folded[K, V]{m: f.m}
	f.m = make(map[K][]V)
	if f.newSeen != nil {
		f.seen = f.newSeen()
	}
	return out
}

// put appends v to k's array. The caller holds f.mu.
func (f *Fold[C, K, V]) put(k K, v V) {
	if f.seen != nil && f.seen(k, v) {
		return
	}
	f.m[k] = append(f.m[k], v)
}

// merge folds the written batches in input order. The caller holds f.mu.
func (f *Fold[C, K, V]) merge() {
	if len(f.parts) == 0 {
		return
	}
	slices.SortFunc(f.parts, func(a, b foldPart[K, V]) int {
		return cmp.Or(cmp.Compare(a.chunk, b.chunk), cmp.Compare(a.seq, b.seq))
	})
	for _, p := range f.parts {
		for i, k := range p.keys {
			f.put(k, p.vals[i])
		}
	}
	clear(f.parts)
	f.parts = f.parts[:0]
}

// Folded is the read-only result of a [Fold]: one array per parent key. It is safe
// for concurrent use without locks.
type Folded[K comparable, V any] struct {
	m map[K][]V
}

// Get returns the values folded for k, in order, or nil when k has none. The slice is
// shared by every caller: append to it freely, but don't change its elements.
func (f *Folded[K, V]) Get(k K) []V { return slices.Clip(f.m[k]) }

// Len returns the number of keys.
func (f *Folded[K, V]) Len() int { return len(f.m) }

// Map returns a copy of the arrays, one entry per key, with the arrays shared as in
// [Folded.Get].
func (f *Folded[K, V]) Map() map[K][]V { return clipped(f.m) }

// clipped returns a copy of m whose arrays are clipped, so that a caller's append
// never writes into the shared backing arrays.
func clipped[K comparable, V any](m map[K][]V) map[K][]V {
	out := make(map[K][]V, len(m))
	for k, vs := range m {
		out[k] = slices.Clip(vs)
	}
	return out
}

// Attach returns a stage that sets each row's array from f: set receives the values
// folded for key(row), or nil when the row's key has none (pgx writes a nil slice as
// NULL; set may store an empty array instead). set may also encode the values, for
// example to JSON for a jsonb column.
//
// The slice passed to set is shared by every row with the same key: set may keep or
// append to it but must not change its elements. key and set are called from several
// workers at once and must be safe for concurrent use.
func Attach[T any, K comparable, V any](f *Folded[K, V], key func(T) K, set func(*T, []V)) pipeline.Stage[T] {
	mustFunc(f == nil || key == nil || set == nil, "Attach")
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		for i := range b.Rows {
			set(&b.Rows[i], f.Get(key(b.Rows[i])))
		}
		b.Touch()
		return nil
	})
}

var _ pipeline.Sink[int] = (*Fold[int, int, int])(nil)

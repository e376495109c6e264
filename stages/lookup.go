package stages

import (
	"context"
	"errors"
	"fmt"

	"github.com/tmimport/tmimport/pipeline"
)

// ErrNotFound is the per-key error of a key that a [FetchMap] fetch did not return.
var ErrNotFound = errors.New("stages: not found")

// FetchMap adapts a fetch that returns a map, such as a query with "where id =
// any($1)" whose rows come back in any order, to the positional fetch that [NewLoader]
// takes. A key missing from the map gets an error wrapping [ErrNotFound], which is
// cached like any per-key error. An error from fetch fails the whole batch.
func FetchMap[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) func(context.Context, []K) ([]V, []error) {
	mustFunc(fetch == nil, "FetchMap")
	return func(ctx context.Context, keys []K) ([]V, []error) {
		found, err := fetch(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		vals := make([]V, len(keys))
		var errs []error
		for i, k := range keys {
			v, ok := found[k]
			if !ok {
				if errs == nil {
					errs = make([]error, len(keys))
				}
				errs[i] = fmt.Errorf("%w: key %v", ErrNotFound, k)
			}
			vals[i] = v
		}
		return vals, errs
	}
}

// Lookup returns a stage that loads the value of every row's key with l, all keys of
// the batch at once ([Loader.LoadMany]), and stores it with set. A row whose key has
// a per-key error (such as [ErrNotFound] from [FetchMap]) is rejected with that error
// and its position. A failed fetch (*[FetchError]), the end of ctx and a closed Loader
// fail the batch instead, since they say nothing about the row.
//
// key and set are called from several workers at once and must be safe for concurrent
// use. The loader's fetches run in its own goroutines, so the stage itself starts none.
func Lookup[T any, K comparable, V any](l *Loader[K, V], key func(T) K, set func(*T, V)) pipeline.Stage[T] {
	mustFunc(l == nil || key == nil || set == nil, "Lookup")
	return pipeline.StageFunc[T](func(ctx context.Context, b *pipeline.Batch[T]) error {
		keys := make([]K, len(b.Rows))
		for i := range b.Rows {
			keys[i] = key(b.Rows[i])
		}
		vals, errs := l.LoadMany(ctx, keys)
		var failed []rowError
		for i := range b.Rows {
			if errs != nil && errs[i] != nil {
				if err := batchError(ctx, errs[i]); err != nil {
					return err
				}
				failed = append(failed, rowError{i: i, err: errs[i]})
				continue
			}
			set(&b.Rows[i], vals[i])
		}
		b.Touch()
		rejectRows(b, failed, "")
		return nil
	})
}

// batchError returns err when it is not about one key: a failed fetch, a closed
// Loader or the end of ctx.
func batchError(ctx context.Context, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) || errors.Is(err, ErrLoaderClosed) {
		return fmt.Errorf("lookup: %w", err)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

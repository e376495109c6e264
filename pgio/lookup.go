package pgio

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrNotFound is the per-key error of a [Lookup] for keys the table does not hold.
var ErrNotFound = errors.New("pgio: lookup: key not found")

// Lookup builds batch functions for a batching loader (stages.Loader): each call runs
// one `SELECT key, cols… FROM table WHERE key = ANY($1)` for all its keys.
type Lookup[K comparable, V any] struct {
	// Table holds the values. Required.
	Table pgx.Identifier
	// Key is the column the keys are matched against. Required.
	Key string
	// Columns are the value columns. Required.
	Columns []string
	// Scan returns pointers into v for the value columns, in order. Optional when
	// Columns has one column: V is then scanned directly.
	Scan func(v *V) []any
	// Zero makes a missing key load V's zero value. Defaults to false: a missing key
	// gets [ErrNotFound].
	Zero bool
}

// Func returns the batch function, with results in the order of the keys.
func (l Lookup[K, V]) Func(c *Client) (func(ctx context.Context, keys []K) ([]V, []error), error) {
	switch {
	case len(l.Table) == 0 || l.Key == "" || len(l.Columns) == 0:
		return nil, fmt.Errorf("%w: Lookup needs Table, Key and Columns", ErrConfig)
	case l.Scan == nil && len(l.Columns) != 1:
		return nil, fmt.Errorf("%w: Lookup needs Scan for %d value columns", ErrConfig, len(l.Columns))
	}
	key := pgx.Identifier{l.Key}.Sanitize()
	sql := fmt.Sprintf("select %s, %s from %s where %s = any($1)", key, quoteList(l.Columns), l.Table.Sanitize(), key)
	scan := l.Scan
	if scan == nil {
		scan = func(v *V) []any { return []any{v} }
	}
	return func(ctx context.Context, keys []K) ([]V, []error) {
		pool, err := c.Pool("lookup")
		if err != nil {
			return nil, []error{err}
		}
		rows, err := pool.Query(ctx, sql, keys)
		if err != nil {
			return nil, []error{c.scrub(err)}
		}
		found := make(map[K]V, len(keys))
		var k K
		var v V
		dest := append([]any{&k}, scan(&v)...)
		_, err = pgx.ForEachRow(rows, dest, func() error { found[k] = v; return nil })
		if err != nil {
			return nil, []error{c.scrub(err)}
		}
		vals, errs := make([]V, len(keys)), []error(nil)
		for i, key := range keys {
			val, ok := found[key]
			switch {
			case ok || l.Zero:
				vals[i] = val
			default:
				if errs == nil {
					errs = make([]error, len(keys))
				}
				errs[i] = fmt.Errorf("%w: %s = %v", ErrNotFound, l.Key, key)
			}
		}
		return vals, errs
	}, nil
}

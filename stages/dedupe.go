package stages

import (
	"context"
	"sync"

	"github.com/tmimport/tmimport/pipeline"
)

// Dedupe returns a stage that keeps one row per key within a batch: the last one, at
// the position of its last occurrence, with the order of the kept rows otherwise
// unchanged. This is the keyed-table rule "last write wins" (atoti), the same rule
// the upsert sink applies across the input.
//
// Dedupe works per batch only: two rows with the same key in different batches both
// pass. Deduplicating across batches is the sink's job (the upsert mode routes each key
// to one worker and keeps the last row by input order). Dropped duplicates are not
// rejects; the pipeline counts them as filtered.
//
// key is called once per row, from several workers at once, and must be safe for
// concurrent use. Dedupe keeps its scratch maps in a [sync.Pool], so a steady run
// allocates nothing per batch.
func Dedupe[T any, K comparable](key func(T) K) pipeline.Stage[T] {
	mustFunc(key == nil, "Dedupe")
	var pool sync.Pool // *dedupeScratch[K]
	return pipeline.StageFunc[T](func(_ context.Context, b *pipeline.Batch[T]) error {
		if len(b.Rows) < 2 {
			return nil
		}
		s, _ := pool.Get().(*dedupeScratch[K])
		if s == nil {
			s = &dedupeScratch[K]{last: make(map[K]int, len(b.Rows))}
		}
		for i, row := range b.Rows {
			k := key(row)
			s.keys = append(s.keys, k)
			s.last[k] = i
		}
		if len(s.last) < len(b.Rows) { // some key repeats
			b.Keep(func(i int, _ T) bool { return s.last[s.keys[i]] == i })
		}
		clear(s.last)
		clear(s.keys) // drop references the keys may hold
		s.keys = s.keys[:0]
		pool.Put(s)
		return nil
	})
}

// dedupeScratch is the per-call working memory of Dedupe.
type dedupeScratch[K comparable] struct {
	keys []K       // keys[i] is the key of row i
	last map[K]int // key → index of its last row
}

package pipeline

import "sync"

// order delivers batch results in input order as soon as input order allows: results of
// the lowest unfinished chunk (the front) go out at once, results of later chunks wait
// until every earlier chunk has finished. It serialises the OnResult calls.
type order struct {
	mu      sync.Mutex
	front   int              // lowest chunk whose results are not all delivered
	pending map[int][]Result // results of chunks after the front
	done    map[int]bool     // chunks after the front that have finished
	emit    func(Result)     // called with mu held, in input order
}

func newOrder(emit func(Result)) *order {
	return &order{pending: map[int][]Result{}, done: map[int]bool{}, emit: emit}
}

// add delivers or queues the result of one batch. Results are ordered by chunk, or by
// partition under key affinity (each partition's results are in input order).
func (o *order) add(res Result) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := res.Chunk
	if res.Partition >= 0 {
		k = res.Partition
	}
	if k == o.front {
		o.emit(res)
		return
	}
	o.pending[k] = append(o.pending[k], res)
}

// finish records that chunk c delivered its last result, and moves the front on.
func (o *order) finish(c int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c != o.front {
		o.done[c] = true
		return
	}
	for {
		o.front++
		for _, res := range o.pending[o.front] {
			o.emit(res)
		}
		delete(o.pending, o.front)
		if !o.done[o.front] {
			return
		}
		delete(o.done, o.front)
	}
}

package pgio

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/tmimport/tmimport/pipeline"
)

// keyOrder is how a keyed batch is staged: the order its rows are sent in and the
// statement that moves them into the target (see CopyConfig.IntKey). Its buffers are
// reused across batches.
type keyOrder struct {
	idx  []int  // the rows in the order they are staged; nil: input order
	move string // moves the staged rows into the target

	buf   []int      // idx's storage
	keys  []keyedRow // the rows' keys
	radix []keyedRow // radixSort's scratch

	// A binaryReader sending rows in idx's order encodes the batch once, in input
	// order, into enc (row i's tuple is enc[ends[i-1]:ends[i]]).
	encoded bool
	enc     []byte
	ends    []int
}

// keyedRow is a row's integer key and its index in the batch.
type keyedRow struct {
	key int64
	row int
}

// order decides how batch b is staged. With IntKey and every row's key known, the rows
// are sorted by key, equal keys kept in input order, and the move needs no server-side
// sort; a batch already in key order is sent as it is. The result goes back with
// s.doneOrder when the batch is done.
func (s *CopySink[T]) order(b *pipeline.Batch[T]) *keyOrder {
	var o *keyOrder
	select {
	case o = <-s.orders:
	default:
		o = new(keyOrder)
	}
	o.idx, o.move, o.keys, o.encoded = nil, s.upsert, o.keys[:0], false
	if s.cfg.IntKey == nil {
		return o
	}
	sorted, unique := true, true
	lo, hi := int64(0), int64(0)
	for i, r := range b.Rows {
		k, ok := s.cfg.IntKey(r)
		if !ok {
			return o // the server picks and sorts
		}
		if i > 0 {
			prev := o.keys[i-1].key
			sorted = sorted && prev <= k
			unique = unique && prev != k
		}
		if i == 0 || k < lo {
			lo = k
		}
		if i == 0 || k > hi {
			hi = k
		}
		o.keys = append(o.keys, keyedRow{key: k, row: i})
	}
	if !sorted { // else input order is key order: send it as it is
		unique = o.sort(lo, hi)
		o.idx = o.buf
	}
	if unique || s.cfg.Mode == Ignore {
		o.move = s.move
	}
	return o
}

// doneOrder keeps o's buffers for a later batch (a sync.Pool would drop them at every
// garbage collection, and growing batch-sized buffers again cost 10% of the client).
func (s *CopySink[T]) doneOrder(o *keyOrder) {
	select {
	case s.orders <- o:
	default:
	}
}

// sort fills o.buf with the rows in key order, equal keys in input order, and reports
// whether no key repeats.
func (o *keyOrder) sort(lo, hi int64) (unique bool) {
	o.keys, o.radix = radixSort(o.keys, o.radix, lo, bits.Len64(uint64(hi)-uint64(lo)))
	o.buf = o.buf[:0]
	unique = true
	for i, k := range o.keys {
		unique = unique && (i == 0 || o.keys[i-1].key != k.key)
		o.buf = append(o.buf, k.row)
	}
	return unique
}

// radixSort sorts a by key, whose values lie in [lo, lo+2^width), one byte of key-lo per
// pass from the least significant, using tmp (grown to len(a)) as the other buffer. Each
// pass is stable, so equal keys keep their order. Ids span a few bytes: three passes
// sort a batch of keys under 16 M, many times faster than comparing pairs. It returns
// the sorted slice and the other one, which may have swapped.
func radixSort(a, tmp []keyedRow, lo int64, width int) (sorted, other []keyedRow) {
	tmp = slices.Grow(tmp[:0], len(a))[:len(a)]
	for shift := 0; shift < width; shift += 8 {
		digit := func(k keyedRow) byte { return byte((uint64(k.key) - uint64(lo)) >> shift) }
		var count [256]int
		for _, k := range a {
			count[digit(k)]++
		}
		sum := 0
		for i, c := range count {
			count[i], sum = sum, sum+c
		}
		for _, k := range a {
			d := digit(k)
			tmp[count[d]] = k
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a, tmp
}

// encodeAll converts every row with conv, a few hundred at a time and in input order,
// into o.enc, recording where each row's tuple ends.
func encodeAll[T any](o *keyOrder, rows []T, conv func([]T, []byte) ([]byte, error)) error {
	o.enc, o.ends = o.enc[:0], o.ends[:0]
	for start := 0; start < len(rows); start += binaryRows {
		end := min(start+binaryRows, len(rows))
		off := len(o.enc)
		enc, err := conv(rows[start:end], o.enc)
		if err != nil {
			return err
		}
		o.enc = enc
		for range end - start {
			next, ok := tupleEnd(o.enc, off)
			if !ok {
				return fmt.Errorf("pgio: CopyConfig.Binary wrote a malformed tuple at byte %d of a batch", off)
			}
			off = next
			o.ends = append(o.ends, off)
		}
		if off != len(o.enc) {
			return fmt.Errorf("pgio: CopyConfig.Binary wrote more tuples than the %d rows it was given", end-start)
		}
	}
	o.encoded = true
	return nil
}

// tupleEnd returns where the binary COPY tuple starting at off in b ends: a field
// count, then each field's length (-1 for NULL) and bytes.
func tupleEnd(b []byte, off int) (int, bool) {
	if off+2 > len(b) {
		return 0, false
	}
	n := int(int16(binary.BigEndian.Uint16(b[off:])))
	off += 2
	if n < 0 {
		return 0, false
	}
	for range n {
		if off+4 > len(b) {
			return 0, false
		}
		l := int(int32(binary.BigEndian.Uint32(b[off:])))
		off += 4
		if l > 0 {
			off += l
		}
		if off > len(b) {
			return 0, false
		}
	}
	return off, true
}

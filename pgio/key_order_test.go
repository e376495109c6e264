package pgio

import (
	"cmp"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
)

// keyRow is a test row: its key, or no key (ok false).
type keyRow struct {
	key int64
	ok  bool
}

// TestOrderSortsByKeyKeepingInputOrderOfEqualKeys checks the order a keyed batch is
// staged in against a stable sort, and the move chosen: the plain move for Ignore and
// for an Upsert batch without repeated keys, the picking move otherwise, and the
// server's order when a key is unknown.
func TestOrderSortsByKeyKeepingInputOrderOfEqualKeys(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	keys := func(n int, gen func(i int) int64) []keyRow {
		rows := make([]keyRow, n)
		for i := range rows {
			rows[i] = keyRow{key: gen(i), ok: true}
		}
		return rows
	}
	cases := map[string][]keyRow{
		"empty":              nil,
		"one":                keys(1, func(int) int64 { return 7 }),
		"sorted, unique":     keys(300, func(i int) int64 { return int64(i * 3) }),
		"sorted, repeats":    keys(300, func(i int) int64 { return int64(i / 3) }),
		"random, unique":     keys(3000, func(i int) int64 { return int64(i*7919%3001) - 1500 }),
		"random, repeats":    keys(3000, func(int) int64 { return rnd.Int64N(500) }),
		"negative, reversed": keys(1000, func(i int) int64 { return -int64(i) * 1_000_003 }),
		"extremes":           keys(1000, func(int) int64 { return []int64{math.MinInt64, -1, 0, math.MaxInt64}[rnd.IntN(4)] }),
		"wide unique":        keys(1000, func(int) int64 { return rnd.Int64() - rnd.Int64() }),
		"unknown key":        append(keys(50, func(i int) int64 { return int64(50 - i) }), keyRow{}),
	}
	for name, rows := range cases {
		for _, mode := range []Mode{Upsert, Ignore} {
			s := &CopySink[keyRow]{cfg: CopyConfig[keyRow]{Mode: mode, IntKey: func(r keyRow) (int64, bool) { return r.key, r.ok }},
				upsert: "pick", move: "plain", orders: make(chan *keyOrder, 1)}
			for range 2 { // the second time with the first batch's buffers
				o := s.order(&pipeline.Batch[keyRow]{Rows: rows})
				want := make([]int, len(rows))
				for i := range want {
					want[i] = i
				}
				known, unique := true, true
				for _, r := range rows {
					known = known && r.ok
				}
				if known {
					slices.SortStableFunc(want, func(a, b int) int { return cmp.Compare(rows[a].key, rows[b].key) })
					for i := 1; i < len(want); i++ {
						unique = unique && rows[want[i-1]].key != rows[want[i]].key
					}
				}
				got := o.idx
				if got == nil {
					for i := range rows {
						got = append(got, i)
					}
				}
				if len(rows) == 0 {
					got = []int{}
				}
				require.Equal(t, want, got, "%s, %s", name, mode)
				wantMove := "pick"
				if known && (unique || mode == Ignore) {
					wantMove = "plain"
				}
				require.Equal(t, wantMove, o.move, "%s, %s", name, mode)
				s.doneOrder(o)
			}
		}
	}
}

// TestRadixSortEqualsAStableSort checks the radix sort against slices.SortStableFunc
// for every width of the keys' span, from negative and extreme lows, with repeated keys.
func TestRadixSortEqualsAStableSort(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	var tmp []keyedRow
	for width := 0; width <= 64; width++ {
		for _, lo := range []int64{math.MinInt64, -1_000_003, 0, 42} {
			for _, n := range []int{0, 1, 2, 255, 256, 1000} {
				a := make([]keyedRow, n)
				for i := range a {
					var off uint64
					if width > 0 {
						off = rnd.Uint64() >> (64 - width)
					}
					// lo is the smallest key, as order passes it: stay within int64.
					off = min(off, uint64(math.MaxInt64)-uint64(lo))
					if i > 0 && rnd.IntN(4) == 0 {
						off = uint64(a[rnd.IntN(i)].key) - uint64(lo) // a repeat
					}
					a[i] = keyedRow{key: int64(uint64(lo) + off), row: i}
				}
				want := slices.Clone(a)
				slices.SortStableFunc(want, func(x, y keyedRow) int { return cmp.Compare(x.key, y.key) })
				var got []keyedRow
				got, tmp = radixSort(a, tmp, lo, width)
				require.Equal(t, want, got, "width %d, low %d, %d keys", width, lo, n)
			}
		}
	}
}

// TestEncodeAllFindsEveryTuple checks that a batch encoded whole is cut into its rows'
// tuples, and that a Binary function writing malformed tuples, or more tuples than
// rows, is an error rather than a garbled stream.
func TestEncodeAllFindsEveryTuple(t *testing.T) {
	tuple := func(dst []byte, r int) []byte { // r fields: NULL, then "x" repeated
		dst = binary.BigEndian.AppendUint16(dst, uint16(r%5))
		for f := range r % 5 {
			if f == 0 {
				dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32) // -1: NULL
				continue
			}
			dst = binary.BigEndian.AppendUint32(dst, uint32(f))
			dst = append(dst, make([]byte, f)...)
		}
		return dst
	}
	rows := make([]int, 3*binaryRows+11)
	var want []int
	var all []byte
	for i := range rows {
		rows[i] = i
		all = tuple(all, i)
		want = append(want, len(all))
	}
	good := func(rows []int, dst []byte) ([]byte, error) {
		for _, r := range rows {
			dst = tuple(dst, r)
		}
		return dst, nil
	}
	o := new(keyOrder)
	require.NoError(t, encodeAll(o, rows, good))
	require.Equal(t, all, o.enc)
	require.Equal(t, want, o.ends)
	require.True(t, o.encoded)

	for name, conv := range map[string]func([]int, []byte) ([]byte, error){
		"truncated": func(rows []int, dst []byte) ([]byte, error) {
			dst, _ = good(rows, dst)
			return dst[:len(dst)-1], nil
		},
		"negative field count": func(rows []int, dst []byte) ([]byte, error) {
			dst, _ = good(rows, dst)
			return append(dst[:0:0], 0xff, 0xff), nil
		},
		"extra tuple": func(rows []int, dst []byte) ([]byte, error) {
			dst, _ = good(rows, dst)
			return tuple(dst, 1), nil
		},
	} {
		o := new(keyOrder)
		require.Error(t, encodeAll(o, rows, conv), name)
		require.False(t, o.encoded, name)
	}
}

// TestOrderedReaderReusesTheEncodingOnlyForItsBatch checks the retry path: a second
// reader of the same batch sends the same stream without encoding it again, and a
// recycled order encodes its next batch afresh.
func TestOrderedReaderReusesTheEncodingOnlyForItsBatch(t *testing.T) {
	calls := 0
	s := &CopySink[keyRow]{bufs: make(chan []byte, 1), orders: make(chan *keyOrder, 1), upsert: "pick", move: "plain",
		cfg: CopyConfig[keyRow]{Mode: Ignore, IntKey: func(r keyRow) (int64, bool) { return r.key, true },
			BinaryHeader: BinaryHeader, BinaryTrailer: BinaryTrailer,
			Binary: func(rows []keyRow, dst []byte) ([]byte, error) {
				calls++
				for _, r := range rows { // one int8 field
					dst = binary.BigEndian.AppendUint64(append(dst, 0, 1, 0, 0, 0, 8), uint64(r.key))
				}
				return dst, nil
			}}}
	stream := func(keys ...int64) []byte {
		out := append([]byte(nil), BinaryHeader...)
		for _, k := range keys {
			out = binary.BigEndian.AppendUint64(append(out, 0, 1, 0, 0, 0, 8), uint64(k))
		}
		return append(out, BinaryTrailer...)
	}
	read := func(b *pipeline.Batch[keyRow], o *keyOrder) []byte {
		r := s.newBinaryReader(b.Rows, o)
		defer r.release()
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		return got
	}
	first := &pipeline.Batch[keyRow]{Rows: []keyRow{{3, true}, {1, true}, {2, true}}}
	o := s.order(first)
	require.Equal(t, stream(1, 2, 3), read(first, o))
	require.Equal(t, stream(1, 2, 3), read(first, o), "a retry sends the same stream")
	require.Equal(t, 1, calls, "and does not encode the batch again")
	s.doneOrder(o)

	second := &pipeline.Batch[keyRow]{Rows: []keyRow{{9, true}, {7, true}}}
	o2 := s.order(second)
	require.Same(t, o, o2, "the order was recycled")
	require.Equal(t, stream(7, 9), read(second, o2), "and encodes its new batch")
}

// BenchmarkOrder sorts W2-like batches: 25,000 rows (a worker's share of a 50,000-row
// batch) with random keys out of 1.5 M.
func BenchmarkOrder(b *testing.B) {
	rnd := rand.New(rand.NewPCG(7, 8))
	rows := make([]keyRow, 25_000)
	for i := range rows {
		rows[i] = keyRow{key: rnd.Int64N(1_500_000), ok: true}
	}
	s := &CopySink[keyRow]{cfg: CopyConfig[keyRow]{Mode: Ignore, IntKey: func(r keyRow) (int64, bool) { return r.key, r.ok }},
		orders: make(chan *keyOrder, 1)}
	batch := &pipeline.Batch[keyRow]{Rows: rows}
	b.ReportAllocs()
	for b.Loop() {
		s.doneOrder(s.order(batch))
	}
}

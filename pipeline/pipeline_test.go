package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tmimport/tmimport/pipeline"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memSink stores rows in memory, optionally failing, panicking or pausing.
type memSink struct {
	mu      sync.Mutex
	rows    []int
	batches int
	delay   func() time.Duration
	fail    func(b *pipeline.Batch[int]) error
}

func (s *memSink) Write(ctx context.Context, b *pipeline.Batch[int]) (pipeline.WriteStats, error) {
	if s.delay != nil {
		select {
		case <-time.After(s.delay()):
		case <-ctx.Done():
			return pipeline.WriteStats{}, ctx.Err()
		}
	}
	if s.fail != nil {
		if err := s.fail(b); err != nil {
			return pipeline.WriteStats{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, b.Rows...)
	s.batches++
	return pipeline.WriteStats{Written: int64(len(b.Rows))}, nil
}

func (s *memSink) sorted() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.rows))
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestRunDeliversResultsInInputOrder(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 2, 3, 7, 16, 64} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			t.Parallel()
			rows := seq(10_007)
			rnd := rand.New(rand.NewPCG(uint64(workers), 1))
			var mu sync.Mutex
			sink := &memSink{delay: func() time.Duration {
				mu.Lock()
				defer mu.Unlock()
				return time.Duration(rnd.IntN(300)) * time.Microsecond
			}}
			var results []pipeline.Result
			var progress atomic.Int64
			p, err := pipeline.New(pipeline.Config[int]{
				Source: pipeline.SliceSource(rows), Sink: sink, Workers: workers, BatchRows: 97,
				OnResult:   func(r pipeline.Result) error { results = append(results, r); return nil },
				OnProgress: func(p pipeline.Progress) { progress.Store(p.Written) },
			})
			require.NoError(t, err)
			sum, err := p.Run(context.Background())
			require.NoError(t, err)
			require.Equal(t, rows, sink.sorted())
			require.EqualValues(t, len(rows), sum.Read)
			require.EqualValues(t, len(rows), sum.Written)
			require.EqualValues(t, len(rows), progress.Load())
			require.EqualValues(t, min(workers, len(rows)), sum.Chunks)
			require.EqualValues(t, len(results), sum.Batches)
			// Results come in input order: positions strictly increase across all results.
			next := int64(0)
			for _, r := range results {
				require.Equal(t, next, r.First.Index, "chunk %d batch %d", r.Chunk, r.Batch)
				require.Equal(t, r.First.Index+r.Read-1, r.Last.Index)
				next = r.Last.Index + 1
			}
			require.EqualValues(t, len(rows), next)
		})
	}
}

func TestRunStreamsUnsizedSource(t *testing.T) {
	t.Parallel()
	const n = 2_345
	src := pipeline.SeqSource(func(yield func(int, error) bool) {
		for i := range n {
			if !yield(i, nil) {
				return
			}
		}
	}, 100)
	sink := &memSink{}
	var chunks []int
	p, err := pipeline.New(pipeline.Config[int]{Source: src, Sink: sink, Workers: 4, BatchRows: 30,
		OnResult: func(r pipeline.Result) error {
			if r.Batch == 0 {
				chunks = append(chunks, r.Chunk)
			}
			return nil
		}})
	require.NoError(t, err)
	sum, err := p.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, seq(n), sink.sorted())
	require.EqualValues(t, 24, sum.Chunks) // ceil(2345/100)
	require.Equal(t, seq(24), chunks)
}

func TestRunSourceErrorEndsRun(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	src := pipeline.SeqSource(iter.Seq2[int, error](func(yield func(int, error) bool) {
		for i := range 250 {
			if !yield(i, nil) {
				return
			}
		}
		yield(0, boom)
	}), 100)
	// A slow sink: the chunks read before the error are still being written when
	// the source fails; they are written, not cancelled (the records before a broken
	// end of input load), and then Run returns the error.
	sink := &memSink{delay: func() time.Duration { return 50 * time.Millisecond }}
	p, err := pipeline.New(pipeline.Config[int]{Source: src, Sink: sink, Workers: 2})
	require.NoError(t, err)
	sum, err := p.Run(context.Background())
	require.ErrorIs(t, err, boom)
	var ce *pipeline.ChunkError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "source", ce.Stage)
	require.Equal(t, seq(200), sink.sorted(), "the two complete chunks before the error are written")
	require.EqualValues(t, 200, sum.Written)
}

func TestRunFailFastReturnsTheFailedBatch(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	sink := &memSink{fail: func(b *pipeline.Batch[int]) error {
		if b.Chunk == 1 && b.Seq == 2 {
			return boom
		}
		return nil
	}}
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(1000)), Sink: sink, Workers: 4, BatchRows: 10})
	require.NoError(t, err)
	_, err = p.Run(context.Background())
	require.ErrorIs(t, err, boom)
	var ce *pipeline.ChunkError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, pipeline.ChunkError{Chunk: 1, Batch: 2, First: pipeline.Pos{Index: 270}, Last: pipeline.Pos{Index: 279}, Stage: "sink", Err: boom}, *ce)
	require.Contains(t, err.Error(), "chunk 1 batch 2 (records 270-279): sink: disk on fire")
	for _, r := range sink.sorted() {
		require.False(t, r >= 270 && r <= 279, "row %d of the failed batch was written", r)
	}
}

func TestRunCollectGoesOnAndJoinsErrors(t *testing.T) {
	t.Parallel()
	sink := &memSink{fail: func(b *pipeline.Batch[int]) error {
		if b.Seq == 1 {
			return fmt.Errorf("bad batch %d/%d", b.Chunk, b.Seq)
		}
		return nil
	}}
	var failed []pipeline.Result
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(100)), Sink: sink, Workers: 2, BatchRows: 10,
		ErrorPolicy: pipeline.Collect,
		OnResult: func(r pipeline.Result) error {
			if r.Err != nil {
				failed = append(failed, r)
			}
			return nil
		}})
	require.NoError(t, err)
	sum, err := p.Run(context.Background())
	require.ErrorContains(t, err, "bad batch 0/1")
	require.ErrorContains(t, err, "bad batch 1/1")
	require.Len(t, failed, 2)
	require.EqualValues(t, 80, sum.Written)
	require.Len(t, sink.sorted(), 80)
}

func TestRunPanicBecomesErrorWithStack(t *testing.T) {
	t.Parallel()
	for _, where := range []string{"stage", "sink"} {
		t.Run(where, func(t *testing.T) {
			t.Parallel()
			cfg := pipeline.Config[int]{Source: pipeline.SliceSource(seq(100)), Sink: &memSink{}, Workers: 3, BatchRows: 10}
			explode := func(b *pipeline.Batch[int]) {
				if b.Chunk == 2 {
					panic("kaboom in " + where)
				}
			}
			if where == "stage" {
				cfg.Stages = []pipeline.Stage[int]{pipeline.StageFunc[int](func(_ context.Context, b *pipeline.Batch[int]) error { explode(b); return nil })}
			} else {
				cfg.Sink = &memSink{fail: func(b *pipeline.Batch[int]) error { explode(b); return nil }}
			}
			p, err := pipeline.New(cfg)
			require.NoError(t, err)
			_, err = p.Run(context.Background())
			var ce *pipeline.ChunkError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, where, ce.Stage)
			require.Equal(t, 2, ce.Chunk)
			require.Contains(t, err.Error(), "kaboom in "+where)
			require.Contains(t, err.Error(), "pipeline_test.go", "the error carries the panic's stack")
		})
	}
}

// TestRunCancelAtRandomPointsKeepsCommittedBatchesExact cancels runs at random moments
// and checks that the batches reported to OnResult are exactly the rows in the sink.
func TestRunCancelAtRandomPointsKeepsCommittedBatchesExact(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rnd := rand.New(rand.NewPCG(seed, 2))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cancelAt := int64(rnd.IntN(60))
			var batches atomic.Int64
			sink := &memSink{fail: func(*pipeline.Batch[int]) error {
				if batches.Add(1) == cancelAt {
					cancel()
				}
				return nil
			}}
			var reported int64
			p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(5000)), Sink: sink,
				Workers: 1 + rnd.IntN(8), BatchRows: 1 + rnd.IntN(200),
				OnResult: func(r pipeline.Result) error { reported += r.Written; return nil }})
			require.NoError(t, err)
			sum, err := p.Run(ctx)
			if cancelAt > 0 && err == nil {
				require.EqualValues(t, 5000, sum.Written) // finished before the cancel point
			} else if cancelAt > 0 {
				require.ErrorIs(t, err, context.Canceled)
			}
			require.EqualValues(t, len(sink.sorted()), reported)
			require.Equal(t, sum.Written, reported)
		})
	}
}

func TestRunRejectBudget(t *testing.T) {
	t.Parallel()
	odd := pipeline.StageFunc[int](func(_ context.Context, b *pipeline.Batch[int]) error {
		b.RejectWhere(func(_ int, v int) error {
			if v%100 == 7 {
				return fmt.Errorf("%d is unlucky", v)
			}
			return nil
		}, nil)
		return nil
	})
	cases := []struct {
		name       string
		maxRejects int64
		wantErr    bool
	}{
		{"zero budget fails on first reject", 0, true},
		{"budget below count fails", 9, true},
		{"budget equal to count passes", 10, false},
		{"unlimited passes", -1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := &memSink{}
			var mu sync.Mutex
			var rejects []pipeline.Reject
			p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(1000)), Sink: sink, Workers: 2, BatchRows: 50,
				Name: "numbers", Stages: []pipeline.Stage[int]{odd}, MaxRejects: tc.maxRejects,
				OnReject: func(r pipeline.Reject) error { mu.Lock(); defer mu.Unlock(); rejects = append(rejects, r); return nil }})
			require.NoError(t, err)
			sum, err := p.Run(context.Background())
			if tc.wantErr {
				require.ErrorIs(t, err, pipeline.ErrRejectBudget)
				for _, v := range sink.sorted() {
					require.NotEqual(t, 7, v%100, "a batch holding a reject over budget was written")
				}
				return
			}
			require.NoError(t, err)
			require.EqualValues(t, 10, sum.Rejected)
			require.EqualValues(t, 990, sum.Written)
			require.EqualValues(t, 1000, sum.Read)
			require.Len(t, rejects, 10)
			for _, r := range rejects {
				require.Equal(t, "numbers", r.Source)
				require.EqualValues(t, 7, r.Pos.Index%100)
				require.Contains(t, r.Error(), fmt.Sprintf("numbers record %d: %d is unlucky", r.Pos.Index, r.Pos.Index))
			}
		})
	}
}

func TestRunFilteredRowsAreCounted(t *testing.T) {
	t.Parallel()
	even := pipeline.StageFunc[int](func(_ context.Context, b *pipeline.Batch[int]) error {
		b.Keep(func(_ int, v int) bool { return v%2 == 0 })
		return nil
	})
	sink := &memSink{}
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(101)), Sink: sink, Stages: []pipeline.Stage[int]{even}, Workers: 3})
	require.NoError(t, err)
	sum, err := p.Run(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 51, sum.Written)
	require.EqualValues(t, 50, sum.Filtered)
}

func TestRunOnlyOnce(t *testing.T) {
	t.Parallel()
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(3)), Sink: &memSink{}})
	require.NoError(t, err)
	_, err = p.Run(context.Background())
	require.NoError(t, err)
	_, err = p.Run(context.Background())
	require.ErrorIs(t, err, pipeline.ErrRan)
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	src, sink := pipeline.SliceSource(seq(3)), &memSink{}
	cases := []struct {
		name  string
		cfg   pipeline.Config[int]
		field string
	}{
		{"no source", pipeline.Config[int]{Sink: sink}, "Source"},
		{"no sink", pipeline.Config[int]{Source: src}, "Sink"},
		{"negative workers", pipeline.Config[int]{Source: src, Sink: sink, Workers: -1}, "Workers"},
		{"too many workers", pipeline.Config[int]{Source: src, Sink: sink, Workers: 5000}, "Workers"},
		{"negative batch rows", pipeline.Config[int]{Source: src, Sink: sink, BatchRows: -5}, "BatchRows"},
		{"negative batch bytes", pipeline.Config[int]{Source: src, Sink: sink, BatchBytes: -5}, "BatchBytes"},
		{"reject budget", pipeline.Config[int]{Source: src, Sink: sink, MaxRejects: -2}, "MaxRejects"},
		{"policy", pipeline.Config[int]{Source: src, Sink: sink, ErrorPolicy: 9}, "ErrorPolicy"},
		{"nil stage", pipeline.Config[int]{Source: src, Sink: sink, Stages: []pipeline.Stage[int]{nil}}, "Stages[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := pipeline.New(tc.cfg)
			require.ErrorIs(t, err, pipeline.ErrConfig)
			require.ErrorContains(t, err, tc.field)
		})
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		size int64
		n    int
		want [][2]int64
	}{
		{"even", 10, 2, [][2]int64{{0, 5}, {5, 10}}},
		{"uneven", 10, 3, [][2]int64{{0, 3}, {3, 6}, {6, 10}}},
		{"more parts than size", 2, 5, [][2]int64{{0, 1}, {1, 2}}},
		{"empty", 0, 4, nil},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, pipeline.Split(tc.size, tc.n), tc.name)
	}
}

// TestRunDeliversResultsWhileTheChunkRuns checks that a batch's result is delivered as
// soon as input order allows, not when its chunk ends: the sink holds batch 2 until the
// result of batch 0 of the same chunk has arrived.
func TestRunDeliversResultsWhileTheChunkRuns(t *testing.T) {
	t.Parallel()
	seen := make(chan struct{})
	var once sync.Once
	sink := &memSink{fail: func(b *pipeline.Batch[int]) error {
		if b.Seq == 2 {
			select {
			case <-seen:
			case <-time.After(10 * time.Second):
				return errors.New("result of batch 0 not delivered while the chunk runs")
			}
		}
		return nil
	}}
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(50)), Sink: sink, Workers: 1, BatchRows: 10,
		OnResult: func(r pipeline.Result) error {
			if r.Batch == 0 {
				once.Do(func() { close(seen) })
			}
			return nil
		}})
	require.NoError(t, err)
	_, err = p.Run(context.Background())
	require.NoError(t, err)
}

func TestOrderHoldsLaterChunksUntilEarlierOnesFinish(t *testing.T) {
	t.Parallel()
	// Chunk 1 finishes long before chunk 0: its results must still come after chunk 0's.
	var got []int
	var mu sync.Mutex
	gate := make(chan struct{})
	sink := &memSink{fail: func(b *pipeline.Batch[int]) error {
		if b.Chunk == 0 && b.Seq == 1 {
			<-gate
		}
		return nil
	}}
	p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(seq(40)), Sink: sink, Workers: 2, BatchRows: 5,
		OnProgress: func(pr pipeline.Progress) {
			if pr.Last.Chunk == 1 && pr.Last.Batch == 3 {
				close(gate) // chunk 1 is done: let chunk 0 go on
			}
		},
		OnResult: func(r pipeline.Result) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, int(r.First.Index))
			return nil
		}})
	require.NoError(t, err)
	_, err = p.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, []int{0, 5, 10, 15, 20, 25, 30, 35}, got)
}

func TestRunPartitionedWritesEachKeyFromOneWorkerInInputOrder(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			t.Parallel()
			// Rows are keys 0..99 repeated; the value is the input index.
			type row struct{ key, idx int }
			rows := make([]row, 3000)
			for i := range rows {
				rows[i] = row{key: (i * 7) % 100, idx: i}
			}
			var mu sync.Mutex
			writtenBy := map[int]int{} // key -> partition
			lastIdx := map[int]int{}   // key -> last index written
			count := 0
			sink := pipeline.SinkFunc[row](func(_ context.Context, b *pipeline.Batch[row]) (pipeline.WriteStats, error) {
				mu.Lock()
				defer mu.Unlock()
				for _, r := range b.Rows {
					if p, ok := writtenBy[r.key]; ok && p != b.Partition {
						return pipeline.WriteStats{}, fmt.Errorf("key %d written by partitions %d and %d", r.key, p, b.Partition)
					}
					writtenBy[r.key] = b.Partition
					if last, ok := lastIdx[r.key]; ok && last > r.idx {
						return pipeline.WriteStats{}, fmt.Errorf("key %d: index %d written after %d", r.key, r.idx, last)
					}
					lastIdx[r.key] = r.idx
					count++
				}
				return pipeline.WriteStats{Written: int64(len(b.Rows))}, nil
			})
			var results []pipeline.Result
			p, err := pipeline.New(pipeline.Config[row]{Source: pipeline.SliceSource(rows), Sink: sink, Workers: workers, BatchRows: 64,
				Partition: func(r row) uint64 { return uint64(r.key) * 0x9e3779b97f4a7c15 },
				OnResult:  func(r pipeline.Result) error { results = append(results, r); return nil }})
			require.NoError(t, err)
			sum, err := p.Run(context.Background())
			require.NoError(t, err)
			require.Equal(t, len(rows), count)
			require.EqualValues(t, len(rows), sum.Written)
			require.EqualValues(t, len(rows), sum.Read)
			// Results come partition by partition, each in input order.
			prev := pipeline.Result{Partition: -1}
			for _, r := range results {
				require.GreaterOrEqual(t, r.Partition, prev.Partition)
				if r.Partition == prev.Partition {
					require.Greater(t, r.First.Index, prev.Last.Index)
				}
				prev = r
			}
		})
	}
}

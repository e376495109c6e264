package stages_test

import (
	"context"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages"
)

// BenchmarkLoaderCacheHit measures a Load answered from the cache: it must not
// allocate. See stages/loaderbench for the comparison with other DataLoaders.
func BenchmarkLoaderCacheHit(b *testing.B) {
	const keys = 10_000
	l := stages.NewLoader(func(_ context.Context, ks []int) ([]int, []error) { return ks, nil }, stages.LoaderConfig[int, int]{})
	defer l.Close()
	for k := range keys {
		l.Prime(k, k)
	}
	ctx := context.Background()

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			if _, err := l.Load(ctx, n*7919%keys); err != nil {
				b.Fatal(err)
			}
			n++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			n := 0
			for pb.Next() {
				if _, err := l.Load(ctx, n*7919%keys); err != nil {
					b.Error(err)
					return
				}
				n++
			}
		})
	})
}

// BenchmarkDedupe measures Dedupe on a 10,000-row batch where every key repeats once;
// after the first batch its scratch map comes from a pool.
func BenchmarkDedupe(b *testing.B) {
	stage := stages.Dedupe(func(r [2]int) int { return r[0] })
	rows := make([][2]int, 10_000)
	for i := range rows {
		rows[i] = [2]int{i % 5_000, i}
	}
	benchStage(b, stage, rows)
}

// BenchmarkEnumMap measures EnumMap on a 10,000-row batch of integer codes.
func BenchmarkEnumMap(b *testing.B) {
	status := stages.Enum{Labels: map[int64]string{0: "READY", 1: "TASK_LOCKED_FOR_MAPPING", 2: "TASK_STATUS_MAPPED", 3: "TASK_LOCKED_FOR_VALIDATION"}}
	type task struct {
		Status int32
		Label  string
	}
	stage := stages.EnumMap("task_status", status, func(t task) any { return t.Status }, func(t *task, l string) { t.Label = l })
	rows := make([]task, 10_000)
	for i := range rows {
		rows[i].Status = int32(i % 4)
	}
	benchStage(b, stage, rows)
}

// benchStage measures stage on a batch holding a fresh copy of rows each time.
func benchStage[T any](b *testing.B, stage pipeline.Stage[T], rows []T) {
	batch := &pipeline.Batch[T]{}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		batch.Rows = append(batch.Rows[:0], rows...)
		if err := stage.Process(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

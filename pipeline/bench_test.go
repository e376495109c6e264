package pipeline_test

import (
	"context"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
)

// BenchmarkRun measures the per-batch overhead of Run (reading, ordering, progress)
// with a sink that only counts: 200,000 rows in batches of 1,000 on 4 workers, by
// chunk and under key affinity.
func BenchmarkRun(b *testing.B) {
	rows := seq(200_000)
	sink := pipeline.SinkFunc[int](func(_ context.Context, bt *pipeline.Batch[int]) (pipeline.WriteStats, error) {
		return pipeline.WriteStats{Written: int64(len(bt.Rows))}, nil
	})
	for _, bc := range []struct {
		name      string
		partition func(int) uint64
	}{
		{"chunks", nil},
		{"partitioned", func(r int) uint64 { return uint64(r) * 0x9e3779b97f4a7c15 }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := pipeline.New(pipeline.Config[int]{Source: pipeline.SliceSource(rows), Sink: sink, Workers: 4, BatchRows: 1000,
					Partition: bc.partition, OnResult: func(pipeline.Result) error { return nil }, OnProgress: func(pipeline.Progress) {}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

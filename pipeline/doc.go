// Package pipeline is tmimport's engine: it cuts an input into CPU-count chunks, runs
// each chunk batch by batch through stages in a bounded pool of workers, and writes the
// batches through a sink.
//
// It knows nothing of PostgreSQL or geometry (it imports only the standard library and
// sourcegraph/conc), so it is tested with in-memory sources and sinks. Package pgio
// provides the database sinks and sources; package stages the reusable stages.
//
// # Data flow
//
//	Source ──Chunks(n)──▶ chunk 0 … chunk n-1 ──▶ workers (Config.Workers)
//	                       each worker, per batch: Chunk.Next → Stages → Sink.Write
//	                       per-batch Result ──▶ OnResult (input order), OnProgress (live)
//
// A chunk is a shard of work, not a buffer: inside a chunk a worker reads batches of at
// most Config.BatchRows rows or Config.BatchBytes bytes, so memory is bounded by
// workers × batch size, never by the input size. Sized sources (files, slices, tables
// with a key) are cut into Workers chunks of near-equal size; unsized ones (stdin, gzip)
// are cut as they stream.
//
// # Goroutines, cancellation and errors
//
// Every goroutine belongs to the run: workers come from a conc pool (pool.New with
// WithMaxGoroutines(Workers)) and Run waits for all of them on every path; results
// reach OnResult in input order through a small reorder buffer, not a conc stream. Stages and sinks never start goroutines.
// Cancelling the context passed to [Pipeline.Run] stops the run; the sink rolls back
// the batches it is writing, and batches already written stay written and are reported.
//
// Under the default [FailFast] policy the first failed batch cancels the others and
// [Pipeline.Run] returns its *[ChunkError]. Under [Collect] each failed batch is
// reported in its [Result] and the run goes on; Run returns the errors joined.
//
// # Panics
//
// A panic in a source, stage, sink or callback does not crash the program: it is
// recovered in the worker, turned into an error that carries the panic value and the
// stack (*panics.ErrRecovered from sourcegraph/conc), wrapped in a *[ChunkError] for
// that batch, and handled like any other batch error. This is conc's policy, chosen over
// errgroup's (which lets panics crash) because an importer embedded in a larger program
// must report a bad stage, not take the program down.
//
// # Example
//
//	p, err := pipeline.New(pipeline.Config[Row]{
//		Source: pipeline.SliceSource(rows),
//		Stages: []pipeline.Stage[Row]{validate},
//		Sink:   sink,
//	})
//	if err != nil { … }
//	sum, err := p.Run(ctx)
package pipeline

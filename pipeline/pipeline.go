package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"
)

// Defaults for [Config] fields left zero.
const (
	// BatchRowsDefault is the default most rows in a batch.
	BatchRowsDefault = 50_000
	// BatchBytesDefault is the default most input bytes in a batch.
	BatchBytesDefault = 16 << 20
	// WorkersMax is the largest accepted Config.Workers.
	WorkersMax = 1024
)

// ErrorPolicy says what a failed batch does to the rest of the run.
type ErrorPolicy int

const (
	// FailFast cancels the run at the first failed batch; Run returns that error.
	// Batches already written stay written.
	FailFast ErrorPolicy = iota
	// Collect records each failed batch's error in its [Result], goes on with the
	// next batch, and makes Run return all the errors joined.
	Collect
)

// Config configures a [Pipeline]. A zero field means its default.
type Config[T any] struct {
	// Source cuts the input into chunks. Required.
	Source Source[T]
	// Stages run on every batch, in order, inside the worker. Optional.
	Stages []Stage[T]
	// Sink writes batches. Required.
	Sink Sink[T]
	// Name names the input in rejects and errors (a file name, a table).
	Name string
	// Workers is the number of chunks processed at once, and the number of chunks a
	// sized source is cut into. Defaults to runtime.NumCPU().
	Workers int
	// BatchRows is the most rows per batch. Defaults to [BatchRowsDefault].
	BatchRows int
	// BatchBytes is the most input bytes per batch. Defaults to [BatchBytesDefault].
	BatchBytes int64
	// ErrorPolicy is what a failed batch does. Defaults to [FailFast].
	ErrorPolicy ErrorPolicy
	// MaxRejects is the most records that may be rejected before the run fails with
	// [ErrRejectBudget]; -1 means no limit. Defaults to 0: the first reject fails
	// the batch that holds it (nothing of that batch is written) and the run.
	MaxRejects int64
	// OnReject receives every rejected record. It is called from workers, one call at
	// a time. An error from it fails the batch. Optional.
	OnReject func(Reject) error
	// OnResult receives every batch's result in input order, one call at a time.
	// An error from it fails the run. Optional.
	OnResult func(Result) error
	// OnProgress receives a running total after each batch, in completion order, one
	// call at a time. It must be quick. Optional.
	OnProgress func(Progress)
	// Partition, when set, gives each row's partition key (a hash of its conflict key),
	// and switches to key affinity: worker w writes exactly the rows with
	// Partition(row) % Workers == w, in input order, so one key is only ever written by
	// one worker and later rows of a key are written after earlier ones (what upserts
	// need to be deterministic and free of deadlocks). Every worker then reads the
	// whole input, chunk after chunk, keeping its own rows, so the source must be
	// readable more than once (a file, not stdin: use one worker for those). A batch is
	// BatchRows input rows, of which a worker keeps its share, so memory stays that of
	// one batch per worker. Partition runs before the stages.
	Partition func(row T) uint64
}

// WithDefaults returns a copy of c with zero fields set to their defaults.
func (c Config[T]) WithDefaults() Config[T] {
	c.Workers = cmp.Or(c.Workers, runtime.NumCPU())
	c.BatchRows = cmp.Or(c.BatchRows, BatchRowsDefault)
	c.BatchBytes = cmp.Or(c.BatchBytes, BatchBytesDefault)
	return c
}

func (c *Config[T]) validate() error {
	switch {
	case c.Source == nil:
		return fmt.Errorf("%w: Source is required", ErrConfig)
	case c.Sink == nil:
		return fmt.Errorf("%w: Sink is required", ErrConfig)
	case c.Workers < 1 || c.Workers > WorkersMax:
		return fmt.Errorf("%w: Workers must be between 1 and %d, got %d", ErrConfig, WorkersMax, c.Workers)
	case c.BatchRows < 1:
		return fmt.Errorf("%w: BatchRows must be positive, got %d", ErrConfig, c.BatchRows)
	case c.BatchBytes < 1:
		return fmt.Errorf("%w: BatchBytes must be positive, got %d", ErrConfig, c.BatchBytes)
	case c.MaxRejects < -1:
		return fmt.Errorf("%w: MaxRejects must be -1 (no limit) or more, got %d", ErrConfig, c.MaxRejects)
	case c.ErrorPolicy != FailFast && c.ErrorPolicy != Collect:
		return fmt.Errorf("%w: unknown ErrorPolicy %d", ErrConfig, c.ErrorPolicy)
	}
	for i, s := range c.Stages {
		if s == nil {
			return fmt.Errorf("%w: Stages[%d] is nil", ErrConfig, i)
		}
	}
	return nil
}

// Pipeline runs a source through stages into a sink with a bounded pool of workers.
// Build it with [New]; a Pipeline runs once.
type Pipeline[T any] struct {
	cfg   Config[T]
	stage Stage[T]
	ran   atomic.Bool
}

// New validates cfg and returns a pipeline. It does no I/O.
func New[T any](cfg Config[T]) (*Pipeline[T], error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Pipeline[T]{cfg: cfg, stage: Chain(cfg.Stages...)}, nil
}

// ErrRan is returned by Run on a pipeline that already ran.
var ErrRan = errors.New("pipeline: already ran")

// run is the state of one Run.
type run[T any] struct {
	*Pipeline[T]
	start  time.Time
	cancel context.CancelCauseFunc
	budget budget

	mu       sync.Mutex // serialises OnReject and OnProgress, guards progress
	progress Progress

	order *order
	sum   Summary // written by emit, under order's lock, and by Run

	errMu     sync.Mutex
	errs      []error
	sourceErr bool // a source error is recorded
}

// Run reads every chunk of the source, runs each batch through the stages and writes
// it with the sink, with at most Config.Workers chunks in flight.
//
// Cancelling ctx stops the run: batches being written are rolled back by the sink,
// batches already written stay written and were reported to OnResult. Run returns the
// summary of what was done and, on failure, an error: a *[ChunkError] for a failed batch
// or a source error (the chunks read before a source error are still written)
// (a panic in a source, stage or sink arrives as one whose cause carries the stack),
// ctx's cause when cancelled, or the joined errors under the [Collect] policy.
func (p *Pipeline[T]) Run(ctx context.Context) (Summary, error) {
	if p.ran.Swap(true) {
		return Summary{}, ErrRan
	}
	r := &run[T]{Pipeline: p, start: time.Now(), sum: Summary{Workers: p.cfg.Workers}}
	r.budget.limit = p.cfg.MaxRejects
	r.order = newOrder(r.emit)
	ctx, r.cancel = context.WithCancelCause(ctx)
	defer r.cancel(nil)

	if p.cfg.Partition != nil {
		r.partitioned(ctx)
	} else {
		r.chunked(ctx)
	}
	r.sum.Duration = time.Since(r.start)
	return r.sum, r.result(ctx)
}

// chunked runs the workers by chunk: each worker owns one chunk at a time; Go blocks
// while all are busy, which keeps an unsized source from reading ahead.
func (r *run[T]) chunked(ctx context.Context) {
	workers := pool.New().WithMaxGoroutines(r.cfg.Workers)
	for chunk := range r.chunks(ctx) {
		r.sum.Chunks++
		workers.Go(func() {
			if err := r.chunk(ctx, chunk, -1); err != nil {
				r.failed(err)
			}
			r.order.finish(chunk.Info().Seq)
		})
	}
	workers.Wait()
}

// chunks yields the source's chunks. It stops at a source error, which it records, and
// when ctx ends, closing the chunk it then holds.
func (r *run[T]) chunks(ctx context.Context) iter.Seq[Chunk[T]] {
	return func(yield func(Chunk[T]) bool) {
		for chunk, err := range r.cfg.Source.Chunks(ctx, r.cfg.Workers) {
			if err != nil {
				r.sourceFailed(&ChunkError{Chunk: -1, Batch: -1, Stage: "source", Err: err})
				return
			}
			if ctx.Err() != nil {
				_ = chunk.Close()
				return
			}
			if !yield(chunk) {
				return
			}
		}
	}
}

// failed records a failure and, under the fail-fast policy, cancels the run.
func (r *run[T]) failed(err error) {
	r.errMu.Lock()
	r.errs = append(r.errs, err)
	r.errMu.Unlock()
	if r.cfg.ErrorPolicy == FailFast {
		r.cancel(err)
	}
}

// sourceFailed records a source error once, without cancelling: the chunks read
// before it are still written (the records before a truncated file's end, the
// features before broken JSON), and Run returns it.
func (r *run[T]) sourceFailed(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if !r.sourceErr {
		r.sourceErr = true
		r.errs = append(r.errs, err)
	}
}

// result picks Run's error: under fail-fast the first failure (the ctx cause), else the
// joined batch errors; a cancellation from outside comes back as its cause.
func (r *run[T]) result(ctx context.Context) error {
	cause := context.Cause(ctx)
	if r.cfg.ErrorPolicy == FailFast && cause != nil {
		return cause
	}
	if len(r.errs) > 0 {
		return errors.Join(append(r.errs, cause)...) // Join drops a nil cause
	}
	return cause
}

// emit adds a result to the summary and hands it to OnResult, in input order (called
// by order with its lock held).
func (r *run[T]) emit(res Result) {
	r.sum.add(&res)
	if err := r.deliver(res); err != nil {
		r.failed(err)
	}
}

// deliver hands one result to OnResult, turning a panic into an error.
func (r *run[T]) deliver(res Result) (err error) {
	if r.cfg.OnResult == nil {
		return nil
	}
	if rec := panics.Try(func() { err = r.cfg.OnResult(res) }); rec != nil {
		err = rec.AsError()
	}
	if err != nil {
		return &ChunkError{Chunk: res.Chunk, Batch: res.Batch, First: res.First, Last: res.Last, Stage: "callback", Err: err}
	}
	return nil
}

// chunk processes one chunk batch by batch, handing each batch's result to the order.
// Under fail-fast it stops at the first failed batch, which is not reported (nothing of
// it was written). It always closes the chunk. part is the worker's partition under key
// affinity, or -1.
func (r *run[T]) chunk(ctx context.Context, c Chunk[T], part int) (err error) {
	info := c.Info()
	defer func() {
		if cerr := c.Close(); cerr != nil && err == nil {
			err = &ChunkError{Chunk: info.Seq, Batch: -1, Stage: "source", Err: fmt.Errorf("close: %w", cerr)}
		}
	}()
	b := &Batch[T]{Chunk: info.Seq, Partition: part, budget: &r.budget}
	lim := Limits{Rows: r.cfg.BatchRows, Bytes: r.cfg.BatchBytes}
	for seq := 0; ; seq++ {
		if ctx.Err() != nil {
			return nil // the cause is reported once, by Run
		}
		b.Reset()
		b.Seq = seq
		res, done, err := r.batch(ctx, c, b, lim)
		if done {
			return nil
		}
		if err != nil && r.cfg.ErrorPolicy == FailFast {
			return err
		}
		if err != nil {
			r.failed(err)
		}
		res.Err = err
		r.report(res)
		r.order.add(res)
	}
}

// batch reads, transforms and writes one batch. done reports the end of the chunk.
func (r *run[T]) batch(ctx context.Context, c Chunk[T], b *Batch[T], lim Limits) (res Result, done bool, err error) {
	t0 := time.Now()
	stage := "source"
	defer func() {
		res = r.resultOf(b, res, time.Since(t0))
		if err != nil {
			err = &ChunkError{Chunk: b.Chunk, Batch: b.Seq, First: res.First, Last: res.Last, Stage: stage, Err: err}
		}
	}()
	err = try(func() error { return c.Next(ctx, b, lim) })
	if errors.Is(err, io.EOF) {
		return res, true, nil
	}
	if err != nil {
		return res, false, err
	}
	if b.Read == 0 { // a source that does not count: every record it gave
		b.Read = int64(len(b.Rows) + len(b.Rejects))
	}
	if b.Partition >= 0 {
		b.Read = r.keepPartition(b)
	}
	res.Read = b.Read
	stage = "stage"
	rows, rejects := len(b.Rows), len(b.Rejects)
	if err = try(func() error { return r.stage.Process(ctx, b) }); err != nil {
		return res, false, err
	}
	res.Filtered = int64(rows - len(b.Rows) - (len(b.Rejects) - rejects))
	stage = "rejects"
	if err = b.ReserveRejects(); err != nil {
		return res, false, err
	}
	if len(b.Rows) > 0 {
		stage = "sink"
		var st WriteStats
		if err = try(func() (e error) { st, e = r.cfg.Sink.Write(ctx, b); return e }); err != nil {
			return res, false, err
		}
		res.Written, res.Skipped = st.Written, st.Skipped
	}
	stage = "rejects"
	if err = b.ReserveRejects(); err != nil {
		return res, false, err
	}
	res.Rejected = int64(len(b.Rejects))
	return res, false, r.rejects(b)
}

// keepPartition drops the rows of other partitions and returns the records read for
// b's partition. The source's own rejects are kept by partition 0 only, so each is
// reported once; bytes are counted by partition 0 only too.
func (r *run[T]) keepPartition(b *Batch[T]) int64 {
	w, part := uint64(r.cfg.Workers), uint64(b.Partition)
	b.Keep(func(_ int, row T) bool { return r.cfg.Partition(row)%w == part })
	kept := len(b.Rows)
	if part != 0 {
		clear(b.Rejects)
		b.Rejects = b.Rejects[:0]
		b.Bytes = 0
	}
	return int64(kept + len(b.Rejects))
}

// partitioned runs the workers under key affinity: worker w reads every chunk, in
// order, and writes its partition of the rows.
func (r *run[T]) partitioned(ctx context.Context) {
	workers := pool.New().WithMaxGoroutines(r.cfg.Workers)
	r.sum.Chunks = int64(r.cfg.Workers)
	for part := range r.cfg.Workers {
		workers.Go(func() {
			defer r.order.finish(part)
			for chunk := range r.chunks(ctx) {
				if err := r.chunk(ctx, chunk, part); err != nil {
					r.failed(err)
					return
				}
			}
		})
	}
	workers.Wait()
}

// resultOf fills the identity and positions of a batch result.
func (r *run[T]) resultOf(b *Batch[T], res Result, d time.Duration) Result {
	res.Chunk, res.Batch, res.Partition, res.Bytes, res.Duration = b.Chunk, b.Seq, b.Partition, b.Bytes, d
	if len(b.Pos) > 0 {
		res.First, res.Last = b.Pos[0], b.Pos[len(b.Pos)-1]
	}
	for _, rj := range b.Rejects { // rejects may lie before the first or after the last row
		if res.First == (Pos{}) || posLess(rj.Pos, res.First) {
			res.First = rj.Pos
		}
		if posLess(res.Last, rj.Pos) {
			res.Last = rj.Pos
		}
	}
	return res
}

func posLess(a, b Pos) bool {
	if a.Offset != b.Offset {
		return a.Offset < b.Offset
	}
	return a.Index < b.Index
}

// rejects hands the batch's rejects to OnReject, one call at a time.
func (r *run[T]) rejects(b *Batch[T]) error {
	if r.cfg.OnReject == nil || len(b.Rejects) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rj := range b.Rejects {
		if rj.Source == "" {
			rj.Source = r.cfg.Name
		}
		if err := try(func() error { return r.cfg.OnReject(rj) }); err != nil {
			return err
		}
	}
	return nil
}

// report updates the running totals and calls OnProgress.
func (r *run[T]) report(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &r.progress
	p.Last = res
	p.Read += res.Read
	p.Written += res.Written
	p.Rejected += res.Rejected
	p.Skipped += res.Skipped
	p.Bytes += res.Bytes
	p.Batches++
	p.Elapsed = time.Since(r.start)
	if r.cfg.OnProgress != nil {
		snapshot := *p
		_ = try(func() error { r.cfg.OnProgress(snapshot); return nil }) // progress must never break a run
	}
}

// try runs f and turns a panic into an error that carries the panic's stack.
func try(f func() error) (err error) {
	if rec := panics.Try(func() { err = f() }); rec != nil {
		return rec.AsError()
	}
	return err
}

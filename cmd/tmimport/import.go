package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// importJob is one import run by a command: a source into a sink with the common flags.
type importJob[T any] struct {
	command string
	table   pgx.Identifier
	flags   *common
	name    string // the input's name for rejects
	size    int64  // input bytes, 0 when unknown
	source  pipeline.Source[T]
	stages  []pipeline.Stage[T]
	sink    pipeline.Sink[T]
	// partition, when set, routes rows to workers by key (upsert/ignore).
	partition func(T) uint64
	// ledger, when set, is marked finished after a successful run.
	ledger *pgio.Ledger
	// staging, when set, is published after a successful run (--atomic, replace), with
	// columns, mode and key.
	staging *pgio.Staging
	columns []string
	mode    pgio.Mode
	key     []string
	feature bool // positions are GeoJSON feature indices
	// summary, when set, receives the run's summary and replaces the report: the
	// caller reports.
	summary *pipeline.Summary
	// seeReject, when set, is shown every reject (serially, as the pipeline's
	// OnReject is), besides the --rejects file.
	seeReject func(pipeline.Reject)
	stdout    io.Writer
	stderr    io.Writer
}

// errRejected marks a run that finished with rejects within the budget (exit code 3).
var errRejected = errors.New("finished with rejected records")

// runImport runs the pipeline, shows progress, writes rejects and prints the report.
func runImport[T any](ctx context.Context, j importJob[T]) (err error) {
	f := j.flags
	var onReject func(pipeline.Reject) error
	if f.rejects != "" {
		rf, err := os.OpenFile(f.rejects, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--rejects: %w", err)
		}
		defer func() {
			if cerr := rf.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("--rejects: %w", cerr)
			}
		}()
		onReject = pgio.NewRejectWriter(rf, j.feature).Write
	}
	if see := j.seeReject; see != nil {
		write := onReject
		onReject = func(r pipeline.Reject) error {
			see(r)
			if write == nil {
				return nil
			}
			return write(r)
		}
	}
	prog := newProgress(f.progress, f.quiet, j.stderr, j.size)
	cfg := pipeline.Config[T]{
		Source: j.source, Stages: j.stages, Sink: j.sink, Name: j.name,
		Workers: f.workers, BatchRows: f.batchRows, MaxRejects: f.maxRejects,
		OnReject: onReject, OnProgress: prog.update, Partition: j.partition,
	}
	if f.verbose {
		cfg.OnResult = func(r pipeline.Result) error {
			fmt.Fprintf(j.stderr, "tmimport: committed chunk %d batch %d: lines %d-%d, %d rows written, %d rejected\n",
				r.Chunk, r.Batch, r.First.Line, r.Last.Line, r.Written, r.Rejected)
			return nil
		}
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		return err
	}
	sum, runErr := p.Run(ctx)
	prog.finish()
	if j.staging != nil {
		runErr = publish(ctx, j, &sum, runErr)
	}
	if runErr == nil && j.ledger != nil {
		runErr = j.ledger.Finish(ctx)
	}
	if j.summary != nil {
		*j.summary = sum
	} else {
		rep := newReport(j.command, j.table.Sanitize(), f.mode, sum, runErr)
		rep.ImportID = f.importID
		if bs, ok := j.sink.(interface{ BinaryBatches() int64 }); ok {
			rep.BinaryBatches = bs.BinaryBatches()
		}
		printReport(f, j.stdout, j.stderr, rep, rep.text)
	}
	switch {
	case runErr != nil && ctx.Err() != nil:
		return fmt.Errorf("interrupted: %d rows in %d batches were committed and stay; in-flight batches were rolled back", sum.Written, sum.Batches)
	case runErr != nil:
		return runErr
	case sum.Rejected > 0:
		return errRejected
	}
	return nil
}

// publish makes a staged import visible, or drops the staging table of a failed one
// unless an import id lets it resume.
func publish[T any](ctx context.Context, j importJob[T], sum *pipeline.Summary, runErr error) error {
	if runErr != nil {
		if j.flags.importID == "" {
			_ = j.staging.Drop(context.WithoutCancel(ctx))
		}
		return runErr
	}
	n, err := j.staging.Publish(ctx, j.columns, j.mode, j.key)
	if err != nil {
		return err
	}
	if j.mode != pgio.Append { // rows written so far went to the staging table
		sum.Written = n
	}
	return nil
}

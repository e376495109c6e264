package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// errRejected marks a run that finished with rejects within the budget (exit code 3).
var errRejected = errors.New("finished with rejected records")

// load is one import command's run: flags, the input, and where output goes.
type load struct {
	command string
	flags   *common
	input   pgio.Input
	total   int64    // input bytes for the progress display, 0 when unknown
	args    []string // the command's arguments, to print the command that resumes
	stdout  io.Writer
	stderr  io.Writer
	// source, when set, is the source database's client (pg), connected before the
	// target and closed after the run.
	source func(ctx context.Context) (*pgio.Client, func(), error)
}

// run connects, loads with progress, writes rejects and prints the report. The report
// is printed whatever happens after the flags were accepted (a JSON report is always
// one object).
func (l *load) run(ctx context.Context, build func(src *pgio.Client) pgio.Input) (err error) {
	f := l.flags
	var sum pipeline.Summary
	var info pgio.LoadInfo
	var seen rejects
	defer func() {
		if be := (*pipeline.BudgetError)(nil); errors.As(err, &be) {
			err = seen.budgetError(be, f.rejects)
		}
		sum.Rejected = max(sum.Rejected, seen.n) // with the rejects of a batch that failed
		sum.Read = max(sum.Read, sum.Written+sum.Rejected+sum.Skipped)
		rep := newReport(l.command, f.table, f.mode, sum, err)
		rep.ImportID, rep.BinaryBatches = f.importID, info.BinaryBatches
		rep.Workers = max(info.Workers, sum.Workers)
		printReport(f, l.stdout, l.stderr, rep, rep.text)
		err = l.outcome(ctx, sum, err)
	}()
	opts, err := f.options(l.stderr)
	if err != nil {
		return err
	}
	opts.OnDone = func(i pgio.LoadInfo) { info = i }
	opts.OnReject = seen.add
	if f.rejects != "" {
		rf, err := openRejects(f.rejects)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := rf.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("--rejects: %w", cerr)
			}
		}()
		opts.Rejects = rf
	}
	var src *pgio.Client
	if l.source != nil {
		c, closeSrc, err := l.source(ctx)
		if err != nil {
			return err
		}
		defer closeSrc()
		src = c
	}
	client, err := connect(ctx, f.to, f.workers)
	if err != nil {
		return err
	}
	defer client.Close()
	prog := newProgress(f.progress, f.quiet, l.stderr, l.total)
	opts.OnProgress = prog.update
	if f.verbose {
		opts.OnProgress = func(p pipeline.Progress) {
			prog.update(p)
			r := p.Last
			fmt.Fprintf(l.stderr, "tmimport: committed chunk %d batch %d: lines %d-%d, %d rows written, %d rejected\n",
				r.Chunk, r.Batch, r.First.Line, r.Last.Line, r.Written, r.Rejected)
		}
	}
	sum, err = client.Load(ctx, f.table, build(src), opts)
	endProgress(prog, err)
	return err
}

// outcome turns a finished load into the command's error: on interruption it says what
// stays committed (or that nothing was published) and how to resume.
func (l *load) outcome(ctx context.Context, sum pipeline.Summary, err error) error {
	f := l.flags
	staged := f.atomic || f.mode == "replace"
	switch {
	case err != nil && ctx.Err() != nil:
		msg := fmt.Sprintf("interrupted: %d rows in %d batches were committed and stay; in-flight batches were rolled back", sum.Written, sum.Batches)
		if staged {
			msg = "interrupted: nothing was published (the load went to a staging table)"
		}
		if f.importID != "" {
			msg += fmt.Sprintf("; resume with: tmimport %s %s", l.command, shellJoin(l.args))
		}
		return errors.New(msg)
	case err != nil:
		return err
	case sum.Rejected > 0:
		return errRejected
	}
	return nil
}

// shellJoin quotes args for a POSIX shell where they need it.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`!*?[](){};&|<>#~") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// connect builds and connects the target client with a connection per worker plus
// one for DDL and bookkeeping.
func connect(ctx context.Context, dsn string, workers int) (*pgio.Client, error) {
	return connectWith(ctx, pgio.Config{DSN: dsn, MaxConns: int32(workers + 1)})
}

// connectSource builds and connects the client of a source database (pg, tm): a
// connection per worker plus one for the snapshot, and no JIT compilation, which
// costs more than it saves on the one-pass queries of an export (it took 1.3 s of a
// 1.9 s tasks query of the TM migration).
func connectSource(ctx context.Context, dsn string, conns int) (*pgio.Client, error) {
	c, err := connectWith(ctx, pgio.Config{DSN: dsn, MaxConns: int32(conns), RuntimeParams: map[string]string{"jit": "off"}})
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	return c, nil
}

func connectWith(ctx context.Context, cfg pgio.Config) (*pgio.Client, error) {
	c, err := pgio.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// openRejects opens the --rejects file for appending.
func openRejects(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--rejects: %w", err)
	}
	return f, nil
}

// rejects counts the rejected records and keeps the first, for the report and the
// message of a run over its reject budget.
type rejects struct {
	n     int64
	first *pipeline.Reject
}

func (r *rejects) add(rej pipeline.Reject) {
	if r.first == nil {
		r.first = &rej
	}
	r.n++
}

// budgetError says that too many records were rejected, and why the first was.
func (r *rejects) budgetError(be *pipeline.BudgetError, file string) error {
	r.n = max(r.n, be.Rejected)
	msg := fmt.Sprintf("too many rejected records: %d, more than --max-rejects %d allows", be.Rejected, be.Allowed)
	if first := cmp.Or(r.first, be.Example); first != nil {
		msg += fmt.Sprintf("; the first: %v", *first)
	}
	if file != "" {
		msg += " (all of them are in " + file + ")"
	} else {
		msg += " (--rejects FILE keeps them all)"
	}
	return errors.New(msg)
}

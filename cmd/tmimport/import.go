package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	total   int64    // input bytes for the progress display, 0 when unknown
	args    []string // the command's arguments, to print the command that resumes
	stdout  io.Writer
	stderr  io.Writer
	from    string // the source database's DSN (pg), connected before the target
}

// run connects, loads with progress, writes rejects and prints the report. The report
// is printed whatever happens after the flags were accepted (a JSON report is always
// one object).
func (l *load) run(ctx context.Context, build func(src *pgio.Client) pgio.Input) (err error) {
	f := l.flags
	var sum pipeline.Summary
	var info pgio.LoadInfo
	defer func() {
		rep := pgio.NewReport(l.command, f.table, f.mode, f.importID, sum, info, err)
		printReport(f, l.stdout, l.stderr, rep, rep.WriteText)
		err = l.outcome(ctx, sum, err)
	}()
	opts, closeRejects, err := f.options(l.stderr)
	if err != nil {
		return err
	}
	defer closeRejects(&err)
	opts.OnDone = func(i pgio.LoadInfo) { info = i }
	var src *pgio.Client
	if l.from != "" {
		if src, err = connectSource(ctx, l.from, f.workers+1); err != nil {
			return err
		}
		defer src.Close()
	}
	client, err := connect(ctx, f.to, f.workers)
	if err != nil {
		return err
	}
	defer client.Close()
	prog := newProgress(f.progress, f.quiet, l.stderr, l.total)
	verbose := opts.OnProgress
	opts.OnProgress = func(p pipeline.Progress) {
		prog.update(p)
		if verbose != nil {
			verbose(p)
		}
	}
	sum, err = client.Load(ctx, f.table, build(src), opts)
	prog.end(err)
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

// connect connects the target client: a connection per worker plus one for DDL and
// bookkeeping.
func connect(ctx context.Context, dsn string, workers int) (*pgio.Client, error) {
	return pgio.Connect(ctx, pgio.Config{DSN: dsn, MaxConns: int32(workers + 1)})
}

// connectSource connects a source database's client (pg, tm) with conns connections
// and no JIT compilation, which costs more than it saves on the one-pass queries of an
// export (it took 1.3 s of a 1.9 s tasks query of the TM migration).
func connectSource(ctx context.Context, dsn string, conns int) (*pgio.Client, error) {
	c, err := pgio.Connect(ctx, pgio.Config{DSN: dsn, MaxConns: int32(conns), RuntimeParams: map[string]string{"jit": "off"}})
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	return c, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/tm"
	"github.com/tmimport/tmimport/pipeline"
)

// maxReasons is how many reject reasons per table the report shows (all of them go to
// --rejects).
const maxReasons = 5

// errMismatch marks a migration whose verification found a table whose counts
// disagree.
var errMismatch = errors.New("verification failed")

// runTM implements `tmimport tm`: a Tasking Manager v4 database into the TM-Admin
// schema, table by table, each verified by count.
func runTM(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	var f common
	var from, tables, schema, srcSchema string
	fs := flag.NewFlagSet("tm", flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&from, "from", "", "TM v4 source database `DSN` (default $TMIMPORT_FROM)")
	fs.StringVar(&tables, "tables", "", "migrate only these target `tables` (comma-separated; default all)")
	fs.StringVar(&schema, "schema", "public", "target `schema` of TM-Admin's types and tables")
	fs.StringVar(&srcSchema, "source-schema", "public", "`schema` of the TM v4 tables")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 0:
		return usagef("tm takes no positional arguments, got %q", pos)
	case f.table != "":
		return usagef("tm writes TM-Admin's tables; use --tables to choose some, not --table")
	case f.mode == "replace":
		return usagef("--mode replace is not supported by tm; use append (with --import-id to resume) or upsert")
	}
	if err := f.checkRun(); err != nil {
		return err
	}
	if from, err = dsn("from", from, "TMIMPORT_FROM"); err != nil {
		return err
	}
	mode, err := pgio.ParseMode(f.mode)
	if err != nil {
		return usagef("--mode: %v", err)
	}
	cfg := tm.Config{SourceSchema: srcSchema, Schema: schema, Tables: splitList(tables)}
	if _, err := tm.New(nil, nil, cfg); err != nil { // validates the names before any connection
		return usagef("%v", err)
	}
	// A connection per worker reads ranges, one holds the snapshot, and the tasks'
	// history stage of each worker reads its children on another.
	source, err := connectSource(ctx, from, 2*f.workers)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer source.Close()
	target, err := connect(ctx, f.to, f.workers)
	if err != nil {
		return err
	}
	defer target.Close()
	m, err := tm.New(source, target, cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	rep := tm.Report{Command: "tm", Mode: modeName(&f), ImportID: f.importID}
	defer func() {
		rep.DurationS = time.Since(start).Seconds()
		if err != nil {
			rep.Error = err.Error()
		}
		printReport(&f, stdout, stderr, rep, func(w io.Writer) { tmReportText(rep, w) })
	}()
	if rep.Revision, err = m.CheckSource(ctx); err != nil {
		return err
	}
	if f.create {
		if err := m.CreateSchema(ctx); err != nil {
			return err
		}
	} else if missing, err := m.Missing(ctx); err != nil {
		return err
	} else if len(missing) > 0 {
		return fmt.Errorf("the target has no table %s (use --create to create TM-Admin's types and tables)", strings.Join(missing, ", "))
	}
	var rejected bool
	for _, t := range m.Tables() {
		line, err := migrateTable(ctx, m, t, f, mode, stdout, stderr)
		switch {
		case errors.Is(err, errRejected):
			rejected = true
		case err != nil:
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		rep.Tables = append(rep.Tables, line)
	}
	if err := m.ResetSequences(ctx); err != nil {
		return err
	}
	var bad []string
	for _, t := range rep.Tables {
		if !t.OK {
			bad = append(bad, t.Table)
		}
	}
	switch {
	case len(bad) > 0:
		return fmt.Errorf("%w: the target's rows or folded entries differ from the source for %s", errMismatch, strings.Join(bad, ", "))
	case rejected:
		return errRejected
	}
	return nil
}

// migrateTable runs one table's migration and verifies it: the target holds exactly
// the rows written by this run and skipped as written by an earlier one, and every
// source row was read.
func migrateTable(ctx context.Context, m *tm.Migration, t *tm.Table, f common, mode pgio.Mode, stdout, stderr io.Writer) (tm.TableReport, error) {
	line := tm.TableReport{Table: t.Name, Source: t.Source}
	if f.importID != "" {
		f.importID += "/" + t.Name // one ledger per table
	}
	job, err := m.Open(ctx, t, f.batchRows)
	if err != nil {
		return line, err
	}
	defer job.Close()
	cfg := tupleConfig(job.Target, job.Columns, mode)
	if mode != pgio.Append {
		cfg.Key = t.Key // the source's rows are unique by key: no key affinity needed
	}
	sink, staging, err := buildSink(ctx, m.TargetClient(), job.Target, planInput("tm "+t.Source, job.Source), &f, false, &cfg, stderr)
	if err != nil {
		return line, err
	}
	if !f.quiet && f.progress != "none" {
		fmt.Fprintf(stderr, "tmimport tm: %s from %s\n", t.Name, t.Source)
	}
	var sum pipeline.Summary
	runErr := runImport(ctx, importJob[[]byte]{
		command: "tm", table: job.Target, flags: &f, name: "tm " + t.Source,
		source: job.Source, stages: []pipeline.Stage[[]byte]{job.Stage}, sink: sink, ledger: cfg.Ledger, staging: staging,
		columns: job.Columns, mode: mode, key: cfg.Key, stdout: stdout, stderr: stderr, summary: &sum,
		seeReject: func(r pipeline.Reject) {
			if len(line.Reasons) < maxReasons {
				line.Reasons = append(line.Reasons, r.Err.Error())
			}
		},
	})
	line.SourceRows, line.Written, line.Skipped = sum.Read, sum.Written, sum.Skipped
	line.Rejected = sum.Read - sum.Written - sum.Skipped
	line.DurationS = sum.Duration.Seconds()
	if runErr != nil && !errors.Is(runErr, errRejected) {
		return line, runErr
	}
	if line.TargetRows, err = m.Count(ctx, t); err != nil {
		return line, err
	}
	line.OK = line.TargetRows == line.Written+line.Skipped
	if line.Notes, err = m.Notes(ctx, t); err != nil {
		return line, err
	}
	if line.Rejected > 0 { // rejected parents took their children with them
		return line, runErr
	}
	checks, err := m.VerifyFolds(ctx, t)
	if err != nil {
		return line, err
	}
	for _, c := range checks {
		line.Folds = append(line.Folds, tm.FoldReport{Name: c.Name, SourceRows: c.Source, Entries: c.Target, OK: c.OK()})
		line.OK = line.OK && c.OK()
	}
	return line, runErr
}

// tmReportText writes the report as a table.
func tmReportText(r tm.Report, w io.Writer) {
	fmt.Fprintf(w, "\ntmimport tm: verification (source revision %q, mode %s)\n", r.Revision, r.Mode)
	fmt.Fprintf(w, "  %-26s %12s %12s %10s %10s %9s  %s\n", "table", "source rows", "target rows", "rejected", "skipped", "seconds", "check")
	for _, t := range r.Tables {
		fmt.Fprintf(w, "  %-26s %12d %12d %10d %10d %9.2f  %s\n", t.Table, t.SourceRows, t.TargetRows, t.Rejected, t.Skipped, t.DurationS, verdict(t.OK))
		for _, c := range t.Folds {
			fmt.Fprintf(w, "  %-26s %12d %12d %10s %10s %9s  %s (%s)\n", "", c.SourceRows, c.Entries, "", "", "", verdict(c.OK), c.Name)
		}
		for _, r := range t.Reasons {
			fmt.Fprintf(w, "  %-26s rejected: %s\n", "", r)
		}
		if n := t.Rejected - int64(len(t.Reasons)); n > 0 && len(t.Reasons) > 0 {
			fmt.Fprintf(w, "  %-26s rejected: … and %d more (see --rejects)\n", "", n)
		}
		for _, n := range t.Notes {
			fmt.Fprintf(w, "  %-26s note: %s\n", "", n)
		}
	}
	fmt.Fprintf(w, "tmimport tm: %s in %.2f s\n", status(r.Error), r.DurationS)
}

// verdict is a verification's outcome in the report.
func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISMATCH"
}

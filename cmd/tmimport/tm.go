package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tmimport/tmimport/pgio/tm"
)

// runTM implements `tmimport tm`: a Tasking Manager v4 database into the TM-Admin
// schema, table by table, each verified by count (tm.Migration.Run).
func runTM(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	var f common
	var from, tables, schema, srcSchema string
	fs := newFlagSet("tm", "tm --from DSN --to DSN [--tables users,projects,...] [flags]",
		"Migrate a HOT Tasking Manager v4 database into the TM-Admin schema, table by table, and verify\neach table's counts against the source.",
		"tmimport tm --from postgres://tm4/tasking --to postgres://admin/tmadmin --create",
		"tmimport tm --from $TM4 --to $ADMIN --tables users,projects --import-id tm-2026-12")
	fs.StringVar(&from, "from", "", "TM v4 source database `DSN` (default $TMIMPORT_FROM)")
	fs.StringVar(&tables, "tables", "", "migrate only these target `tables` (comma-separated; default all)")
	fs.StringVar(&schema, "schema", "public", "target `schema` of TM-Admin's types and tables")
	fs.StringVar(&srcSchema, "source-schema", "public", "`schema` of the TM v4 tables")
	fs.StringVar(&f.mode, "mode", "append", "write `mode`: append or upsert/ignore by each table's primary key")
	fs.BoolVar(&f.create, "create", false, "create TM-Admin's types and tables when missing")
	f.registerTarget(fs)
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 0:
		return usagef("tm takes no positional arguments, got %q", pos)
	case f.mode == "replace":
		return usagef("--mode replace is not supported by tm; use append (with --import-id to resume) or upsert")
	}
	if err := f.check(false); err != nil {
		return err
	}
	if from, err = dsn("from", from, "TMIMPORT_FROM"); err != nil {
		return err
	}
	cfg := tm.Config{SourceSchema: srcSchema, Schema: schema, Tables: splitList(tables)}
	if _, err := tm.New(nil, nil, cfg); err != nil { // validates the names before any connection
		return usagef("%v", err)
	}
	opts, err := f.options(stderr)
	if err != nil {
		return err
	}
	rep := tm.Report{Command: "tm", Mode: f.mode, ImportID: f.importID}
	defer func() {
		if err != nil && rep.Error == "" {
			rep.Error = err.Error()
		}
		printReport(&f, stdout, stderr, rep, func(w io.Writer) { tmReportText(rep, w) })
		switch {
		case errors.Is(err, tm.ErrRejected):
			err = errRejected
		case err != nil && ctx.Err() != nil && f.importID != "":
			err = fmt.Errorf("interrupted: committed batches stay; resume with: tmimport tm %s", shellJoin(args))
		}
	}()
	// A connection per worker reads ranges, one holds the snapshot, and the tasks'
	// history stage of each worker reads its children on another.
	source, err := connectSource(ctx, from, 2*f.workers+1)
	if err != nil {
		return err
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
	if f.rejects != "" {
		rf, err := openRejects(f.rejects)
		if err != nil {
			return err
		}
		defer rf.Close()
		opts.Rejects = rf
	}
	rep, err = m.Run(ctx, opts)
	return err
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


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
	opts, closeRejects, err := f.options(stderr)
	if err != nil {
		return err
	}
	defer closeRejects(&err)
	rep := tm.Report{Command: "tm", Mode: f.mode, ImportID: f.importID}
	defer func() {
		if err != nil && rep.Error == "" {
			rep.Error = err.Error()
		}
		printReport(&f, stdout, stderr, rep, rep.WriteText)
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
	rep, err = m.Run(ctx, opts)
	return err
}

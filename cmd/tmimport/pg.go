package main

import (
	"cmp"
	"context"
	"io"

	"github.com/tmimport/tmimport/pgio"
)

// runPG implements `tmimport pg`: a table (or query) of one PostgreSQL database into a
// table of another, in key ranges, binary COPY straight through.
func runPG(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f common
	var from, table string
	var o pgio.TableOptions
	fs := newFlagSet("pg", "pg --from DSN --to DSN --table [schema.]name [--target-table T] [flags]",
		"Copy a table (or a query) of one PostgreSQL database into a table of another, in ranges of one\nsnapshot, as binary COPY.",
		"tmimport pg --from postgres://old/db --to postgres://new/db --table public.tasks --create",
		"tmimport pg --from $OLD --to $NEW --table tasks --target-table archive.tasks --mode upsert --key id --split-by id")
	f.registerTable(fs, false)
	fs.Lookup("table").Usage = "source `[schema.]name` (and the target's, unless --target-table)"
	fs.StringVar(&from, "from", "", "source database `DSN` (default $TMIMPORT_FROM)")
	fs.StringVar(&table, "target-table", "", "target `[schema.]name` (default: --table)")
	fs.StringVar(&o.Query, "query", "", "read this SELECT instead of --table (needs --split-by); it is SQL by design and runs read-only in the source's snapshot")
	fs.StringVar(&o.SplitBy, "split-by", "", "integer `column` that cuts the source into key ranges (default: physical block ranges on PostgreSQL ≥ 14, else the integer primary key)")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("pg takes no positional arguments, got %q", pos)
	}
	if err := f.check(true); err != nil {
		return err
	}
	if from, err = dsn("from", from, "TMIMPORT_FROM"); err != nil {
		return err
	}
	srcTable := f.table
	f.table = cmp.Or(table, f.table)
	l := &load{command: "pg", flags: &f, from: from, args: args, stdout: stdout, stderr: stderr}
	return l.run(ctx, func(src *pgio.Client) pgio.Input { return pgio.Table(src, srcTable, o) })
}

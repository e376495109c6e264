package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
)

// runPG implements `tmimport pg`: a table (or query) of one PostgreSQL database into a
// table of another, in key ranges, binary COPY straight through.
func runPG(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f common
	var from, targetTable, query, splitBy string
	fs := flag.NewFlagSet("pg", flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&from, "from", "", "source database `DSN` (default $TMIMPORT_FROM)")
	fs.StringVar(&targetTable, "target-table", "", "target `[schema.]name` (default: --table)")
	fs.StringVar(&query, "query", "", "read this SELECT instead of --table (needs --split-by)")
	fs.StringVar(&splitBy, "split-by", "", "integer `column` that cuts the source into key ranges (default: physical block ranges on PostgreSQL ≥ 14, else the integer primary key)")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("pg takes no positional arguments, got %q", pos)
	}
	if err := f.check(); err != nil {
		return err
	}
	if from, err = dsn("from", from, "TMIMPORT_FROM"); err != nil {
		return err
	}
	if f.mode == "replace" {
		return usagef("--mode replace is not supported by pg yet; use append into a new table")
	}
	mode, err := pgio.ParseMode(f.mode)
	if err != nil {
		return usagef("--mode: %v", err)
	}
	srcTable, err := pgio.ParseTableName(f.table)
	if err != nil {
		return usagef("--table: %v", err)
	}
	table, err := pgio.ParseTableName(cmp.Or(targetTable, f.table))
	if err != nil {
		return usagef("--target-table: %v", err)
	}
	source, err := connectSource(ctx, from, f.workers)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer source.Close()
	src, err := source.OpenTableSource(ctx, pgio.TableSourceConfig{Table: srcTable, Query: query, SplitBy: splitBy, BatchRows: f.batchRows})
	if err != nil {
		return err
	}
	defer src.Close()
	srcCols, err := src.Columns(ctx)
	if err != nil {
		return err
	}
	client, err := connect(ctx, f.to, f.workers)
	if err != nil {
		return err
	}
	defer client.Close()
	tableCols, err := resolveColumns(ctx, client, table, &f, "source "+srcTable.Sanitize(), columnNames(srcCols), func() ([]pgio.Column, error) { return srcCols, nil })
	if err != nil {
		return err
	}
	cols := columnNames(tableCols)
	cfg := tupleConfig(table, cols, mode)
	if mode != pgio.Append {
		if cfg.Key, err = resolveKey(ctx, client, table, f.key); err != nil {
			return err
		}
		// Key ranges of the split column give key affinity only when it is the key.
		if !slices.Equal(cfg.Key, []string{src.SplitKey()}) && f.workers > 1 {
			fmt.Fprintf(stderr, "tmimport pg: --key %s is not the split column: --mode %s uses 1 worker\n", strings.Join(cfg.Key, ","), mode)
			f.workers = 1
		}
	}
	sink, staging, err := buildSink(ctx, client, table, planInput("pg "+srcTable.Sanitize(), src), &f, false, &cfg, stderr)
	if err != nil {
		return err
	}
	return runImport(ctx, importJob[[]byte]{
		command: "pg", table: table, flags: &f, name: srcTable.Sanitize(),
		source: src, sink: sink, ledger: cfg.Ledger, staging: staging, columns: cols, mode: mode, key: cfg.Key,
		stdout: stdout, stderr: stderr,
	})
}

// tupleConfig is the sink configuration of the binary COPY tuples a table source reads
// (pg, tm): sent as they are.
func tupleConfig(table pgx.Identifier, cols []string, mode pgio.Mode) pgio.CopyConfig[[]byte] {
	return pgio.CopyConfig[[]byte]{Table: table, Columns: cols, Raw: func(r []byte) []byte { return r }, RawBinary: true, Mode: mode}
}

// planInput identifies a table source by its plan (pgio.TableSource.Fingerprint).
func planInput(name string, src *pgio.TableSource) input {
	plan := src.Fingerprint()
	return input{name: name, open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(plan)), nil }}
}

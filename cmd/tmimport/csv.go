package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/tmimport/tmimport/pgio"
)

// runCSV implements `tmimport csv`.
func runCSV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f common
	var o pgio.CSVOptions
	var delimiter, quote, escape, columns string
	var geometry []string
	binary := true
	fs := newFlagSet("csv", "csv --to DSN --table [schema.]name [flags] FILE|-",
		"Import a CSV file (- for stdin; .gz is decompressed) into a table, in parallel chunks.\nDefaults follow PostgreSQL's CSV format: a header row, comma, \" quote, unquoted empty field = NULL.",
		"tmimport csv --to postgres://localhost/db --table places --create places.csv",
		"tmimport csv --table s.places --mode upsert --key id --import-id places-2026 places.csv.gz",
		"zcat big.csv.gz | tmimport csv --table t --delimiter tab --no-header --columns a,b,c -")
	f.registerTable(fs, true)
	fs.StringVar(&delimiter, "delimiter", ",", "field delimiter (one character; \\t or tab for tab)")
	fs.StringVar(&quote, "quote", `"`, "quote character")
	fs.StringVar(&escape, "escape", "", "escape character inside quotes (default: the quote character)")
	fs.StringVar(&o.Null, "null", "", "text of an unquoted NULL field (default: the empty string)")
	fs.BoolVar(&o.NoHeader, "no-header", false, "the input has no header row (then give --columns, or the table's columns are used in order)")
	fs.StringVar(&columns, "columns", "", "comma-separated column names of the input's fields (a header row is then skipped whatever it holds)")
	fs.IntVar(&o.Sample, "sample", pgio.SampleDefault, "with --create: rows sampled to infer column types")
	fs.BoolVar(&binary, "binary", true, "convert fields to PostgreSQL's binary COPY format in the client when the columns' types allow (exactly, or the batch goes as CSV); --binary=false sends the input's CSV bytes unchanged")
	fs.StringArrayVar(&geometry, "geometry", nil, "convert column `col:format[:srid]` (format wkt, wkb-hex, ewkb-hex or geojson; srid default 4326) into a PostGIS geometry; repeatable")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("csv needs exactly one input FILE (or - for stdin), got %d", len(pos))
	}
	if err := f.check(true); err != nil {
		return err
	}
	if o.Delimiter, err = byteFlag("delimiter", delimiter); err != nil {
		return err
	}
	if o.Quote, err = byteFlag("quote", quote); err != nil {
		return err
	}
	if o.Escape, err = byteFlag("escape", escape); err != nil {
		return err
	}
	o.Columns, o.Geometry, o.SendCSV = splitList(columns), geometry, !binary
	l := &load{command: "csv", flags: &f, total: progressTotal(pos[0]), args: args, stdout: stdout, stderr: stderr}
	return l.run(ctx, func(*pgio.Client) pgio.Input { return pgio.CSVFile(pos[0], o) })
}

// progressTotal is the input's size for the progress display: the bytes of a regular,
// uncompressed file (progress counts the bytes of decompressed records), else 0
// (unknown).
func progressTotal(path string) int64 {
	if path == "-" || strings.HasSuffix(strings.ToLower(path), ".gz") {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}
